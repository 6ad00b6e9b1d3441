#pragma once
// What the engine reports for one finished request.
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "cache/cache_status.h"
#include "model/chat.h"
#include "model/error.h"
#include "transport/http_types.h"

namespace sb {

struct AttemptInfo {
    std::string provider;
    std::string model;
    ErrorClass error = ErrorClass::None;  // None for the attempt that succeeded
    int http_status = 0;
    std::chrono::milliseconds delay_before{0};  // backoff waited before this attempt
    PhaseTimings timings;
    bool hedge = false;  // the hedged copy's attempt
};

// A hedged request: the copy sent after a delay, and what the losing attempt cost.
struct HedgeInfo {
    std::string provider, model;  // the hedge's target
    double sent_after_ms = 0;
    bool won = false;
    // What the providers bill for the attempt that lost: its prompt, and what it had streamed
    // before the cancel (nothing when it was never sent). Included in cost_usd.
    std::optional<double> loser_cost_usd;
};

struct RequestResult {
    std::string request_id;
    std::string provider;  // the target that produced the final outcome
    std::string model;
    std::string tier;          // the tier the request was routed in; empty when pinned to a provider
    std::string route_reason;  // why this tier and the first target: "keyword \"refactor\" → advanced; weighted 60%"
    std::expected<ChatResponse, Error> outcome = std::unexpected(Error{ErrorClass::Internal, "not finished"});
    std::vector<AttemptInfo> attempts;
    PhaseTimings timings;            // of the final attempt
    double total_ms = 0;             // whole request: queueing, retries and backoff included
    std::int64_t started_unix_ms = 0;
    // From the price table and the provider's reported usage; nullopt when the model has no
    // price (or the request failed): an unknown cost is not a zero cost.
    std::optional<double> cost_usd;
    CacheStatus cache = CacheStatus::Off;
    std::string cache_rule;            // the cache rule that decided (empty: the default)
    std::optional<double> saved_usd;   // a hit or shared answer: what the original answer cost
    std::string budget_note;           // a budget past its threshold warned, or moved the request
    std::optional<HedgeInfo> hedge;

    bool ok() const { return outcome.has_value(); }
};

}  // namespace sb
