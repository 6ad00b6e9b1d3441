#pragma once
// The Engine facade: the one API every ingress (CLI, batch, GUI, gateway) calls. It wires
// the stages in order — validate → route → cache → budget → concurrency limit → provider
// adapter → transport → classify → retry / fail over → finish (price, cache store, metrics,
// history) — and is the only place that knows that order (docs/ARCHITECTURE.md, "One request,
// stage by stage"). Callbacks run on engine threads and must be short.
#include <atomic>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alerts/alert_evaluator.h"
#include "cache/response_cache.h"
#include "config/config.h"
#include "cost/budget_tracker.h"
#include "cost/price_table.h"
#include "engine/history_mapping.h"
#include "engine/engine_status.h"
#include "engine/request_result.h"
#include "engine/scheduler.h"
#include "engine/submit_options.h"
#include "engine/token_prediction.h"
#include "model/chat.h"
#include "routing/router.h"
#include "store/config_version_store.h"

namespace sb {

class FieldCipher;
class HistoryWriter;
class MetricsRegistry;

struct EngineOptions {
    Config config;
    // History database; empty = config.store.path, then the XDG default. Ignored if !history.
    std::filesystem::path database;
    bool history = true;
    // Retry timers and the clock; null = a real timer thread.
    std::shared_ptr<Scheduler> scheduler;
    // U[0,1) for retry jitter; empty = random. Tests pin it to see exact delays.
    std::function<double()> retry_uniform;
    // Simulator profile (JSON text) for providers in demo mode; empty = config.demo.profile,
    // then the built-in demo profile.
    std::string demo_profile_json;
};

struct Call;
class RequestPath;

// A request validated and routed, not yet sent: what the gateway checks a caller's limits
// against before anything is spent. Submitting it routes nothing again; dropping it unsent
// frees its route.
class AdmittedRequest {
public:
    AdmittedRequest(AdmittedRequest&& other) noexcept;
    AdmittedRequest& operator=(AdmittedRequest&&) = delete;
    ~AdmittedRequest();

    const ChatRequest& request() const;

private:
    friend class Engine;
    AdmittedRequest(std::shared_ptr<Call> call, RequestPath* path);
    std::shared_ptr<Call> m_call;  // null once submitted
    RequestPath* m_path;
};

class Engine {
public:
    using DoneCallback = std::function<void(RequestResult&&)>;
    using DeltaCallback = std::function<void(const StreamDelta&)>;

    static std::expected<std::unique_ptr<Engine>, std::string> create(EngineOptions options);
    ~Engine();  // cancels what is in flight (each callback still fires once), flushes history

    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Asynchronous. Returns the request id. `on_done` fires exactly once; `on_delta` for
    // each streamed piece when request.stream is set.
    std::string submit(ChatRequest request, DoneCallback on_done, DeltaCallback on_delta = {},
                       SubmitOptions options = {});
    std::future<RequestResult> submit(ChatRequest request, SubmitOptions options = {});
    // submit() in two steps, for a caller that decides in between: validated and routed once.
    // The error is the one submit() would have finished the request with.
    std::expected<AdmittedRequest, Error> admit(ChatRequest request);
    std::string submit(AdmittedRequest admitted, DoneCallback on_done, DeltaCallback on_delta = {},
                       SubmitOptions options = {});
    void cancel(const std::string& request_id);

    EngineStats stats() const;
    // As started, with resolved simulator URLs in demo mode. Its routing and providers are the
    // ones the engine started with; routing() and providers() are the live ones.
    const Config& config() const;
    bool demo_mode() const;        // at least one live provider is served by the simulator
    HistoryWriter* history();      // null when history is off
    std::filesystem::path database_path() const;  // empty when history is off
    const MetricsRegistry& metrics() const;        // live 1-second buckets of every finished request
    // Prometheus text format 0.0.4: counters and histograms since start, gauges read now.
    std::string prometheus_text() const;

    // Providers, live. providers() is the set the next request starts with (config() keeps
    // the one the engine started with). apply_providers() takes providers resolved as a
    // config load resolves them (config/provider_check), checks the set with the live routing
    // and the default provider — errors name their path ("routing.tiers[0].targets[1].provider:
    // must name one of the configured providers") — and swaps it whole, or changes nothing.
    // Requests under way, their retries and failovers too, finish on the set they started
    // with. A provider whose connection is unchanged keeps its circuits and latency figures
    // (and, with the same concurrency settings, its adaptive limit); one whose URL, key,
    // headers or timeouts changed starts afresh. Providers in demo mode are served by the
    // built-in simulator, started if none runs yet.
    std::shared_ptr<const std::vector<ProviderConfig>> providers() const;
    std::expected<void, std::vector<ConfigError>> apply_providers(std::vector<ProviderConfig> providers);

    // Routing, live. apply_routing() validates against the configured providers, swaps the
    // router's table (the next request follows it), and stores a config version (summary of
    // what changed) in the history database in the background. Returns that version.
    RoutingConfig routing() const;
    std::expected<ConfigVersion, std::string> apply_routing(RoutingConfig routing, std::string author = "console");
    // Versions of this database (earlier runs included, the last 500) plus those applied now; oldest first.
    std::vector<ConfigVersion> config_versions() const;
    RoutePreview preview_route(const ChatRequest& request) const;
    std::vector<TargetState> target_states() const;
    SettingsVersions settings_versions() const;

    // The response cache (rules, stats, purge), live; null when caching is off.
    ResponseCache* cache();
    // The cache key, rule and decision a request would get, without sending it or counting.
    std::optional<CachePreview> preview_cache(const ChatRequest& request) const;
    // The same with, when the semantic cache is on, the closest stored question of the
    // conversation's scope (its question embedded first). `done` may run on another thread.
    void preview_cache(const ChatRequest& request, std::function<void(std::optional<CachePreview>)> done);

    // Tokens and cost before sending, for the model the request would be routed to.
    TokenPrediction predict(const ChatRequest& request) const;
    TokenPrediction predict(const AdmittedRequest& admitted) const;  // for the model it was routed to

    // The price table answers are priced with, live: config.cost.pricing's file (read at
    // start) or the built-in table. set_prices() swaps it whole; the next answer follows it.
    std::shared_ptr<const PriceTable> prices() const;
    void set_prices(PriceTable prices);

    // Spend against the budgets (seeded from the history at start) and the month-end forecast.
    std::vector<BudgetStatus> budget_status() const;
    // The live tracker, for a fleet that exchanges spend with the other instances.
    BudgetTracker& budget_tracker();
    SpendForecast spend_forecast() const;

    // Alert rules evaluated once a second on the engine's own alert thread (the console's
    // Alerts page and status bar read them). apply_alert_rules() validates and swaps the rules
    // whole; errors are relative to the rules array ("[1].threshold: …").
    AlertEvaluator& alerts();
    const AlertEvaluator& alerts() const;
    std::vector<AlertEvent> alert_events() const;   // fired and resolved, oldest first
    std::vector<ActiveAlert> active_alerts() const;  // pending and firing
    std::vector<AlertRule> alert_rules() const;
    std::expected<void, std::vector<ConfigError>> apply_alert_rules(std::vector<AlertRule> rules);
    void evaluate_alerts();  // now, on the caller's thread, besides the once-a-second tick

    HistoryTextPolicy history_text_policy() const;
    // Opens the text of history rows written with privacy.encrypt_history; null when it is off.
    const FieldCipher* history_cipher() const;

    class Impl;

private:
    explicit Engine(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace sb
