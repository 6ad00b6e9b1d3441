#pragma once
// What the simulator did with a request, and the counters kept per kind.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sb {

// Also the vocabulary of the `x-sim-fault` request header (see sim_outcome_name).
enum class SimOutcome {
    ok,
    rate_limited,
    rate_limited_no_header,
    insufficient_quota,
    auth,
    permission,
    not_found,
    context_length,
    bad_request,  // the request itself was invalid; never drawn or forced
    server_error,
    bad_gateway_html,
    bad_gateway_json,
    unavailable,
    overloaded,
    hang,
    reset,
    malformed,
    stream_error,
    // Forced with x-sim-fault only, never drawn from a profile's error mix:
    stall_mid_stream,  // half the answer (stream events, or body bytes), then silence
    reset_mid_stream,  // half the answer, then the connection closed with RST
    invalid_utf8,      // 200 whose answer text holds ill-formed UTF-8 bytes
    huge,              // 200 whose answer text is x-sim-reply-bytes long (default 50 MiB)
};
inline constexpr std::size_t kSimOutcomeCount = static_cast<std::size_t>(SimOutcome::huge) + 1;

// files and batches are OpenAI's /v1/files… and /v1/batches…, message_batches Anthropic's
// /v1/messages/batches….
enum class SimEndpoint {
    chat_completions,
    messages,
    responses,
    embeddings,
    models,
    files,
    batches,
    message_batches,
    other
};
inline constexpr std::size_t kSimEndpointCount = static_cast<std::size_t>(SimEndpoint::other) + 1;

std::string_view sim_outcome_name(SimOutcome outcome);
// Parses an `x-sim-fault` value; bad_request is not accepted there.
std::optional<SimOutcome> parse_sim_fault(std::string_view name);

struct SimulatorStats {
    std::array<std::uint64_t, kSimEndpointCount> requests{};
    std::array<std::uint64_t, kSimOutcomeCount> outcomes{};

    std::uint64_t requests_to(SimEndpoint endpoint) const
    {
        return requests[static_cast<std::size_t>(endpoint)];
    }
    std::uint64_t count(SimOutcome outcome) const
    {
        return outcomes[static_cast<std::size_t>(outcome)];
    }
};

}  // namespace sb
