#pragma once
// One request's way through the engine, from submit to finish:
//   validate → route → cache (hit, or wait behind an identical request, or — with the
//   semantic cache — embed the question and serve a stored answer to one like it) → budget →
//   the provider's concurrency limit → send → classify → retry or fail over → finish.
// Finishing prices the answer, stores it in the cache, charges the budgets, releases the
// requests waiting on it, hands it to the recorder and then to the caller — exactly once.
// The parts it uses (router, cache, budgets, transport…) are owned and swapped by the Engine.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "cache/response_cache.h"
#include "cache/single_flight.h"
#include "config/config.h"
#include "cost/budget_tracker.h"
#include "cost/price_table.h"
#include "engine/call.h"
#include "engine/provider_set.h"
#include "engine/request_recorder.h"
#include "engine/route_selection.h"
#include "engine/scheduler.h"
#include "resilience/hedge_policy.h"
#include "resilience/retry_policy.h"
#include "transport/http_client.h"

namespace sb {

// The cache key's target: the tier when any of its targets may answer, else the target.
std::string cache_target(const RouteStart& route, const std::string& model);

struct RequestPathCounters {
    std::uint64_t submitted = 0;
    std::uint64_t retries = 0;
    std::uint64_t failovers = 0;
    std::uint64_t hedges = 0;      // copies sent
    std::uint64_t hedges_won = 0;  // of which answered first
};

class RequestPath {
public:
    struct Parts {
        const RetryConfig& retry_config;
        RetryPolicy& retry;
        HedgePolicy* hedge;  // null when retry.hedge is off
        Scheduler& scheduler;
        LiveProviders& providers;
        RouteSelection& routes;
        ResponseCache* cache;      // null when caching is off
        ResponseCache* coalescer;  // cache off, coalesce_in_flight on: keys and rules only
        BudgetTracker& budgets;
        const std::atomic<std::shared_ptr<const PriceTable>>& prices;
        const std::atomic<bool>& tokenizer_ready;  // calibration samples only once the rank files are in
        RequestRecorder& recorder;
        HttpClient* transport;  // usable from its own callbacks while it is torn down
    };

    explicit RequestPath(Parts parts) : m_parts(parts) {}

    // Returns the request id. `on_done` fires exactly once; `on_delta` for each streamed piece.
    std::string submit(ChatRequest request, Call::DoneCallback on_done, Call::DeltaCallback on_delta,
                       SubmitOptions options);
    // The first half of submit(): the request validated and routed (its pick taken), not yet
    // started. start() goes on from there; release() frees the pick of one never started.
    std::expected<CallPtr, Error> admit(ChatRequest request);
    std::string start(CallPtr call, Call::DoneCallback on_done, Call::DeltaCallback on_delta, SubmitOptions options);
    void release(const CallPtr& call);
    void cancel(const std::string& request_id);
    RequestPathCounters counters() const { return {m_submitted, m_retries, m_failovers, m_hedges, m_hedges_won}; }

    // Shutting down, in this order: cancel_all(), stop(), tear the transport down (which
    // finishes the transfers in flight), stop the scheduler, fail_remaining().
    void cancel_all();
    void stop() { m_stopping = true; }
    void fail_remaining();

private:
    // What a single-flight leader hands to the identical requests that waited for it.
    struct SharedAnswer {
        std::expected<ChatResponse, Error> outcome = std::unexpected(Error{ErrorClass::Internal, "not finished"});
        std::string provider;
        std::string model;
        std::optional<double> cost_usd;
    };

    CallPtr new_call(ChatRequest request) const;
    std::string enroll(const CallPtr& call, Call::DoneCallback on_done, Call::DeltaCallback on_delta, SubmitOptions options);
    std::expected<RouteStart, Error> validate_and_route(Call& call);
    std::expected<RouteStart, Error> route_first(Call& call);
    static void take_route(Call& call, RouteStart route);
    void go(const CallPtr& call);
    bool answered_by_cache(const CallPtr& call);
    void look_up_semantically(const CallPtr& call);
    void on_question_embedded(const CallPtr& call, RequestResult&& embedded);
    bool served_semantically(const CallPtr& call);
    void go_upstream(const CallPtr& call);
    void on_shared_answer(const CallPtr& call, const SharedAnswer& shared);
    bool within_budget(const CallPtr& call);
    void start_on(const CallPtr& call, const TargetKey& target);
    void start_attempt(const CallPtr& call);
    void pump(ProviderLoad& load);
    void send(const CallPtr& call);
    void on_stream_bytes(const CallPtr& call, std::string_view bytes);
    void on_transfer_done(const CallPtr& call, HttpResponse&& response);
    void handle_failure(const CallPtr& call, Error error);
    bool fail_over(const CallPtr& call, const Error& error);
    void cancel_call(const CallPtr& call);
    // Hedging (see HedgeRace): scheduled at the first send, sent when the delay passes.
    void schedule_hedge(const CallPtr& call);
    void send_hedge(const CallPtr& call);
    bool take_lead(const CallPtr& call);
    enum class StreamTurn { Deliver, Hold, Lost };
    StreamTurn stream_turn(const CallPtr& call, bool content);
    void on_hedge_finished(const CallPtr& hedge);
    void settle_race(const CallPtr& call);
    void stop_loser(HedgeRace& race, const CallPtr& loser);
    std::optional<double> bill_abandoned(const Call& attempt, const std::string& unbilled) const;
    void fail(const CallPtr& call, Error error) { finish(call, std::unexpected(std::move(error))); }
    void finish(const CallPtr& call, std::expected<ChatResponse, Error> outcome);
    void calibrate_tokens(const ChatRequest& request, const RequestResult& result);
    std::chrono::milliseconds elapsed(const Call& call) const;
    std::vector<CallPtr> active_calls() const;

    Parts m_parts;
    SingleFlight<SharedAnswer> m_flight;
    mutable std::mutex m_calls_mutex;
    std::unordered_map<std::string, CallPtr> m_calls;
    std::atomic<bool> m_stopping{false};
    std::atomic<std::uint64_t> m_submitted{0}, m_retries{0}, m_failovers{0}, m_hedges{0}, m_hedges_won{0};
};

}  // namespace sb
