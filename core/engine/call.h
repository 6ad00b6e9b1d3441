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

struct Call;
using CallPtr = std::shared_ptr<Call>;

// A request and its hedge, racing: the first answer (for a stream, its first content) wins
// and the other attempt is cancelled. Everything here is guarded by `mutex`.
struct HedgeRace {
    enum class Leader { None, Primary, Hedge };
    std::mutex mutex;
    Leader leader = Leader::None;
    CallPtr hedge;  // the copy, from when it is sent until it finishes
    bool hedge_running = false;
    double sent_after_ms = 0;               // from the request's start
    std::optional<Error> primary_gave_up;   // the primary failed while the hedge ran: the hedge decides
    bool loser_stopped = false;  // the losing attempt was cancelled…
    bool loser_on_wire = false;  // …while it was on the wire (so it is billed)
    std::vector<AttemptInfo> hedge_attempts;  // the hedge's, once it finished
};

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
    std::atomic<bool> delivered_content{false};  // also read by the hedge timer
    Error stream_error;
    std::string unbilled_text;  // streamed after its race was lost, before the cancel took effect

    // Hedging. On the primary: the race, from the first send that scheduled a hedge. On the
    // hedge: the same race and its primary.
    std::shared_ptr<HedgeRace> race;
    std::weak_ptr<Call> primary;
    bool is_hedge = false;
    bool hedge_scheduled = false;  // touched only by send()
    std::optional<TargetKey> answered_by;  // the hedge's target, when the hedge won

    const ProviderState& provider() const { return providers->states[provider_index]; }
    bool from_cache() const { return served_from_cache(result.cache); }
};

}  // namespace sb
