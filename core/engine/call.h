#pragma once
// One request on its way through the request path. Shared by the transport callbacks, the
// retry timer and cancel(); `finished` makes sure it completes exactly once.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "cache/response_cache.h"
#include "engine/provider_set.h"
#include "engine/request_result.h"
#include "engine/route_selection.h"
#include "engine/scheduler.h"
#include "engine/submit_options.h"
#include "model/chat.h"
#include "providers/provider_adapter.h"
#include "transport/sse_parser.h"

namespace sb {

struct Call {
    using DoneCallback = std::function<void(RequestResult&&)>;
    using DeltaCallback = std::function<void(const StreamDelta&)>;

    ChatRequest request;
    DoneCallback on_done;
    DeltaCallback on_delta;
    SubmitOptions options;
    Scheduler::Clock::time_point started;
    std::chrono::milliseconds deadline{0};
    // The providers as they were when the request started: its retries and failovers stay
    // on them when apply_providers() swaps in a new set.
    std::shared_ptr<const ProviderSet> providers;
    std::size_t provider_index = 0;
    TargetKey target;  // provider and model of the current attempt
    std::vector<TargetKey> tried;
    bool pinned = false;
    RouteStart route;
    CacheLookup cache;
    bool flight_leader = false;  // identical requests wait for this one's answer
    std::vector<float> question_vector;  // the semantic cache's embedding of the last user turn
    std::optional<double> embedding_cost_usd;  // what that embedding cost (its budgets already charged)
    int attempts_on_target = 0;
    std::chrono::milliseconds next_delay{0};
    RequestResult result;
    std::atomic<bool> finished{false};
    std::atomic<bool> cancelled{false};

    std::mutex transfer_mutex;  // guards the two fields below against cancel()
    std::uint64_t transfer_id = 0;
    bool transfer_active = false;

    // Streaming state; touched only on the transport thread.
    SseParser sse;
    std::unique_ptr<StreamDecoder> decoder;
    bool delivered_content = false;
    Error stream_error;

    const ProviderState& provider() const { return providers->states[provider_index]; }
    bool from_cache() const { return served_from_cache(result.cache); }
};
using CallPtr = std::shared_ptr<Call>;

}  // namespace sb
