#pragma once
// How the simulator behaves: latency distribution, reply length, the error mix and how long
// batches take.
// Loaded from JSON (resources/simulator/*.json); see parse_simulator_profile for the format.
#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace sb {

// Probabilities per attempt; their sum must not exceed 1. The rest is answered normally.
struct SimulatorErrorRates {
    double rate_limited = 0;            // 429 with Retry-After
    double rate_limited_no_header = 0;  // 429 without Retry-After
    double server_error = 0;            // 500
    double bad_gateway = 0;             // 502, half Cloudflare HTML, half JSON
    double unavailable = 0;             // 503
    double overloaded = 0;              // 529 (Anthropic) / 503 server_is_overloaded (OpenAI)
    double hang = 0;                    // accepted, never answered
    double reset = 0;                   // connection closed with RST
    double malformed = 0;               // 200 with a truncated JSON body

    double total() const;
};

// A batch's completion time can reach its whole 24 h completion window.
inline constexpr int kSimBatchMaxCompletionMs = 86'400'000;

struct SimulatorProfile {
    std::uint64_t seed = 1;
    // Log-normal latency before the first byte (first token for streams).
    double latency_median_ms = 0;  // 0 = answer immediately
    double latency_p99_ms = 0;
    double chunk_interval_ms = 0;  // pause between streamed content chunks
    int reply_words = 24;
    int retry_after_s = 1;
    // The request rate limit every answer reports (OpenAI's x-ratelimit-*-requests, Anthropic's
    // anthropic-ratelimit-requests-*), per minute; 0 reports none. The error rates stay as set.
    int rate_limit_rpm = 0;
    // From a batch's creation to its completion (OpenAI's Batch API and Anthropic's Message
    // Batches); a request's x-sim-batch-delay-ms header overrides it for the batch it creates.
    int batch_completion_ms = 2000;
    SimulatorErrorRates errors;
    std::vector<std::string> models = {"gpt-4o-mini", "gpt-4o", "claude-sonnet-4-5",
                                       "claude-haiku-4-5", "llama3.2"};
};

// Errors read "<json path>: <rule>", e.g. "errors.rate_limited: must be a probability in [0, 1]".
std::expected<SimulatorProfile, std::string> parse_simulator_profile(const nlohmann::json& json);
std::expected<SimulatorProfile, std::string> load_simulator_profile(
    const std::filesystem::path& path);

}  // namespace sb
