// One request's way from submit to finish; see request_path.h for the stages.
#include "engine/request_path.h"

#include <algorithm>
#include <cstdio>
#include <shared_mutex>

#include "engine/request_validation.h"
#include "model/clock.h"
#include "model/request_id.h"
#include "engine/token_prediction.h"
#include "providers/embeddings_wire.h"
#include "providers/rate_limits.h"
#include "tokenize/token_counter.h"

namespace sb {

namespace {

bool is_congestion(ErrorClass cls) {
    return cls == ErrorClass::RateLimited || cls == ErrorClass::Overloaded || cls == ErrorClass::Timeout;
}

bool is_success_status(int status) { return status >= 200 && status < 300; }

// A streaming caller answered without a stream: each choice whole, as one piece with its tool
// calls, then its end; the usage last.
void deliver_whole(const Call& call, const ChatResponse& response) {
    if (!call.request.stream || !call.on_delta) return;
    auto deliver_choice = [&](int index, const std::string& content, const std::vector<ToolCall>& calls,
                              const std::string& finish_reason) {
        StreamDelta piece{.content = content, .finish_reason = {}, .usage = {}, .tool_calls = {}, .choice = index};
        for (std::size_t i = 0; i < calls.size(); ++i)
            piece.tool_calls.push_back({static_cast<int>(i), calls[i].id, calls[i].name, calls[i].arguments_json});
        call.on_delta(piece);
        call.on_delta(StreamDelta{.content = {}, .finish_reason = finish_reason, .usage = {}, .tool_calls = {},
                                  .choice = index});
    };
    deliver_choice(0, response.content, response.tool_calls, response.finish_reason);
    for (std::size_t i = 0; i < response.more_choices.size(); ++i) {
        const auto& choice = response.more_choices[i];
        deliver_choice(static_cast<int>(i) + 1, choice.content, choice.tool_calls, choice.finish_reason);
    }
    call.on_delta(StreamDelta{.content = {}, .finish_reason = {}, .usage = response.usage});
}

// Points the call at `target`; false when the call's provider set has no such provider
// (the router follows the live set, a call the one it started with). Under the race's lock
// when the call is hedged: the hedge timer reads where the call is.
bool move_to(Call& call, const TargetKey& target) {
    const auto it = call.providers->index.find(target.provider);
    if (it == call.providers->index.end()) return false;
    std::unique_lock<std::mutex> race_lock;
    if (call.race) race_lock = std::unique_lock(call.race->mutex);
    call.target = target;
    call.provider_index = it->second;
    if (call.target.model.empty()) call.target.model = call.provider().config.default_model;
    call.tried.push_back(call.target);
    call.attempts_on_target = 0;
    call.next_delay = std::chrono::milliseconds(0);
    return true;
}

}  // namespace

std::string cache_target(const RouteStart& route, const std::string& model) {
    if (route.cache_first && !route.tier.empty()) return "tier:" + route.tier;
    return route.target.provider + "/" + model;
}

CallPtr RequestPath::new_call(ChatRequest request) const {
    auto call = std::make_shared<Call>();
    if (request.id.empty()) request.id = new_request_id();
    call->request = std::move(request);
    call->started = m_parts.scheduler.now();
    call->deadline = call->request.deadline.count() > 0 ? call->request.deadline : m_parts.retry_config.deadline;
    call->result.request_id = call->request.id;
    call->result.started_unix_ms = unix_ms_now();
    if (m_parts.hedge) call->race = std::make_shared<HedgeRace>();
    return call;
}

std::string RequestPath::submit(ChatRequest request, Call::DoneCallback on_done, Call::DeltaCallback on_delta,
                                SubmitOptions options) {
    auto call = new_call(std::move(request));
    const std::string id = enroll(call, std::move(on_done), std::move(on_delta), options);
    auto route = validate_and_route(*call);
    if (!route) {
        fail(call, std::move(route.error()));
        return id;
    }
    take_route(*call, std::move(*route));
    go(call);
    return id;
}

std::expected<CallPtr, Error> RequestPath::admit(ChatRequest request) {
    if (auto invalid = validate_request(request)) return std::unexpected(std::move(*invalid));  // the caller's to answer
    auto call = new_call(std::move(request));
    auto route = route_first(*call);
    if (!route) {
        // Well formed but not routable: counted and recorded as submit() does.
        ++m_submitted;
        fail(call, route.error());
        return std::unexpected(std::move(route.error()));
    }
    take_route(*call, std::move(*route));
    return call;
}

std::string RequestPath::start(CallPtr call, Call::DoneCallback on_done, Call::DeltaCallback on_delta,
                               SubmitOptions options) {
    const std::string id = enroll(call, std::move(on_done), std::move(on_delta), options);
    if (m_stopping) fail(call, Error{ErrorClass::Cancelled, "the engine is shutting down"});
    else go(call);
    return id;
}

// Counted, and findable by cancel(), from here until it finishes.
std::string RequestPath::enroll(const CallPtr& call, Call::DoneCallback on_done, Call::DeltaCallback on_delta,
                                SubmitOptions options) {
    call->on_done = std::move(on_done);
    call->on_delta = std::move(on_delta);
    call->options = options;
    ++m_submitted;
    std::lock_guard lock(m_calls_mutex);
    m_calls.emplace(call->request.id, call);
    return call->request.id;
}

void RequestPath::release(const CallPtr& call) {
    if (call->route.picked) m_parts.routes.record(call->route.target, ErrorClass::Cancelled, std::chrono::microseconds(0));
}

void RequestPath::take_route(Call& call, RouteStart route) {
    call.pinned = route.pinned;
    call.request.tier = route.tier;
    call.result.tier = route.tier;
    call.result.route_reason = route.reason;
    call.route = std::move(route);
}

// Routed: the cache, then the budgets, then the provider.
void RequestPath::go(const CallPtr& call) {
    if (!answered_by_cache(call)) go_upstream(call);
}

void RequestPath::go_upstream(const CallPtr& call) {
    if (within_budget(call)) start_on(call, call->route.target);
}

std::expected<RouteStart, Error> RequestPath::validate_and_route(Call& call) {
    if (auto invalid = validate_request(call.request)) return std::unexpected(std::move(*invalid));
    return route_first(call);
}

// Routes the request once, taking the provider set and the first route from one side of a
// providers or routing change.
std::expected<RouteStart, Error> RequestPath::route_first(Call& call) {
    if (m_stopping) return std::unexpected(Error{ErrorClass::Cancelled, "the engine is shutting down"});
    std::shared_lock lock(m_parts.providers.swap_lock());
    call.providers = m_parts.providers.current();
    return m_parts.routes.first(call.request);
}

void RequestPath::cancel(const std::string& request_id) {
    CallPtr call;
    {
        std::lock_guard lock(m_calls_mutex);
        const auto it = m_calls.find(request_id);
        if (it == m_calls.end()) return;
        call = it->second;
    }
    cancel_call(call);
}

std::vector<CallPtr> RequestPath::active_calls() const {
    std::lock_guard lock(m_calls_mutex);
    std::vector<CallPtr> active;
    active.reserve(m_calls.size());
    for (const auto& [id, call] : m_calls) active.push_back(call);
    return active;
}

void RequestPath::cancel_all() {
    for (const auto& call : active_calls()) cancel_call(call);
}

void RequestPath::fail_remaining() {
    for (const auto& call : active_calls()) fail(call, Error{ErrorClass::Cancelled, "the engine shut down"});
}

// Looks the request up; true when it is answered (a hit), waits behind an identical request
// already on its way (single flight) or waits for its question's embedding (the semantic
// cache, which then answers it or sends it upstream). False: send it upstream.
bool RequestPath::answered_by_cache(const CallPtr& call) {
    ResponseCache* keys = m_parts.cache ? m_parts.cache : m_parts.coalescer;
    if (!keys || !call->options.cached) return false;
    call->cache = keys->lookup(call->request, cache_target(call->route, call->providers->model_of(call->route.target)),
                               call->route.tier);
    // With only the coalescer, nothing is cached: "coalesced" is the one status worth reporting.
    call->result.cache = m_parts.cache ? call->cache.status : CacheStatus::Off;
    call->result.cache_rule = call->cache.decision.rule;
    if (call->cache.status == CacheStatus::Hit) {
        const CachedAnswer& answer = *call->cache.answer;
        call->result.provider = answer.provider;
        call->result.model = answer.response.model;
        call->result.saved_usd = answer.cost_usd;
        call->result.cost_usd = 0.0;
        deliver_whole(*call, answer.response);
        finish(call, answer.response);
        return true;
    }
    if (!call->cache.may_store) return false;
    const bool leads = m_flight.join(call->cache.key, [this, weak = std::weak_ptr<Call>(call)](const SharedAnswer& shared) {
        if (auto waiting = weak.lock()) on_shared_answer(waiting, shared);
    });
    call->flight_leader = leads;
    if (!leads) {
        call->result.cache = CacheStatus::Coalesced;
        return true;
    }
    if (m_parts.cache && call->cache.semantic) {
        look_up_semantically(call);
        return true;
    }
    return false;
}

// The question's embedding, through this same path (routing, limits, budgets, metrics), without
// a history row of its own (its cost goes on this request's) and outside the cache.
void RequestPath::look_up_semantically(const CallPtr& call) {
    const SemanticCache& semantic = *m_parts.cache->semantic();
    auto request = embedding_request_for(semantic.config().model, call->cache.semantic->text);
    if (!request) {
        m_parts.cache->semantic()->count_error("the embedding request: " + request.error().message);
        return go_upstream(call);
    }
    request->source = call->request.source;
    submit(std::move(*request), [this, call](RequestResult&& embedded) { on_question_embedded(call, std::move(embedded)); },
           {}, SubmitOptions{.record_history = false, .cached = false, .hedged = false});
}

void RequestPath::on_question_embedded(const CallPtr& call, RequestResult&& embedded) {
    if (call->finished) return;
    if (call->cancelled || m_stopping) return fail(call, Error{ErrorClass::Cancelled, "cancelled"});
    call->embedding_cost_usd = embedded.cost_usd;
    SemanticCache& semantic = *m_parts.cache->semantic();
    if (!embedded.ok()) {
        semantic.count_error("embedding the question with " + semantic.config().model + ": " +
                             embedded.outcome.error().message);
        return go_upstream(call);
    }
    auto vector = first_embedding(*embedded.outcome);
    if (!vector) {
        semantic.count_error("embedding the question with " + semantic.config().model + ": " + vector.error());
        return go_upstream(call);
    }
    call->question_vector = std::move(*vector);
    if (!served_semantically(call)) go_upstream(call);
}

// Serves the stored answer of the closest question of the scope when it is similar enough.
bool RequestPath::served_semantically(const CallPtr& call) {
    SemanticCache& semantic = *m_parts.cache->semantic();
    const auto nearest = semantic.nearest(*call->cache.semantic, call->question_vector);
    if (!nearest || !*nearest || !semantic.serves((*nearest)->similarity)) return false;
    auto answer = m_parts.cache->semantic_answer(**nearest);
    if (!answer) return false;
    call->result.cache = CacheStatus::SemanticHit;
    call->result.provider = answer->provider;
    call->result.model = answer->response.model;
    call->result.saved_usd = answer->cost_usd;
    call->result.cost_usd = call->embedding_cost_usd.value_or(0.0);
    char similarity[16];
    std::snprintf(similarity, sizeof similarity, "%.3f", (*nearest)->similarity);
    call->result.route_reason += "; semantic cache: " + std::string(similarity) + " similar to a stored question";
    deliver_whole(*call, answer->response);
    finish(call, answer->response);
    return true;
}

// A follower gets the leader's outcome. A cancelled leader says nothing about the
// question, so then the follower goes upstream itself.
void RequestPath::on_shared_answer(const CallPtr& call, const SharedAnswer& shared) {
    if (call->finished) return;
    if (!shared.outcome && shared.outcome.error().cls == ErrorClass::Cancelled) {
        call->result.cache = CacheStatus::Miss;
        return start_on(call, call->route.target);
    }
    call->result.provider = shared.provider;
    call->result.model = shared.model;
    if (shared.outcome) {
        call->result.saved_usd = shared.cost_usd;
        call->result.cost_usd = 0.0;
        (m_parts.cache ? m_parts.cache : m_parts.coalescer)->count_coalesced(shared.cost_usd);
        deliver_whole(*call, *shared.outcome);
    }
    finish(call, shared.outcome);
}

// False when a budget refused the request (it is finished); may move it to a cheaper tier.
bool RequestPath::within_budget(const CallPtr& call) {
    const auto verdict = m_parts.budgets.check(call->route.target.provider);
    for (const auto& warning : verdict.warnings)
        call->result.budget_note += (call->result.budget_note.empty() ? "" : "; ") + warning;
    if (verdict.refusal) {
        fail(call, *verdict.refusal);
        return false;
    }
    // Embeddings stay on their model: a tier's chat models cannot answer them.
    if (!verdict.downgrade_tier.empty() && !call->pinned && call->route.tier != verdict.downgrade_tier &&
        call->request.wire != WireApi::OpenAIEmbeddings) {
        ChatRequest moved = call->request;
        moved.model = verdict.downgrade_tier;
        moved.tier.clear();
        if (auto route = m_parts.routes.first(moved)) {
            call->request.tier = route->tier;
            call->result.tier = route->tier;
            call->result.route_reason += "; budget \"" + verdict.downgrade_budget + "\" → tier " + route->tier + " (" +
                                         route->reason + ")";
            call->route = std::move(*route);
        }
    }
    return true;
}

void RequestPath::start_on(const CallPtr& call, const TargetKey& target) {
    if (!move_to(*call, target))
        return fail(call, Error{ErrorClass::BadRequest,
                                "provider " + target.provider + " was not configured when the request started"});
    start_attempt(call);
}

std::chrono::milliseconds RequestPath::elapsed(const Call& call) const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(m_parts.scheduler.now() - call.started);
}

// Waits for a slot under the provider's concurrency limit, or sends at once.
void RequestPath::start_attempt(const CallPtr& call) {
    if (call->finished) return;
    if (call->cancelled || m_stopping) return fail(call, Error{ErrorClass::Cancelled, "cancelled"});
    if (elapsed(*call) >= call->deadline)
        return fail(call, Error{ErrorClass::Timeout,
                                "the request deadline of " + std::to_string(call->deadline.count()) + " ms passed"});
    ProviderLoad& load = *call->provider().load;
    {
        std::lock_guard lock(load.mutex);
        if (!load.limiter.try_acquire()) {
            load.waiting.push_back(call);
            return;
        }
    }
    send(call);
}

// Starts waiting calls while the provider has free slots.
void RequestPath::pump(ProviderLoad& load) {
    while (true) {
        CallPtr next;
        {
            std::lock_guard lock(load.mutex);
            while (!load.waiting.empty() && load.waiting.front()->finished) load.waiting.pop_front();
            if (load.waiting.empty() || !load.limiter.try_acquire()) return;
            next = std::move(load.waiting.front());
            load.waiting.pop_front();
        }
        send(next);
    }
}

void RequestPath::send(const CallPtr& call) {
    const ProviderState& provider = call->provider();
    const auto remaining = call->deadline - elapsed(*call);
    HttpRequest http = provider.adapter->build_request(call->request, provider.config, call->target.model);
    http.total_timeout = std::max(std::chrono::milliseconds(1), std::min(http.total_timeout, remaining));
    ++call->attempts_on_target;

    HttpClient::DataCallback on_data;
    if (call->request.stream) {
        call->sse = SseParser();
        call->decoder = provider.adapter->make_stream_decoder_for(call->request);
        call->stream_error = Error{};
        on_data = [this, call](std::string_view bytes) { on_stream_bytes(call, bytes); };
    }
    if (call->race && !call->is_hedge && call->options.hedged && !call->hedge_scheduled) {
        call->hedge_scheduled = true;
        schedule_hedge(call);
    }
    {
        // Held across send() so cancel() sees either no transfer or the one just started.
        std::lock_guard lock(call->transfer_mutex);
        if (!call->cancelled && !call->finished && !m_stopping) {
            call->transfer_active = true;
            call->transfer_id = m_parts.transport->send(
                std::move(http), [this, call](HttpResponse&& response) { on_transfer_done(call, std::move(response)); },
                std::move(on_data));
            return;
        }
    }
    provider.load->limiter.release_neutral();
    fail(call, Error{ErrorClass::Cancelled, "cancelled"});
}

void RequestPath::on_stream_bytes(const CallPtr& call, std::string_view bytes) {
    if (call->stream_error) return;
    std::vector<StreamDelta> deltas;
    call->sse.feed(bytes, [&](SseEvent&& event) {
        if (call->stream_error) return;
        if (Error error = call->decoder->on_event(event.event, event.data, deltas)) call->stream_error = std::move(error);
    });
    if (!call->stream_error && call->sse.failed())
        call->stream_error = Error{ErrorClass::MalformedResponse, "bad event stream: " + call->sse.error()};
    bool lost = false;
    for (const auto& delta : deltas) {
        const bool content = !delta.content.empty() || !delta.tool_calls.empty() || !delta.responses_event.empty();
        const StreamTurn turn = stream_turn(call, content);
        if (turn == StreamTurn::Hold) continue;
        if (turn == StreamTurn::Lost) {
            lost = true;
            std::lock_guard lock(call->race->mutex);
            call->unbilled_text += delta.content;
            continue;
        }
        if (content) call->delivered_content = true;
        if (!call->is_hedge) {
            if (call->on_delta) call->on_delta(delta);
        } else if (const auto primary = call->primary.lock(); primary && primary->on_delta) {
            primary->on_delta(delta);
        }
    }
    if ((call->stream_error || lost) && !m_stopping) m_parts.transport->cancel(call->transfer_id);
}

// A hedged stream goes to the caller from one attempt only: the first with content leads, and
// until then only the primary's preamble (a role: the hedge's would repeat it) is passed on.
RequestPath::StreamTurn RequestPath::stream_turn(const CallPtr& call, bool content) {
    if (!call->race) return StreamTurn::Deliver;
    using Leader = HedgeRace::Leader;
    const Leader mine = call->is_hedge ? Leader::Hedge : Leader::Primary;
    Leader leader;
    {
        std::lock_guard lock(call->race->mutex);
        leader = call->race->leader;
    }
    if (leader == mine) return StreamTurn::Deliver;
    if (leader != Leader::None) return StreamTurn::Lost;
    if (content) return take_lead(call) ? StreamTurn::Deliver : StreamTurn::Lost;
    return call->is_hedge ? StreamTurn::Hold : StreamTurn::Deliver;
}

// Classifies the attempt, frees its slot, teaches the router, then finishes or tries again.
void RequestPath::on_transfer_done(const CallPtr& call, HttpResponse&& response) {
    {
        std::lock_guard lock(call->transfer_mutex);
        call->transfer_active = false;
    }
    const ProviderState& provider = call->provider();
    Error error;
    std::optional<ChatResponse> answer;
    if (call->stream_error) {
        error = call->stream_error;
    } else if (response.cancelled) {
        error = Error{ErrorClass::Cancelled, "cancelled"};
    } else if (response.curl_code != 0) {
        error = classify_transport_error(response.curl_code, response.curl_error);
    } else if (call->request.stream && is_success_status(response.status)) {
        if (call->decoder->finished()) answer = call->decoder->response();
        else error = Error{ErrorClass::Network, "the event stream ended before its end marker"};
    } else if (auto parsed = provider.adapter->parse_response_for(call->request, response)) {
        answer = std::move(*parsed);
    } else {
        error = std::move(parsed.error());
    }

    const auto latency = std::chrono::microseconds(static_cast<long long>(response.timings.total_ms * 1000.0));
    if (error.cls == ErrorClass::Cancelled) provider.load->limiter.release_neutral();
    else provider.load->limiter.release(latency, is_congestion(error.cls));
    m_parts.routes.record(call->target, error.cls, latency);
    if (answer && provider.load->limiter.learns_rate_limit()) {
        // Until the first congestion, the provider's own word on its rate limit sets the start.
        const RateLimitInfo limits = parse_rate_limits(response.headers);
        if (limits.requests.limit && (!limits.requests.remaining || *limits.requests.remaining > 0))
            provider.load->limiter.learn_rate_limit(static_cast<double>(*limits.requests.limit));
    }
    if (answer && m_parts.hedge) m_parts.hedge->observe(call->target.provider + "/" + call->target.model, latency);
    pump(*provider.load);

    AttemptInfo attempt{provider.config.name, call->target.model, error.cls,     response.status,
                        call->next_delay,     response.timings,   call->is_hedge};
    if (call->race && !call->is_hedge) {
        // Racing a hedge: once the hedge leads, it finishes the call; an answer here leads; while
        // the hedge runs, a failure here leaves the call to it (retrying as well would race it
        // with a third copy).
        std::lock_guard lock(call->race->mutex);
        if (call->race->leader == HedgeRace::Leader::Hedge) return;
        call->result.attempts.push_back(std::move(attempt));
        call->result.timings = response.timings;
        if (answer) {
            call->race->leader = HedgeRace::Leader::Primary;
        } else if (call->race->hedge_running) {
            call->race->primary_gave_up = std::move(error);
            return;
        }
    } else {
        call->result.attempts.push_back(std::move(attempt));
        call->result.timings = response.timings;
    }
    if (answer && call->is_hedge && !take_lead(call)) {
        answer.reset();
        error = Error{ErrorClass::Cancelled, "the primary answered first"};
    }
    if (answer) return finish(call, std::move(*answer));
    handle_failure(call, std::move(error));
}

void RequestPath::handle_failure(const CallPtr& call, Error error) {
    if (call->cancelled || m_stopping || error.cls == ErrorClass::Cancelled)
        return fail(call, Error{ErrorClass::Cancelled, "cancelled"});
    if (call->is_hedge) return fail(call, std::move(error));  // one attempt: the primary goes on retrying
    if (call->request.stream && call->delivered_content)
        return fail(call, std::move(error));  // part of the answer is out; a retry would repeat it

    auto decision = m_parts.retry.decide(error, call->attempts_on_target, elapsed(*call), call->deadline);
    if (decision.retry && !call->pinned && m_parts.routes.circuit_open(call->target)) {
        decision.retry = false;  // the target is shedding traffic: waiting for it helps no one
        decision.reason = "the circuit of " + call->target.provider + "/" + call->target.model + " is open";
    }
    // A 429 or 5xx from one target says nothing of the next: rather than wait out its backoff,
    // ask the next while one is left (failover_first), and back off once all were tried.
    if (decision.retry && m_parts.retry_config.failover_first && fail_over(call, error)) return;
    if (decision.retry) {
        ++m_retries;
        call->next_delay = decision.delay;
        m_parts.scheduler.schedule(decision.delay, [this, call] { start_attempt(call); });
        return;
    }
    if (fail_over(call, error)) return;
    error.message += " (not retried: " + decision.reason + ")";
    fail(call, std::move(error));
}

// Moves the call to the next untried target of its tier and starts it; false when failover
// is off, the caller pinned the target, the error rules it out or no target is left.
bool RequestPath::fail_over(const CallPtr& call, const Error& error) {
    if (!m_parts.retry_config.failover || call->pinned || !may_fail_over(error)) return false;
    // The whole conversation moves: the next adapter translates it to its own format.
    std::vector<TargetKey> skip = call->tried;
    while (const auto next = m_parts.routes.next(call->request.tier, call->request, skip)) {
        if (!move_to(*call, next->target)) {
            // Added since the call started: not for it. The pick freed, as a cancel does.
            m_parts.routes.record(next->target, ErrorClass::Cancelled, std::chrono::microseconds(0));
            skip.push_back(next->target);
            continue;
        }
        ++m_failovers;
        call->result.route_reason += "; failed over to " + next->target.provider + " (" + next->reason + ")";
        start_attempt(call);
        return true;
    }
    return false;
}

void RequestPath::cancel_call(const CallPtr& call) {
    call->cancelled = true;
    bool in_flight = false;
    std::uint64_t transfer = 0;
    {
        std::lock_guard lock(call->transfer_mutex);
        in_flight = call->transfer_active;
        transfer = call->transfer_id;
    }
    if (in_flight && !m_stopping) m_parts.transport->cancel(transfer);  // the done callback finishes it
    else fail(call, Error{ErrorClass::Cancelled, "cancelled"});
    if (call->race && !call->is_hedge) {
        CallPtr hedge;
        {
            std::lock_guard lock(call->race->mutex);
            if (call->race->hedge_running) hedge = call->race->hedge;
        }
        if (hedge) cancel_call(hedge);
    }
}

void RequestPath::finish(const CallPtr& call, std::expected<ChatResponse, Error> outcome) {
    if (call->finished.exchange(true)) return;
    {
        std::lock_guard lock(m_calls_mutex);
        m_calls.erase(call->request.id);
    }
    auto& result = call->result;
    if (call->is_hedge) {
        result.provider = call->target.provider;
        result.model = call->target.model;
        result.outcome = std::move(outcome);
        return on_hedge_finished(call);
    }
    if (call->race) settle_race(call);
    const bool from_cache = call->from_cache();
    if (!call->tried.empty() && !from_cache) {
        const TargetKey& answered = call->answered_by ? *call->answered_by : call->target;
        result.provider = answered.provider;
        result.model = answered.model;
    }
    result.total_ms = std::chrono::duration<double, std::milli>(m_parts.scheduler.now() - call->started).count();
    result.outcome = std::move(outcome);
    if (result.ok() && !from_cache) {  // an answer bought just now: price it, keep it, count it
        result.cost_usd = m_parts.prices.load()->cost_usd(result.model, result.outcome->usage);
        if (m_parts.cache && m_parts.cache->store(call->cache, *result.outcome, result.provider, result.cost_usd) &&
            !call->question_vector.empty())
            m_parts.cache->semantic()->remember(*call->cache.semantic, call->cache.key, std::move(call->question_vector));
        if (result.cost_usd) m_parts.budgets.record(result.provider, *result.cost_usd);
        if (call->embedding_cost_usd && result.cost_usd) *result.cost_usd += *call->embedding_cost_usd;
        calibrate_tokens(call->request, result);
    }
    if (result.hedge && result.hedge->loser_cost_usd) {
        // The losing attempt is billed too: to the request, and to its provider's budgets.
        const std::string& loser = result.hedge->won ? call->target.provider : result.hedge->provider;
        m_parts.budgets.record(loser, *result.hedge->loser_cost_usd);
        result.cost_usd = result.cost_usd.value_or(0.0) + *result.hedge->loser_cost_usd;
    }
    if (call->flight_leader) {
        call->flight_leader = false;
        m_flight.complete(call->cache.key, SharedAnswer{result.outcome, result.provider, result.model, result.cost_usd});
    }
    m_parts.recorder.record(call->request, result, call->options.record_history);
    if (call->on_done) call->on_done(std::move(result));
}

// At the first send: the hedge goes out after the target's delay unless an answer came first.
void RequestPath::schedule_hedge(const CallPtr& call) {
    const auto delay = m_parts.hedge->delay_for(call->target.provider + "/" + call->target.model);
    if (!delay || elapsed(*call) + *delay >= call->deadline) return;
    m_parts.scheduler.schedule(*delay, [this, weak = std::weak_ptr<Call>(call)] {
        if (const auto call = weak.lock()) send_hedge(call);
    });
}

// Sends one copy of the request, to another target of its tier when there is one, else to the
// same target; it makes a single attempt (retries stay the primary's).
void RequestPath::send_hedge(const CallPtr& call) {
    if (call->finished || call->cancelled || m_stopping || call->delivered_content) return;
    HedgeRace& race = *call->race;
    TargetKey target;
    std::vector<TargetKey> tried;
    {
        std::lock_guard lock(race.mutex);
        if (race.leader != HedgeRace::Leader::None || race.hedge) return;
        target = call->target;
        tried = call->tried;
    }
    if (!m_parts.hedge->take()) return;
    if (!call->pinned && !call->request.tier.empty()) {
        if (const auto next = m_parts.routes.next(call->request.tier, call->request, tried)) {
            if (call->providers->index.contains(next->target.provider)) target = next->target;
            else m_parts.routes.record(next->target, ErrorClass::Cancelled, std::chrono::microseconds(0));
        }
    }
    auto hedge = std::make_shared<Call>();
    hedge->request = call->request;
    hedge->request.id = call->request.id + ".hedge";
    hedge->options = SubmitOptions{.record_history = false, .cached = false, .hedged = false};
    hedge->started = call->started;
    hedge->deadline = call->deadline;
    hedge->providers = call->providers;
    hedge->pinned = true;
    hedge->is_hedge = true;
    hedge->primary = call;
    hedge->race = call->race;
    hedge->result.request_id = hedge->request.id;
    hedge->result.started_unix_ms = unix_ms_now();
    {
        std::lock_guard lock(race.mutex);
        if (race.leader != HedgeRace::Leader::None) return;
        race.hedge = hedge;
        race.hedge_running = true;
        race.sent_after_ms = std::chrono::duration<double, std::milli>(m_parts.scheduler.now() - call->started).count();
    }
    ++m_hedges;
    {
        std::lock_guard lock(m_calls_mutex);
        m_calls.emplace(hedge->request.id, hedge);  // cancelled and failed with the rest at shutdown
    }
    start_on(hedge, target);
}

// This attempt answered first (a stream: its first content): it leads and the other is stopped.
// False when the other already leads.
bool RequestPath::take_lead(const CallPtr& call) {
    using Leader = HedgeRace::Leader;
    HedgeRace& race = *call->race;
    const Leader mine = call->is_hedge ? Leader::Hedge : Leader::Primary;
    CallPtr other;
    {
        std::lock_guard lock(race.mutex);
        if (race.leader != Leader::None) return race.leader == mine;
        race.leader = mine;
        if (call->is_hedge) other = call->primary.lock();
        else if (race.hedge_running) other = race.hedge;
    }
    if (other) stop_loser(race, other);
    return true;
}

// Cancels the attempt that lost, noting whether it was on the wire (then the provider bills it).
void RequestPath::stop_loser(HedgeRace& race, const CallPtr& loser) {
    bool on_wire = false;
    std::uint64_t transfer = 0;
    {
        std::lock_guard lock(loser->transfer_mutex);
        on_wire = loser->transfer_active;
        transfer = loser->transfer_id;
    }
    {
        std::lock_guard lock(race.mutex);
        if (race.loser_stopped) return;
        race.loser_stopped = true;
        race.loser_on_wire = on_wire;
    }
    if (loser->is_hedge) cancel_call(loser);
    else if (on_wire && !m_stopping) m_parts.transport->cancel(transfer);  // its done callback sees it lost
}

// The hedge is done: when it led, its outcome is the request's; when the primary had failed
// and left the call to it, the primary's failure is handled now (retry, failover or fail).
void RequestPath::on_hedge_finished(const CallPtr& hedge) {
    const auto primary = hedge->primary.lock();
    HedgeRace& race = *hedge->race;
    HedgeRace::Leader leader;
    std::optional<Error> gave_up;
    {
        std::lock_guard lock(race.mutex);
        race.hedge_running = false;
        race.hedge_attempts = hedge->result.attempts;
        leader = race.leader;
        gave_up = std::exchange(race.primary_gave_up, std::nullopt);
    }
    if (!primary || primary->finished) return;
    if (leader == HedgeRace::Leader::Hedge) {
        primary->answered_by = hedge->target;
        primary->result.timings = hedge->result.timings;
        return finish(primary, hedge->result.outcome);
    }
    if (gave_up) handle_failure(primary, std::move(*gave_up));
}

// The primary finishes: the race is decided (an undecided one goes to the primary, whose
// outcome this is), a hedge still running is stopped, and the result says what the hedge did
// and what the losing attempt is billed.
void RequestPath::settle_race(const CallPtr& call) {
    using Leader = HedgeRace::Leader;
    HedgeRace& race = *call->race;
    CallPtr hedge;
    bool stop = false;
    {
        std::lock_guard lock(race.mutex);
        if (race.leader == Leader::None) race.leader = Leader::Primary;
        hedge = std::move(race.hedge);  // breaks the race ↔ hedge cycle
        stop = hedge && race.leader == Leader::Primary && race.hedge_running && !race.loser_stopped;
    }
    if (!hedge) return;
    if (stop) stop_loser(race, hedge);
    const Call& loser_call = race.leader == Leader::Hedge ? *call : *hedge;
    HedgeInfo info{hedge->target.provider, hedge->target.model, 0, false, 0.0};
    bool loser_on_wire = false;
    std::string unbilled;
    std::vector<AttemptInfo> hedge_attempts;
    bool hedge_finished = false;
    {
        std::lock_guard lock(race.mutex);
        info.sent_after_ms = race.sent_after_ms;
        info.won = race.leader == Leader::Hedge;
        loser_on_wire = race.loser_on_wire;
        unbilled = loser_call.unbilled_text;
        hedge_attempts = race.hedge_attempts;
        hedge_finished = !race.hedge_running;
    }
    if (loser_on_wire) info.loser_cost_usd = bill_abandoned(loser_call, unbilled);
    if (info.won) ++m_hedges_won;
    if (info.won && loser_on_wire)  // the primary's attempt, cancelled on the wire (its done callback records nothing)
        call->result.attempts.push_back(
            AttemptInfo{call->target.provider, call->target.model, ErrorClass::Cancelled, 0, call->next_delay, {}, false});
    if (hedge_finished) call->result.attempts.insert(call->result.attempts.end(), hedge_attempts.begin(), hedge_attempts.end());
    else call->result.attempts.push_back(AttemptInfo{info.provider, info.model, ErrorClass::Cancelled, 0, {}, {}, true});
    char after[32];
    std::snprintf(after, sizeof after, "%.0f", info.sent_after_ms);
    call->result.route_reason += "; hedged after " + std::string(after) + " ms to " + info.provider + "/" + info.model +
                                 (info.won ? ", which answered first" : ", which lost");
    call->result.hedge = std::move(info);
}

// What a provider bills for an attempt cancelled on the wire: its prompt, and what it had
// streamed before the cancel took effect.
std::optional<double> RequestPath::bill_abandoned(const Call& attempt, const std::string& unbilled) const {
    Usage usage;
    if (m_parts.tokenizer_ready) {
        const TokenCounter& counter = shared_token_counter();
        usage.input_tokens = counter.count_request(attempt.target.model, attempt.request).tokens;
        if (!unbilled.empty()) usage.output_tokens = counter.count_text(attempt.target.model, unbilled).tokens;
    } else {  // the rank files are still loading: a few characters a token, rather than wait
        for (const auto& message : attempt.request.messages) usage.input_tokens += std::ssize(message.content) / 4 + 4;
        usage.output_tokens = std::ssize(unbilled) / 4;
    }
    return m_parts.prices.load()->cost_usd(attempt.target.model, usage);
}

// Teaches the estimate of models without a public tokenizer how their provider counts.
void RequestPath::calibrate_tokens(const ChatRequest& request, const RequestResult& result) {
    if (!m_parts.tokenizer_ready || TokenCounter::encoding_for_model(result.model)) return;
    auto& counter = shared_token_counter();
    const auto count = counter.count_request(result.model, request);
    counter.observe(result.model, count.heuristic, result.outcome->usage.input_tokens);
}

}  // namespace sb
