#pragma once
// Rate-limit state a provider reports in its response headers: OpenAI's
// x-ratelimit-{limit,remaining,reset}-{requests,tokens} (reset as Go durations such as
// "6m0s") and Anthropic's anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-
// {limit,remaining,reset} (reset as RFC 3339 instants).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "model/headers.h"

namespace sb {

struct RateLimitWindow {
    std::optional<std::int64_t> limit;
    std::optional<std::int64_t> remaining;
    std::optional<std::chrono::milliseconds> reset_after;           // OpenAI: relative
    std::optional<std::chrono::system_clock::time_point> reset_at;  // Anthropic: absolute
    bool empty() const { return !limit && !remaining && !reset_after && !reset_at; }
};

struct RateLimitInfo {
    RateLimitWindow requests;
    RateLimitWindow tokens;
    RateLimitWindow input_tokens;   // Anthropic only
    RateLimitWindow output_tokens;  // Anthropic only
    bool empty() const {
        return requests.empty() && tokens.empty() && input_tokens.empty() && output_tokens.empty();
    }
};

// Missing or unreadable headers leave the field empty; nothing throws.
RateLimitInfo parse_rate_limits(const Headers& headers);

// "1s", "6m0s", "120ms", "26.604s", "1h2m3.5s", "250us"; nullopt for anything else.
std::optional<std::chrono::milliseconds> parse_go_duration(std::string_view text);
// "2026-02-25T20:02:37Z", with optional fractional seconds and a ±hh:mm offset.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

}  // namespace sb
