#include "simulator/sim_outcome.h"

namespace sb {

namespace {
constexpr std::array<std::string_view, kSimOutcomeCount> kNames = {
    "ok",           "rate_limited",     "rate_limited_no_header", "insufficient_quota",
    "auth",         "permission",       "not_found",              "context_length",
    "bad_request",  "server_error",     "bad_gateway_html",       "bad_gateway_json",
    "unavailable",  "overloaded",       "hang",                   "reset",
    "malformed",    "stream_error",     "stall_mid_stream",       "reset_mid_stream",
    "invalid_utf8", "huge",
};
}  // namespace

std::string_view sim_outcome_name(SimOutcome outcome)
{
    return kNames[static_cast<std::size_t>(outcome)];
}

std::optional<SimOutcome> parse_sim_fault(std::string_view name)
{
    for (std::size_t i = 0; i < kNames.size(); ++i) {
        if (kNames[i] == name && static_cast<SimOutcome>(i) != SimOutcome::bad_request)
            return static_cast<SimOutcome>(i);
    }
    return std::nullopt;
}

}  // namespace sb
