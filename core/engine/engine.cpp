#include "engine/engine.h"

#include <algorithm>
#include <deque>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <unordered_map>

#include "alerts/alert_monitor.h"
#include "engine/alert_persistence.h"
#include "cache/single_flight.h"
#include "config/paths.h"
#include "cost/price_table.h"
#include "engine/config_version_log.h"
#include "engine/demo_upstream.h"
#include "engine/metric_labels.h"
#include "engine/route_selection.h"
#include "engine/request_validation.h"
#include "metrics/metrics_registry.h"
#include "metrics/prometheus_metrics.h"
#include "model/request_id.h"
#include "providers/provider_adapter.h"
#include "resilience/concurrency_limiter.h"
#include "resilience/retry_policy.h"
#include "routing/routing_diff.h"
#include "security/field_cipher.h"
#include "store/history_query.h"
#include "store/history_writer.h"
#include "transport/http_client.h"
#include "transport/sse_parser.h"
#include "model/clock.h"

namespace sb {

namespace {

using Clock = Scheduler::Clock;

bool is_congestion(ErrorClass cls) {
    return cls == ErrorClass::RateLimited || cls == ErrorClass::Overloaded || cls == ErrorClass::Timeout;
}

bool is_success_status(int status) { return status >= 200 && status < 300; }

// What a single-flight leader hands to the identical requests that waited for it.
struct SharedAnswer {
    std::expected<ChatResponse, Error> outcome = std::unexpected(Error{ErrorClass::Internal, "not finished"});
    std::string provider;
    std::string model;
    std::optional<double> cost_usd;
};

// The cache key's target: the tier when any of its targets may answer, else the target.
std::string cache_target(const RouteStart& route, const std::string& model) {
    if (route.cache_first && !route.tier.empty()) return "tier:" + route.tier;
    return route.target.provider + "/" + model;
}

struct ProviderSet;

// One request on its way through the pipeline. Shared by the transport callbacks, the retry
// timer and cancel(); `finished` makes sure it completes exactly once.
struct Call {
    ChatRequest request;
    Engine::DoneCallback on_done;
    Engine::DeltaCallback on_delta;
    SubmitOptions options;
    Clock::time_point started;
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
};
using CallPtr = std::shared_ptr<Call>;

// A provider's adaptive limit and queue; kept across a providers change that leaves its
// connection and concurrency settings alone.
struct ProviderLoad {
    ConcurrencyLimiter limiter;
    std::mutex mutex;  // guards `waiting` together with the limiter's acquire
    std::deque<CallPtr> waiting;

    explicit ProviderLoad(const ConcurrencyConfig& concurrency) : limiter(concurrency) {}
};

struct ProviderState {
    ProviderConfig config;
    std::unique_ptr<ProviderAdapter> adapter;
    std::shared_ptr<ProviderLoad> load;
};

// Everything but the name that decides how a provider is reached.
bool same_connection(const ProviderConfig& a, const ProviderConfig& b) {
    return a.kind == b.kind && a.base_url == b.base_url && a.api_key == b.api_key && a.openai_version == b.openai_version &&
           a.organization == b.organization && a.project == b.project && a.anthropic_version == b.anthropic_version &&
           a.headers == b.headers && a.simulated == b.simulated && a.timeouts == b.timeouts;
}

// The providers requests start with; swapped whole, never changed in place.
struct ProviderSet {
    std::vector<ProviderState> states;
    std::unordered_map<std::string, std::size_t> index;
    std::shared_ptr<const std::vector<ProviderConfig>> configs;

    // `before` (may be null) lends its load to providers whose settings did not change.
    ProviderSet(const std::vector<ProviderConfig>& providers, const ProviderSet* before)
        : configs(std::make_shared<const std::vector<ProviderConfig>>(providers)) {
        for (const auto& provider : providers) {
            const ProviderState* old = before ? before->find(provider.name) : nullptr;
            auto load = old && same_connection(old->config, provider) && old->config.concurrency == provider.concurrency
                            ? old->load
                            : std::make_shared<ProviderLoad>(provider.concurrency);
            index.emplace(provider.name, states.size());
            states.push_back(ProviderState{provider, make_provider_adapter(provider.kind), std::move(load)});
        }
    }

    const ProviderState* find(const std::string& name) const {
        const auto it = index.find(name);
        return it == index.end() ? nullptr : &states[it->second];
    }
};

}  // namespace

class Engine::Impl {
public:
    explicit Impl(EngineOptions options)
        : m_config(std::move(options.config)),
          m_retry(m_config.retry, std::move(options.retry_uniform)),
          m_demo_profile_json(std::move(options.demo_profile_json)) {
        m_scheduler = options.scheduler ? options.scheduler : std::make_shared<TimerThread>();
    }

    ~Impl() { shutdown(); }

    std::expected<void, std::string> start(const EngineOptions& options) {
        if (auto demo = start_demo_upstream(m_config, m_demo_profile_json); !demo) return std::unexpected(demo.error());
        else m_simulator = std::move(*demo);

        m_provider_set = std::make_shared<const ProviderSet>(m_config.providers, nullptr);
        RouterOptions router_options;
        router_options.now = [scheduler = m_scheduler] { return scheduler->now(); };
        if (m_config.routing.tiers.empty())  // a config built in code, without a routing section
            m_config.routing = fallback_routing(m_config.providers, m_config.default_provider);
        m_routes = std::make_unique<RouteSelection>(m_config.providers, m_config.default_provider,
                                                    m_config.routing, std::move(router_options));
        m_prometheus.declare(known_metric_labels(m_config, m_config.routing));

        if (options.history) {
            std::filesystem::path path = options.database;
            if (path.empty()) path = m_config.store.path.empty() ? default_database_file() : std::filesystem::path(m_config.store.path);
            HistoryWriterOptions writer_options;
            writer_options.queue_capacity = m_config.store.queue_capacity;
            writer_options.batch_rows = m_config.store.batch_rows;
            auto writer = HistoryWriter::open(path, writer_options);
            if (!writer) return std::unexpected("history database " + path.string() + ": " + writer.error().message);
            m_history = std::move(*writer);
            m_database_path = path;
        }
        if (m_config.privacy.encrypt_history) {
            const std::filesystem::path key_file = m_config.privacy.history_key_file.empty()
                                                       ? default_history_key_file()
                                                       : std::filesystem::path(m_config.privacy.history_key_file);
            auto cipher = FieldCipher::from_key_file(key_file);
            if (!cipher) return std::unexpected("privacy.encrypt_history: " + cipher.error());
            m_history_cipher.emplace(std::move(*cipher));
        }
        if (!m_config.cost.pricing.empty()) {
            auto prices = PriceTable::load(m_config.cost.pricing);
            if (!prices) return std::unexpected("cost.pricing: " + prices.error());
            m_prices = std::make_shared<const PriceTable>(std::move(*prices));
        }
        m_versions = std::make_unique<ConfigVersionLog>(m_database_path);
        m_budgets = std::make_unique<BudgetTracker>(m_config.budgets);
        if (m_history) seed_budgets();
        if (m_config.cache.enabled) {
            auto cache = ResponseCache::create(m_config.cache);
            if (!cache) return std::unexpected(cache.error());
            m_cache = std::move(*cache);
        } else if (m_config.cache.coalesce_in_flight) {
            // Keys and "never" rules only: nothing is stored, so the whole conversation is the
            // key and the smallest in-process store will do (never Redis).
            CacheConfig keys = m_config.cache;
            keys.backend = CacheBackendKind::Memory;
            keys.max_bytes = std::size_t{1} << 20;
            keys.turns = 100;
            auto coalescer = ResponseCache::create(keys);
            if (!coalescer) return std::unexpected(coalescer.error());
            m_coalescer = std::move(*coalescer);
        }
        m_http = std::make_unique<HttpClient>();
        m_transport = m_http.get();
        // The rank files load off the request path; until then no calibration sample is taken.
        m_tokenizer_load = std::async(std::launch::async, [this] {
            shared_token_counter();
            m_tokenizer_ready = true;
        });
        AlertHistory alert_history;
        if (m_history) {
            auto opened = open_alert_history(m_database_path, AlertEvaluator::kDefaultHistory);
            if (!opened) return std::unexpected(opened.error());
            alert_history = std::move(*opened);
        }
        m_alerts = std::make_unique<AlertMonitor>(
            m_config.alerts.rules,
            [this](const auto& windows) { return collect_alert_inputs(m_metrics, windows, budget_status(), target_states()); },
            std::chrono::milliseconds(1000), std::move(alert_history));
        return {};
    }

    void shutdown() {
        if (m_alerts) m_alerts->stop();  // it reads the router and budgets torn down below
        std::vector<CallPtr> active;
        {
            std::lock_guard lock(m_calls_mutex);
            for (auto& [id, call] : m_calls) active.push_back(call);
        }
        for (auto& call : active) cancel_call(call);
        m_stopping = true;
        m_http.reset();       // fires the done callback of every transfer still in flight
        m_scheduler->stop();  // drops retries not yet due
        {
            std::lock_guard lock(m_calls_mutex);
            for (auto& [id, call] : m_calls) active.push_back(call);
        }
        for (auto& call : active) fail(call, Error{ErrorClass::Cancelled, "the engine shut down"});
        if (m_history) m_history->close();
        m_versions.reset();  // stores what is queued
        m_simulator.reset();
    }

    std::string submit(ChatRequest request, DoneCallback on_done, DeltaCallback on_delta, SubmitOptions options) {
        auto call = std::make_shared<Call>();
        if (request.id.empty()) request.id = new_request_id();
        call->request = std::move(request);
        call->on_done = std::move(on_done);
        call->on_delta = std::move(on_delta);
        call->options = options;
        call->started = m_scheduler->now();
        call->deadline = call->request.deadline.count() > 0 ? call->request.deadline : m_config.retry.deadline;
        call->result.request_id = call->request.id;
        call->result.started_unix_ms = unix_ms_now();
        const std::string id = call->request.id;
        ++m_submitted;
        {
            std::lock_guard lock(m_calls_mutex);
            m_calls.emplace(id, call);
        }
        // The provider set and the route come from one side of an apply_providers().
        std::shared_lock providers_lock(m_providers_swap);
        call->providers = provider_set();
        if (m_stopping) {
            providers_lock.unlock();
            fail(call, Error{ErrorClass::Cancelled, "the engine is shutting down"});
        } else if (auto invalid = validate_request(call->request)) {
            providers_lock.unlock();
            fail(call, std::move(*invalid));
        } else if (auto route = m_routes->first(call->request); !route) {
            providers_lock.unlock();
            fail(call, std::move(route.error()));
        } else {
            providers_lock.unlock();
            call->pinned = route->pinned;
            call->request.tier = route->tier;
            call->result.tier = route->tier;
            call->result.route_reason = route->reason;
            call->route = std::move(*route);
            if (!answered_by_cache(call) && within_budget(call)) start_on(call, call->route.target);
        }
        return id;
    }

    void cancel(const std::string& request_id) {
        CallPtr call;
        {
            std::lock_guard lock(m_calls_mutex);
            const auto it = m_calls.find(request_id);
            if (it == m_calls.end()) return;
            call = it->second;
        }
        cancel_call(call);
    }

    EngineStats stats() const {
        EngineStats stats;
        stats.submitted = m_submitted;
        stats.succeeded = m_succeeded;
        stats.failed = m_failed;
        stats.cancelled = m_cancelled;
        stats.retries = m_retries;
        stats.failovers = m_failovers;
        for (const auto& provider : provider_set()->states) {
            ProviderStatus status;
            status.name = provider.config.name;
            status.simulated = provider.config.simulated;
            status.concurrency_limit = provider.load->limiter.limit();
            status.in_flight = provider.load->limiter.in_flight();
            status.baseline_latency_ms = provider.load->limiter.baseline_ms();
            std::lock_guard lock(provider.load->mutex);
            status.waiting = static_cast<int>(provider.load->waiting.size());
            stats.providers.push_back(std::move(status));
        }
        return stats;
    }

    const Config& config() const { return m_config; }
    bool demo_mode() const {
        const auto set = provider_set();
        return std::any_of(set->states.begin(), set->states.end(),
                           [](const ProviderState& p) { return p.config.simulated && p.config.enabled; });
    }
    HistoryWriter* history() { return m_history.get(); }
    const std::filesystem::path& database_path() const { return m_database_path; }
    const MetricsRegistry& metrics() const { return m_metrics; }

    RoutingConfig routing() const { return m_routes->routing(); }

    std::shared_ptr<const std::vector<ProviderConfig>> providers() const { return provider_set()->configs; }

    std::expected<void, std::vector<ConfigError>> apply_providers(std::vector<ProviderConfig> providers) {
        std::lock_guard lock(m_apply_mutex);  // the routing checked against is the one that stays
        std::vector<ConfigError> errors;
        std::set<std::string> names;
        for (std::size_t i = 0; i < providers.size(); ++i)
            if (!names.insert(providers[i].name).second)
                errors.push_back({"providers[" + std::to_string(i) + "].name",
                                  "must be unique (\"" + providers[i].name + "\" is used twice)"});
        if (providers.empty()) errors.push_back({"providers", "must be a non-empty array of providers"});
        else if (std::none_of(providers.begin(), providers.end(), [](const ProviderConfig& p) { return p.enabled; }))
            errors.push_back({"providers", "no provider is usable (set a key, or turn demo mode on)"});
        if (!names.contains(m_config.default_provider))
            errors.push_back({"default_provider", "must name one of the configured providers"});
        for (auto& e : validate_routing(m_routes->routing(), providers))
            errors.push_back({e.path.empty() ? "routing" : "routing." + e.path, std::move(e.rule)});
        if (!errors.empty()) return std::unexpected(std::move(errors));

        if (std::any_of(providers.begin(), providers.end(), [](const ProviderConfig& p) { return p.simulated && p.enabled; })) {
            if (!m_simulator) {
                Config demo;
                demo.demo = m_config.demo;
                demo.providers = providers;
                auto started = start_demo_upstream(demo, m_demo_profile_json);
                if (!started) return std::unexpected(std::vector<ConfigError>{{"demo", started.error()}});
                m_simulator = std::move(*started);
            }
            m_simulator->serve(providers);
        }

        const auto before = provider_set();
        std::vector<std::string> changed;
        for (const auto& provider : providers)
            if (const auto* old = before->find(provider.name); old && !same_connection(old->config, provider))
                changed.push_back(provider.name);
        auto next = std::make_shared<const ProviderSet>(providers, before.get());
        Config declared = m_config;  // a new provider's series answer 0 from the next scrape
        declared.providers = providers;
        m_prometheus.declare(known_metric_labels(declared, m_routes->routing()));
        std::unique_lock swap(m_providers_swap);
        m_routes->set_providers(std::move(providers), m_config.default_provider, changed);
        std::lock_guard set_lock(m_provider_set_mutex);
        m_provider_set = std::move(next);
        return {};
    }

    std::expected<ConfigVersion, std::string> apply_routing(RoutingConfig routing, std::string author) {
        std::lock_guard lock(m_apply_mutex);  // one change at a time, so each summary is against its predecessor
        if (auto errors = m_routes->validate(routing); !errors.empty()) {
            std::string message = "the routing change was not applied:";
            for (const auto& error : errors) message += "\n  routing." + error.to_string();
            return std::unexpected(message);
        }
        const std::string summary = describe_routing_change(m_routes->routing(), routing);
        const std::string json = to_json(routing).dump();
        m_prometheus.declare(known_metric_labels(m_config, routing));
        {
            std::unique_lock swap(m_providers_swap);
            m_routes->update(std::move(routing));
        }
        return m_versions->append(std::move(author), summary, json);
    }

    std::vector<ConfigVersion> config_versions() const { return m_versions->list(); }

    RoutePreview preview_route(const ChatRequest& request) const {
        RoutePreview preview;
        preview.classification = m_routes->classify(request);
        if (auto route = m_routes->preview(request)) {
            preview.classification.tier = route->tier;
            preview.choice = TargetChoice{route->target, route->reason};
        } else {
            preview.problem = route.error().message;
        }
        return preview;
    }

    std::vector<TargetState> target_states() const { return m_routes->states(); }

    ResponseCache* cache() { return m_cache.get(); }

    std::optional<CachePreview> preview_cache(const ChatRequest& request) const {
        if (!m_cache) return std::nullopt;
        const auto route = m_routes->preview(request);
        if (!route) return std::nullopt;
        return m_cache->preview(request, cache_target(*route, model_of(*provider_set(), route->target)));
    }

    TokenPrediction predict(const ChatRequest& request) const {
        std::string model = request.model;
        if (const auto route = m_routes->preview(request)) model = model_of(*provider_set(), route->target);
        return predict_tokens(shared_token_counter(), model, request, *prices());
    }

    HistoryTextPolicy history_text_policy() const {
        return {m_config.store.store_text, m_config.privacy.redact_history, m_history_cipher ? &*m_history_cipher : nullptr};
    }
    const FieldCipher* history_cipher() const { return m_history_cipher ? &*m_history_cipher : nullptr; }

    std::shared_ptr<const PriceTable> prices() const {
        std::lock_guard lock(m_prices_mutex);
        return m_prices;
    }

    void set_prices(PriceTable table) {
        auto next = std::make_shared<const PriceTable>(std::move(table));
        std::lock_guard lock(m_prices_mutex);
        m_prices = std::move(next);
    }

    std::vector<BudgetStatus> budget_status() const { return m_budgets->status(); }
    SpendForecast spend_forecast() const { return m_budgets->forecast(); }
    AlertMonitor& alert_monitor() const { return *m_alerts; }

    std::string prometheus_text() const {
        ScrapeGauges gauges;
        for (const auto& provider : stats().providers)
            gauges.providers.push_back({provider.name, provider.in_flight, provider.concurrency_limit});
        const auto providers = provider_set();
        for (const auto& state : target_states())
            gauges.circuits.push_back({state.target.provider, model_of(*providers, state.target), state.circuit});
        if (m_cache) {
            const auto cache = m_cache->stats();
            gauges.cache_entries = cache.store.entries;
            gauges.cache_bytes = cache.store.bytes;
        }
        if (m_history) {
            const auto history = m_history->stats();
            gauges.history = ScrapeGauges::History{history.written, history.dropped, history.failed_commits,
                                                   history.queue_depth, history.failing};
        }
        for (const auto& budget : budget_status())
            gauges.budgets.push_back({budget.budget.name, std::string(to_string(budget.budget.period)),
                                      budget.budget.provider.empty() ? "all" : budget.budget.provider,
                                      budget.spent_usd, budget.budget.limit_usd, budget.fraction});
        return m_prometheus.render(gauges);
    }

private:
    // Budgets survive a restart: this month's (and the last week's) spend comes from the rollups.
    void seed_budgets() {
        const auto now = unix_ms_now();
        const auto since = std::min(BudgetTracker::month_start_ms(now), BudgetTracker::day_start_ms(now) - std::int64_t{7} * 86'400'000);
        auto reader = HistoryReader::open(m_database_path);
        if (!reader) return;  // the writer opened it a moment ago; a failure here only means an empty start
        if (auto days = reader->spend_by_day(since))
            for (const auto& day : *days) m_budgets->seed(day.day_start_ms, day.provider, day.cost_usd);
    }

    // False when a budget refused the request (it is finished); may move it to a cheaper tier.
    bool within_budget(const CallPtr& call) {
        const auto verdict = m_budgets->check(call->route.target.provider);
        for (const auto& warning : verdict.warnings)
            call->result.budget_note += (call->result.budget_note.empty() ? "" : "; ") + warning;
        if (verdict.refusal) {
            fail(call, *verdict.refusal);
            return false;
        }
        if (!verdict.downgrade_tier.empty() && !call->pinned && call->route.tier != verdict.downgrade_tier) {
            ChatRequest moved = call->request;
            moved.model = verdict.downgrade_tier;
            moved.tier.clear();
            if (auto route = m_routes->first(moved)) {
                call->request.tier = route->tier;
                call->result.tier = route->tier;
                call->result.route_reason += "; budget \"" + verdict.downgrade_budget + "\" → tier " + route->tier + " (" +
                                             route->reason + ")";
                call->route = std::move(*route);
            }
        }
        return true;
    }

    // Teaches the estimate of models without a public tokenizer how their provider counts.
    void calibrate_tokens(const ChatRequest& request, const RequestResult& result) {
        if (!m_tokenizer_ready || TokenCounter::encoding_for_model(result.model)) return;
        auto& counter = shared_token_counter();
        const auto count = counter.count_request(result.model, request);
        counter.observe(result.model, count.heuristic, result.outcome->usage.input_tokens);
    }

    static std::string model_of(const ProviderSet& providers, const TargetKey& target) {
        if (!target.model.empty()) return target.model;
        const auto* provider = providers.find(target.provider);
        return provider ? provider->config.default_model : std::string();
    }

    std::shared_ptr<const ProviderSet> provider_set() const {
        std::lock_guard lock(m_provider_set_mutex);
        return m_provider_set;
    }

    // Looks the request up; true when it is answered (a hit) or waits behind an identical
    // request already on its way (single flight). False: send it upstream.
    bool answered_by_cache(const CallPtr& call) {
        ResponseCache* keys = m_cache ? m_cache.get() : m_coalescer.get();
        if (!keys) return false;
        call->cache = keys->lookup(call->request, cache_target(call->route, model_of(*call->providers, call->route.target)));
        // With only the coalescer, nothing is cached: "coalesced" is the one status worth reporting.
        call->result.cache = m_cache ? call->cache.status : CacheStatus::Off;
        call->result.cache_rule = call->cache.decision.rule;
        if (call->cache.status == CacheStatus::Hit) {
            const CachedAnswer& answer = *call->cache.answer;
            call->result.provider = answer.provider;
            call->result.model = answer.response.model;
            call->result.saved_usd = answer.cost_usd;
            call->result.cost_usd = 0.0;
            deliver_whole(call, answer.response);
            finish(call, answer.response);
            return true;
        }
        if (!call->cache.may_store) return false;
        const bool leads = m_flight.join(call->cache.key, [this, weak = std::weak_ptr<Call>(call)](const SharedAnswer& shared) {
            if (auto waiting = weak.lock()) on_shared_answer(waiting, shared);
        });
        call->flight_leader = leads;
        if (!leads) call->result.cache = CacheStatus::Coalesced;
        return !leads;
    }

    // A follower gets the leader's outcome. A cancelled leader says nothing about the
    // question, so then the follower goes upstream itself.
    void on_shared_answer(const CallPtr& call, const SharedAnswer& shared) {
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
            (m_cache ? m_cache : m_coalescer)->count_coalesced(shared.cost_usd);
            deliver_whole(call, *shared.outcome);
        }
        finish(call, shared.outcome);
    }

    // A streaming caller answered without a stream: the whole answer as one piece, then the end.
    static void deliver_whole(const CallPtr& call, const ChatResponse& response) {
        if (!call->request.stream || !call->on_delta) return;
        call->on_delta(StreamDelta{response.content, "", std::nullopt});
        call->on_delta(StreamDelta{"", response.finish_reason, response.usage});
    }

    // Points the call at `target`; false when the call's provider set has no such provider
    // (the router follows the live set, a call the one it started with).
    static bool move_to(Call& call, const TargetKey& target) {
        const auto it = call.providers->index.find(target.provider);
        if (it == call.providers->index.end()) return false;
        call.target = target;
        call.provider_index = it->second;
        if (call.target.model.empty()) call.target.model = call.providers->states[call.provider_index].config.default_model;
        call.tried.push_back(call.target);
        call.attempts_on_target = 0;
        call.next_delay = std::chrono::milliseconds(0);
        return true;
    }

    void start_on(const CallPtr& call, const TargetKey& target) {
        if (!move_to(*call, target))
            return fail(call, Error{ErrorClass::BadRequest, "provider " + target.provider +
                                                                " was not configured when the request started"});
        start_attempt(call);
    }

    std::chrono::milliseconds elapsed(const Call& call) const {
        return std::chrono::duration_cast<std::chrono::milliseconds>(m_scheduler->now() - call.started);
    }

    void start_attempt(const CallPtr& call) {
        if (call->finished) return;
        if (call->cancelled || m_stopping) return fail(call, Error{ErrorClass::Cancelled, "cancelled"});
        if (elapsed(*call) >= call->deadline)
            return fail(call, Error{ErrorClass::Timeout, "the request deadline of " +
                                                               std::to_string(call->deadline.count()) + " ms passed"});
        ProviderLoad& load = *provider_of(*call).load;
        {
            std::lock_guard lock(load.mutex);
            if (!load.limiter.try_acquire()) {
                load.waiting.push_back(call);
                return;
            }
        }
        send(call);
    }

    static const ProviderState& provider_of(const Call& call) { return call.providers->states[call.provider_index]; }

    // Starts waiting calls while the provider has free slots.
    void pump(ProviderLoad& load) {
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

    void send(const CallPtr& call) {
        const ProviderState& provider = provider_of(*call);
        const auto remaining = call->deadline - elapsed(*call);
        HttpRequest http = provider.adapter->build_request(call->request, provider.config, call->target.model);
        http.total_timeout = std::max(std::chrono::milliseconds(1), std::min(http.total_timeout, remaining));
        ++call->attempts_on_target;

        HttpClient::DataCallback on_data;
        if (call->request.stream) {
            call->sse = SseParser();
            call->decoder = provider.adapter->make_stream_decoder();
            call->stream_error = Error{};
            on_data = [this, call](std::string_view bytes) { on_stream_bytes(call, bytes); };
        }
        {
            // Held across send() so cancel() sees either no transfer or the one just started.
            std::lock_guard lock(call->transfer_mutex);
            if (!call->cancelled && !m_stopping) {
                call->transfer_active = true;
                call->transfer_id = m_transport->send(
                    std::move(http),
                    [this, call](HttpResponse&& response) { on_transfer_done(call, std::move(response)); },
                    std::move(on_data));
                return;
            }
        }
        provider.load->limiter.release_neutral();
        fail(call, Error{ErrorClass::Cancelled, "cancelled"});
    }

    void on_stream_bytes(const CallPtr& call, std::string_view bytes) {
        if (call->stream_error) return;
        std::vector<StreamDelta> deltas;
        call->sse.feed(bytes, [&](SseEvent&& event) {
            if (call->stream_error) return;
            if (Error error = call->decoder->on_event(event.event, event.data, deltas)) call->stream_error = std::move(error);
        });
        if (!call->stream_error && call->sse.failed())
            call->stream_error = Error{ErrorClass::MalformedResponse, "bad event stream: " + call->sse.error()};
        for (const auto& delta : deltas) {
            if (!delta.content.empty()) call->delivered_content = true;
            if (call->on_delta) call->on_delta(delta);
        }
        if (call->stream_error && !m_stopping) m_transport->cancel(call->transfer_id);
    }

    void on_transfer_done(const CallPtr& call, HttpResponse&& response) {
        {
            std::lock_guard lock(call->transfer_mutex);
            call->transfer_active = false;
        }
        const ProviderState& provider = provider_of(*call);
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
        } else if (auto parsed = provider.adapter->parse_response(response)) {
            answer = std::move(*parsed);
        } else {
            error = std::move(parsed.error());
        }

        const auto latency = std::chrono::microseconds(static_cast<long long>(response.timings.total_ms * 1000.0));
        if (error.cls == ErrorClass::Cancelled) provider.load->limiter.release_neutral();
        else provider.load->limiter.release(latency, is_congestion(error.cls));
        m_routes->record(call->target, error.cls, latency);
        pump(*provider.load);

        call->result.attempts.push_back(AttemptInfo{provider.config.name, call->target.model, error.cls, response.status,
                                                    call->next_delay, response.timings});
        call->result.timings = response.timings;
        if (answer) return finish(call, std::move(*answer));
        handle_failure(call, std::move(error));
    }

    void handle_failure(const CallPtr& call, Error error) {
        if (call->cancelled || m_stopping || error.cls == ErrorClass::Cancelled)
            return fail(call, Error{ErrorClass::Cancelled, "cancelled"});
        if (call->request.stream && call->delivered_content)
            return fail(call, std::move(error));  // part of the answer is out; a retry would repeat it

        auto decision = m_retry.decide(error, call->attempts_on_target, elapsed(*call), call->deadline);
        if (decision.retry && !call->pinned && m_routes->circuit_open(call->target)) {
            decision.retry = false;  // the target is shedding traffic: waiting for it helps no one
            decision.reason = "the circuit of " + call->target.provider + "/" + call->target.model + " is open";
        }
        // A 429 or 5xx from one target says nothing of the next: rather than wait out its backoff,
        // ask the next while one is left (failover_first), and back off once all were tried.
        if (decision.retry && m_config.retry.failover_first && fail_over(call, error)) return;
        if (decision.retry) {
            ++m_retries;
            call->next_delay = decision.delay;
            m_scheduler->schedule(decision.delay, [this, call] { start_attempt(call); });
            return;
        }
        if (fail_over(call, error)) return;
        error.message += " (not retried: " + decision.reason + ")";
        fail(call, std::move(error));
    }

    // Moves the call to the next untried target of its tier and starts it; false when failover
    // is off, the caller pinned the target, the error rules it out or no target is left.
    bool fail_over(const CallPtr& call, const Error& error) {
        if (!m_config.retry.failover || call->pinned || !may_fail_over(error)) return false;
        // The whole conversation moves: the next adapter translates it to its own format.
        std::vector<TargetKey> skip = call->tried;
        while (const auto next = m_routes->next(call->request.tier, call->request, skip)) {
            if (!move_to(*call, next->target)) {
                // Added since the call started: not for it. The pick freed, as a cancel does.
                m_routes->record(next->target, ErrorClass::Cancelled, std::chrono::microseconds(0));
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

    void cancel_call(const CallPtr& call) {
        call->cancelled = true;
        bool in_flight = false;
        std::uint64_t transfer = 0;
        {
            std::lock_guard lock(call->transfer_mutex);
            in_flight = call->transfer_active;
            transfer = call->transfer_id;
        }
        if (in_flight && !m_stopping) m_transport->cancel(transfer);  // the done callback finishes it
        else fail(call, Error{ErrorClass::Cancelled, "cancelled"});
    }

    static RecordedRequest recorded(const RequestResult& result) {
        RecordedRequest r;
        r.finished_ms = unix_ms_now();
        r.provider = result.provider;
        r.model = result.model;
        r.tier = result.tier;
        r.ok = result.ok();
        if (!r.ok) r.error_class = std::string(to_string(result.outcome.error().cls));
        r.latency_ms = result.total_ms;
        r.dns_ms = result.timings.dns_ms;
        r.connect_ms = result.timings.connect_ms;
        r.tls_ms = result.timings.tls_ms;
        r.first_byte_ms = result.timings.first_byte_ms;
        r.transfer_total_ms = result.timings.total_ms;
        r.cache_hit = result.cache == CacheStatus::Hit || result.cache == CacheStatus::Coalesced;
        if (r.cache_hit) r.provider = std::string(kCacheProvider);
        if (r.ok && !r.cache_hit) {
            r.tokens_in = result.outcome->usage.input_tokens;
            r.tokens_out = result.outcome->usage.output_tokens;
            r.cost_usd = result.cost_usd.value_or(0.0);
        }
        return r;
    }

    // Cancelled requests are exported too (status "cancelled"); the alert rules leave them out.
    void record_prometheus(const RequestResult& result) {
        std::vector<AttemptSample> attempts;
        attempts.reserve(result.attempts.size());
        for (const auto& a : result.attempts)
            attempts.push_back({a.provider, a.model,
                                a.error == ErrorClass::None ? std::string_view{} : to_string(a.error),
                                a.http_status});
        const bool from_cache = result.cache == CacheStatus::Hit || result.cache == CacheStatus::Coalesced;
        RequestSample sample;
        sample.provider = from_cache ? kCacheProvider : std::string_view(result.provider);
        sample.model = result.model;
        sample.tier = result.tier;
        sample.status = result.ok() ? std::string_view("ok") : to_string(result.outcome.error().cls);
        sample.latency_seconds = result.total_ms / 1000.0;
        if (result.cache != CacheStatus::Off) sample.cache = to_string(result.cache);
        sample.attempts = attempts;
        if (result.ok() && !from_cache) {
            sample.tokens_in = result.outcome->usage.input_tokens;
            sample.tokens_out = result.outcome->usage.output_tokens;
            sample.cost_usd = result.cost_usd.value_or(0.0);
        }
        if (result.ok() && from_cache) sample.saved_usd = result.saved_usd.value_or(0.0);
        m_prometheus.record(sample);
    }

    void fail(const CallPtr& call, Error error) { finish(call, std::unexpected(std::move(error))); }

    void finish(const CallPtr& call, std::expected<ChatResponse, Error> outcome) {
        if (call->finished.exchange(true)) return;
        {
            std::lock_guard lock(m_calls_mutex);
            m_calls.erase(call->request.id);
        }
        auto& result = call->result;
        const bool from_cache = result.cache == CacheStatus::Hit || result.cache == CacheStatus::Coalesced;
        if (!call->tried.empty() && !from_cache) {
            result.provider = call->target.provider;
            result.model = call->target.model;
        }
        result.total_ms = std::chrono::duration<double, std::milli>(m_scheduler->now() - call->started).count();
        result.outcome = std::move(outcome);
        if (result.ok() && !from_cache) {  // an answer bought just now: price it, keep it, count it
            result.cost_usd = prices()->cost_usd(result.model, result.outcome->usage);
            if (m_cache) m_cache->store(call->cache, *result.outcome, result.provider, result.cost_usd);
            if (result.cost_usd) m_budgets->record(result.provider, *result.cost_usd);
            calibrate_tokens(call->request, result);
        }
        if (call->flight_leader) {
            call->flight_leader = false;
            m_flight.complete(call->cache.key, SharedAnswer{result.outcome, result.provider, result.model, result.cost_usd});
        }
        if (result.ok()) ++m_succeeded;
        else if (result.outcome.error().cls == ErrorClass::Cancelled) ++m_cancelled;
        else ++m_failed;
        if (result.ok() || result.outcome.error().cls != ErrorClass::Cancelled) m_metrics.record(recorded(result));
        record_prometheus(result);
        if (m_history && call->options.record_history)
            m_history->enqueue(Engine::history_record(call->request, result, history_text_policy()), Overflow::Drop);
        if (call->on_done) call->on_done(std::move(result));
    }

    Config m_config;
    RetryPolicy m_retry;
    std::shared_ptr<Scheduler> m_scheduler;
    std::string m_demo_profile_json;
    std::unique_ptr<DemoUpstream> m_simulator;  // set under m_apply_mutex after start
    mutable std::mutex m_provider_set_mutex;
    std::shared_ptr<const ProviderSet> m_provider_set;  // never null after start
    // Shared by a request's start (its provider set and first route), exclusive while
    // apply_providers() or apply_routing() swaps them.
    std::shared_mutex m_providers_swap;
    std::unique_ptr<RouteSelection> m_routes;
    std::unique_ptr<ConfigVersionLog> m_versions;
    std::mutex m_apply_mutex;
    std::unique_ptr<HistoryWriter> m_history;
    std::filesystem::path m_database_path;
    MetricsRegistry m_metrics;
    PrometheusMetrics m_prometheus;
    std::unique_ptr<ResponseCache> m_cache;
    std::unique_ptr<ResponseCache> m_coalescer;  // cache off, coalesce_in_flight on: keys and rules only
    std::unique_ptr<BudgetTracker> m_budgets;
    std::optional<FieldCipher> m_history_cipher;
    mutable std::mutex m_prices_mutex;
    // Never null; swapped whole, so a request prices with one table from start to end.
    std::shared_ptr<const PriceTable> m_prices{std::shared_ptr<const PriceTable>(), &PriceTable::built_in()};
    std::atomic<bool> m_tokenizer_ready{false};
    std::future<void> m_tokenizer_load;  // after the flag it sets: destroyed (joined) first
    SingleFlight<SharedAnswer> m_flight;
    std::unique_ptr<AlertMonitor> m_alerts;

    mutable std::mutex m_calls_mutex;
    std::unordered_map<std::string, CallPtr> m_calls;
    std::atomic<bool> m_stopping{false};
    std::atomic<std::uint64_t> m_submitted{0}, m_succeeded{0}, m_failed{0}, m_cancelled{0}, m_retries{0}, m_failovers{0};

    // Last: destroyed first, while everything its callbacks touch still lives. m_transport
    // stays usable from those callbacks while m_http itself is being torn down.
    std::unique_ptr<HttpClient> m_http;
    HttpClient* m_transport = nullptr;
};

Engine::Engine(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
std::shared_ptr<const std::vector<ProviderConfig>> Engine::providers() const { return m_impl->providers(); }
std::expected<void, std::vector<ConfigError>> Engine::apply_providers(std::vector<ProviderConfig> providers) {
    return m_impl->apply_providers(std::move(providers));
}
Engine::~Engine() = default;

std::expected<std::unique_ptr<Engine>, std::string> Engine::create(EngineOptions options) {
    auto impl = std::make_unique<Impl>(options);
    if (auto started = impl->start(options); !started) return std::unexpected(started.error());
    return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

std::string Engine::submit(ChatRequest request, DoneCallback on_done, DeltaCallback on_delta, SubmitOptions options) {
    return m_impl->submit(std::move(request), std::move(on_done), std::move(on_delta), options);
}

std::future<RequestResult> Engine::submit(ChatRequest request, SubmitOptions options) {
    auto promise = std::make_shared<std::promise<RequestResult>>();
    auto future = promise->get_future();
    m_impl->submit(
        std::move(request), [promise](RequestResult&& result) { promise->set_value(std::move(result)); }, {}, options);
    return future;
}

void Engine::cancel(const std::string& request_id) { m_impl->cancel(request_id); }
EngineStats Engine::stats() const { return m_impl->stats(); }
const Config& Engine::config() const { return m_impl->config(); }
bool Engine::demo_mode() const { return m_impl->demo_mode(); }
HistoryWriter* Engine::history() { return m_impl->history(); }
std::filesystem::path Engine::database_path() const { return m_impl->database_path(); }
const MetricsRegistry& Engine::metrics() const { return m_impl->metrics(); }
RoutingConfig Engine::routing() const { return m_impl->routing(); }
std::expected<ConfigVersion, std::string> Engine::apply_routing(RoutingConfig routing, std::string author) {
    return m_impl->apply_routing(std::move(routing), std::move(author));
}
std::vector<ConfigVersion> Engine::config_versions() const { return m_impl->config_versions(); }
RoutePreview Engine::preview_route(const ChatRequest& request) const { return m_impl->preview_route(request); }
std::vector<TargetState> Engine::target_states() const { return m_impl->target_states(); }
ResponseCache* Engine::cache() { return m_impl->cache(); }
std::optional<CachePreview> Engine::preview_cache(const ChatRequest& request) const { return m_impl->preview_cache(request); }
std::vector<BudgetStatus> Engine::budget_status() const { return m_impl->budget_status(); }
SpendForecast Engine::spend_forecast() const { return m_impl->spend_forecast(); }
std::string Engine::prometheus_text() const { return m_impl->prometheus_text(); }
TokenPrediction Engine::predict(const ChatRequest& request) const { return m_impl->predict(request); }
HistoryTextPolicy Engine::history_text_policy() const { return m_impl->history_text_policy(); }
const FieldCipher* Engine::history_cipher() const { return m_impl->history_cipher(); }
std::shared_ptr<const PriceTable> Engine::prices() const { return m_impl->prices(); }
void Engine::set_prices(PriceTable prices) { m_impl->set_prices(std::move(prices)); }
AlertEvaluator& Engine::alerts() { return m_impl->alert_monitor().evaluator(); }
const AlertEvaluator& Engine::alerts() const { return m_impl->alert_monitor().evaluator(); }
std::vector<AlertEvent> Engine::alert_events() const { return alerts().events(); }
std::vector<ActiveAlert> Engine::active_alerts() const { return alerts().active(); }
std::vector<AlertRule> Engine::alert_rules() const { return alerts().rules(); }
std::expected<void, std::vector<ConfigError>> Engine::apply_alert_rules(std::vector<AlertRule> rules) {
    return alerts().set_rules(std::move(rules));
}
void Engine::evaluate_alerts() { m_impl->alert_monitor().evaluate_now(); }

}  // namespace sb
