// The Engine: start-up wiring of the stages and the live settings (providers, routing,
// prices, alert rules). One request's way is in request_path.cpp, its recording in
// request_recorder.cpp.
#include "engine/engine.h"

#include <algorithm>
#include <mutex>
#include <set>
#include <shared_mutex>

#include "alerts/alert_monitor.h"
#include "config/paths.h"
#include "engine/alert_persistence.h"
#include "engine/call.h"
#include "engine/config_version_log.h"
#include "engine/demo_upstream.h"
#include "engine/metric_labels.h"
#include "engine/provider_set.h"
#include "engine/request_path.h"
#include "engine/request_recorder.h"
#include "engine/route_selection.h"
#include "engine/semantic_preview.h"
#include "metrics/metrics_registry.h"
#include "metrics/prometheus_metrics.h"
#include "model/clock.h"
#include "routing/routing_diff.h"
#include "security/field_cipher.h"
#include "store/history_query.h"
#include "store/history_writer.h"
#include "transport/http_client.h"

namespace sb {

class Engine::Impl {
public:
    explicit Impl(EngineOptions options)
        : m_config(std::move(options.config)),
          m_retry(m_config.retry, std::move(options.retry_uniform)),
          m_hedge(m_config.retry.hedge.enabled ? std::make_unique<HedgePolicy>(m_config.retry.hedge) : nullptr),
          m_demo_profile_json(std::move(options.demo_profile_json)) {
        m_scheduler = options.scheduler ? options.scheduler : std::make_shared<TimerThread>();
    }

    ~Impl() { shutdown(); }

    std::expected<void, std::string> start(const EngineOptions& options) {
        if (auto demo = start_demo_upstream(m_config, m_demo_profile_json); !demo) return std::unexpected(demo.error());
        else m_simulator = std::move(*demo);

        m_providers.replace(std::make_shared<const ProviderSet>(m_config.providers, nullptr));
        RouterOptions router_options;
        router_options.now = [scheduler = m_scheduler] { return scheduler->now(); };
        if (m_config.routing.tiers.empty())  // a config built in code, without a routing section
            m_config.routing = fallback_routing(m_config.providers, m_config.default_provider);
        m_routes = std::make_unique<RouteSelection>(m_config.providers, m_config.default_provider,
                                                    m_config.routing, std::move(router_options));
        m_prometheus.declare(known_metric_labels(m_config, m_config.routing));

        if (auto opened = open_history(options); !opened) return opened;
        if (!m_config.cost.pricing.empty()) {
            auto prices = PriceTable::load(m_config.cost.pricing);
            if (!prices) return std::unexpected("cost.pricing: " + prices.error());
            m_prices.store(std::make_shared<const PriceTable>(std::move(*prices)));
        }
        m_versions = std::make_unique<ConfigVersionLog>(m_database_path);
        m_budgets = std::make_unique<BudgetTracker>(m_config.budgets);
        if (m_history) seed_budgets();
        if (auto opened = open_cache(); !opened) return opened;
        m_http = std::make_unique<HttpClient>();
        // The rank files load off the request path; until then no calibration sample is taken.
        m_tokenizer_load = std::async(std::launch::async, [this] {
            shared_token_counter();
            m_tokenizer_ready = true;
        });
        m_recorder = std::make_unique<RequestRecorder>(m_metrics, m_prometheus, m_history.get(), history_text_policy());
        m_path = std::make_unique<RequestPath>(RequestPath::Parts{
            m_config.retry, m_retry, m_hedge.get(), *m_scheduler, m_providers, *m_routes, m_cache.get(), m_coalescer.get(),
            *m_budgets, m_prices, m_tokenizer_ready, *m_recorder, m_http.get()});
        return start_alerts();
    }

    void shutdown() {
        if (m_alerts) m_alerts->stop();  // it reads the router and budgets torn down below
        if (m_path) {
            m_path->cancel_all();
            m_path->stop();
        }
        m_http.reset();       // fires the done callback of every transfer still in flight
        m_scheduler->stop();  // drops retries not yet due
        if (m_path) m_path->fail_remaining();
        if (m_history) m_history->close();
        m_versions.reset();  // stores what is queued
        m_simulator.reset();
    }

    RequestPath& path() { return *m_path; }

    EngineStats stats() const {
        EngineStats stats;
        const auto path = m_path->counters();
        const auto totals = m_recorder->totals();
        stats.submitted = path.submitted;
        stats.succeeded = totals.succeeded;
        stats.failed = totals.failed;
        stats.cancelled = totals.cancelled;
        stats.retries = path.retries;
        stats.failovers = path.failovers;
        stats.hedges = path.hedges;
        stats.hedges_won = path.hedges_won;
        for (const auto& provider : m_providers.current()->states) {
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
        const auto set = m_providers.current();
        return std::any_of(set->states.begin(), set->states.end(),
                           [](const ProviderState& p) { return p.config.simulated && p.config.enabled; });
    }
    HistoryWriter* history() { return m_history.get(); }
    const std::filesystem::path& database_path() const { return m_database_path; }
    const MetricsRegistry& metrics() const { return m_metrics; }

    RoutingConfig routing() const { return m_routes->routing(); }

    std::shared_ptr<const std::vector<ProviderConfig>> providers() const { return m_providers.current()->configs; }

    std::expected<void, std::vector<ConfigError>> apply_providers(std::vector<ProviderConfig> providers) {
        std::lock_guard lock(m_apply_mutex);  // the routing checked against is the one that stays
        if (auto errors = check_providers(providers); !errors.empty()) return std::unexpected(std::move(errors));

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

        const auto before = m_providers.current();
        std::vector<std::string> changed;
        for (const auto& provider : providers)
            if (const auto* old = before->find(provider.name); old && !same_connection(old->config, provider))
                changed.push_back(provider.name);
        auto next = std::make_shared<const ProviderSet>(providers, before.get());
        Config declared = m_config;  // a new provider's series answer 0 from the next scrape
        declared.providers = providers;
        m_prometheus.declare(known_metric_labels(declared, m_routes->routing()));
        std::unique_lock swap(m_providers.swap_lock());
        m_routes->set_providers(std::move(providers), m_config.default_provider, changed);
        m_providers.replace(std::move(next));
        ++m_versions_seen.providers;
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
            std::unique_lock swap(m_providers.swap_lock());
            m_routes->update(std::move(routing));
        }
        ++m_versions_seen.routing;
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
        return m_cache->preview(request, cache_target(*route, m_providers.current()->model_of(route->target)));
    }

    void preview_cache(const ChatRequest& request, std::function<void(std::optional<CachePreview>)> done) {
        auto preview = preview_cache(request);
        if (!preview) return done(std::nullopt);
        const auto route = m_routes->preview(request);
        preview_semantic(std::move(*preview), request, route ? route->tier : std::string(), *m_cache, *m_path,
                         std::move(done));
    }

    TokenPrediction predict(const ChatRequest& request) const {
        std::string model = request.model;
        if (const auto route = m_routes->preview(request)) model = m_providers.current()->model_of(route->target);
        return predict_tokens(shared_token_counter(), model, request, *prices());
    }

    TokenPrediction predict(const Call& call) const {
        return predict_tokens(shared_token_counter(), call.providers->model_of(call.route.target), call.request, *prices());
    }

    HistoryTextPolicy history_text_policy() const {
        return {m_config.store.store_text, m_config.privacy.redact_history, m_history_cipher ? &*m_history_cipher : nullptr};
    }
    const FieldCipher* history_cipher() const { return m_history_cipher ? &*m_history_cipher : nullptr; }

    std::shared_ptr<const PriceTable> prices() const { return m_prices.load(); }
    void set_prices(PriceTable table) {
        m_prices.store(std::make_shared<const PriceTable>(std::move(table)));
        ++m_versions_seen.prices;
    }

    std::expected<void, std::vector<ConfigError>> apply_alert_rules(std::vector<AlertRule> rules) {
        auto applied = m_alerts->evaluator().set_rules(std::move(rules));
        if (applied) ++m_versions_seen.alert_rules;
        return applied;
    }

    SettingsVersions settings_versions() const {
        return {m_versions_seen.providers, m_versions_seen.routing, m_cache ? m_cache->rules_version() : 0,
                m_versions_seen.prices, m_versions_seen.alert_rules};
    }

    std::vector<BudgetStatus> budget_status() const { return m_budgets->status(); }
    BudgetTracker& budget_tracker() { return *m_budgets; }
    SpendForecast spend_forecast() const { return m_budgets->forecast(); }
    AlertMonitor& alert_monitor() const { return *m_alerts; }

    std::string prometheus_text() const {
        ScrapeGauges gauges;
        for (const auto& provider : stats().providers)
            gauges.providers.push_back({provider.name, provider.in_flight, provider.concurrency_limit});
        const auto providers = m_providers.current();
        for (const auto& state : target_states())
            gauges.circuits.push_back({state.target.provider, providers->model_of(state.target), state.circuit});
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
    // The history database and, with privacy.encrypt_history, the key its text is sealed with.
    std::expected<void, std::string> open_history(const EngineOptions& options) {
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
        return {};
    }

    std::expected<void, std::string> open_cache() {
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
            keys.semantic.enabled = false;
            auto coalescer = ResponseCache::create(keys);
            if (!coalescer) return std::unexpected(coalescer.error());
            m_coalescer = std::move(*coalescer);
        }
        return {};
    }

    std::expected<void, std::string> start_alerts() {
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

    // Budgets survive a restart: this month's (and the last week's) spend comes from the rollups.
    void seed_budgets() {
        const auto now = unix_ms_now();
        const auto since = std::min(BudgetTracker::month_start_ms(now), BudgetTracker::day_start_ms(now) - std::int64_t{7} * 86'400'000);
        auto reader = HistoryReader::open(m_database_path);
        if (!reader) return;  // the writer opened it a moment ago; a failure here only means an empty start
        if (auto days = reader->spend_by_day(since))
            for (const auto& day : *days) m_budgets->seed(day.day_start_ms, day.provider, day.cost_usd);
    }

    // A provider set checked against the live routing and the default provider.
    std::vector<ConfigError> check_providers(const std::vector<ProviderConfig>& providers) const {
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
        return errors;
    }

    Config m_config;
    RetryPolicy m_retry;
    std::unique_ptr<HedgePolicy> m_hedge;
    std::shared_ptr<Scheduler> m_scheduler;
    std::string m_demo_profile_json;
    std::unique_ptr<DemoUpstream> m_simulator;  // set under m_apply_mutex after start
    LiveProviders m_providers;
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
    // Never null; swapped whole, so a request prices with one table from start to end.
    std::atomic<std::shared_ptr<const PriceTable>> m_prices{
        std::shared_ptr<const PriceTable>(std::shared_ptr<const PriceTable>(), &PriceTable::built_in())};
    std::atomic<bool> m_tokenizer_ready{false};
    std::future<void> m_tokenizer_load;  // after the flag it sets: destroyed (joined) first
    std::unique_ptr<AlertMonitor> m_alerts;
    struct {
        std::atomic<std::uint64_t> providers{0}, routing{0}, prices{0}, alert_rules{0};
    } m_versions_seen;  // bumped by each change applied
    std::unique_ptr<RequestRecorder> m_recorder;
    std::unique_ptr<RequestPath> m_path;

    // Last: destroyed first, while everything its callbacks touch still lives. The request
    // path keeps its own pointer to it, usable while it is being torn down.
    std::unique_ptr<HttpClient> m_http;
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
    return m_impl->path().submit(std::move(request), std::move(on_done), std::move(on_delta), options);
}

std::future<RequestResult> Engine::submit(ChatRequest request, SubmitOptions options) {
    auto promise = std::make_shared<std::promise<RequestResult>>();
    auto future = promise->get_future();
    m_impl->path().submit(
        std::move(request), [promise](RequestResult&& result) { promise->set_value(std::move(result)); }, {}, options);
    return future;
}

AdmittedRequest::AdmittedRequest(std::shared_ptr<Call> call, RequestPath* path) : m_call(std::move(call)), m_path(path) {}
AdmittedRequest::AdmittedRequest(AdmittedRequest&& other) noexcept
    : m_call(std::move(other.m_call)), m_path(other.m_path) {}
AdmittedRequest::~AdmittedRequest() {
    if (m_call) m_path->release(m_call);
}
const ChatRequest& AdmittedRequest::request() const { return m_call->request; }

std::expected<AdmittedRequest, Error> Engine::admit(ChatRequest request) {
    auto call = m_impl->path().admit(std::move(request));
    if (!call) return std::unexpected(std::move(call.error()));
    return AdmittedRequest(std::move(*call), &m_impl->path());
}

std::string Engine::submit(AdmittedRequest admitted, DoneCallback on_done, DeltaCallback on_delta, SubmitOptions options) {
    return m_impl->path().start(std::move(admitted.m_call), std::move(on_done), std::move(on_delta), options);
}

TokenPrediction Engine::predict(const AdmittedRequest& admitted) const { return m_impl->predict(*admitted.m_call); }

void Engine::cancel(const std::string& request_id) { m_impl->path().cancel(request_id); }
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
void Engine::preview_cache(const ChatRequest& request, std::function<void(std::optional<CachePreview>)> done) {
    m_impl->preview_cache(request, std::move(done));
}
std::vector<BudgetStatus> Engine::budget_status() const { return m_impl->budget_status(); }
BudgetTracker& Engine::budget_tracker() { return m_impl->budget_tracker(); }
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
    return m_impl->apply_alert_rules(std::move(rules));
}
SettingsVersions Engine::settings_versions() const { return m_impl->settings_versions(); }
void Engine::evaluate_alerts() { m_impl->alert_monitor().evaluate_now(); }

}  // namespace sb
