#pragma once
// The console's view of an engine: exactly the operations its pages use, nothing more. An
// engine in this process (LocalConsole) implements it; so can a gateway reached over the
// network, where every call may be slow or fail. Hence two kinds of operation:
//   - reads (snapshots, the live settings) return values at once and never block: a remote
//     implementation answers them from its last refresh;
//   - changes, purges, previews, key operations and connection tests take a reply that
//     receives the outcome as a value, exactly once, on any thread (the console's bridge
//     moves it to the GUI thread). A local implementation may reply before returning.
// `versions()` says which settings changed since the last look, so pages refresh cheaply.
#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alerts/alert_evaluator.h"
#include "console/history_source.h"
#include "cache/response_cache.h"
#include "config/config.h"
#include "cost/budget_tracker.h"
#include "cost/price_table.h"
#include "engine/demo_traffic.h"
#include "engine/engine_status.h"
#include "engine/history_mapping.h"
#include "engine/request_result.h"
#include "engine/token_prediction.h"
#include "gateway/gateway_keys.h"
#include "metrics/metrics_registry.h"
#include "model/chat.h"
#include "providers/connection_test.h"
#include "routing/router.h"
#include "store/config_version_store.h"
#include "store/history_writer.h"

namespace sb {

// Why an operation did not happen: one line for the status bar and, for a refused change,
// an error per field with its path relative to what was sent ("[1].threshold").
struct ConsoleError {
    std::string message;
    std::vector<ConfigError> fields;
    // A change made on a version that is no longer live (someone applied in between): the
    // version that is.
    std::optional<std::uint64_t> current_version;
    // Not refused, but not possible now: a store the change must reach is out of reach.
    bool unavailable = false;
};

// Who makes a change, and which version of the setting it was made on (SettingsVersions).
// A change on a version that is no longer live is refused with ConsoleError::current_version;
// without a base version it applies over whatever is live. An empty author is the
// implementation's own ("console", or the operator a remote console signed in as).
struct ChangeBasis {
    std::optional<std::uint64_t> base_version;
    std::string author;
};

// Who made the live version of a setting, and when. Empty author: nobody changed it through
// a console since the engine started (or the change came another way, e.g. the CLI).
struct SettingChange {
    std::uint64_t version = 0;
    std::string author;
    std::int64_t at_ms = 0;
};

struct SettingsChanges {
    SettingChange routing, cache_rules, prices, alert_rules;
};

// Where the console's figures come from, for the status bar.
struct ConsoleSource {
    enum class Link { Local, Connecting, Connected, Disconnected };
    Link link = Link::Local;
    std::string name;    // "Local engine (demo)", "gw-eu-1:8443"
    std::string detail;  // "3 days up, v0.9.0"; while disconnected, why and when it retries
};

// One gateway of a fleet, as the fleet's registry in Redis has it. Its figures are over the
// last minute, as it published them with its last heartbeat.
struct FleetInstance {
    std::string id;       // the instance's name, unique in the fleet
    std::string url;      // where a console reaches it
    std::string version;  // the build's
    std::int64_t started_ms = 0;
    std::int64_t heartbeat_ms = 0;  // its last
    bool live = false;              // its heartbeat has not expired (5 s)
    bool self = false;              // the instance that answered
    double requests_per_s = 0;
    double p99_ms = 0;
    double error_rate = 0;  // 0..1
};

// A gateway in a fleet: the instances, and whether the shared state is out of reach (then
// limits fall back to each instance's share, and settings changes are refused).
struct FleetStatus {
    std::string redis;  // "redis 10.0.0.5:6379"
    bool degraded = false;
    std::string reason;            // why, while degraded
    std::int64_t live_instances = 0;  // as last seen; what the limits are shared by
    std::vector<FleetInstance> instances;  // live first, then stopped ones, each by id
};

template <class T>
using ConsoleResult = std::expected<T, ConsoleError>;
template <class T>
using ConsoleReply = std::function<void(ConsoleResult<T>)>;

struct AlertsSnapshot {
    std::uint64_t generation = 0;    // bumped whenever the events change
    std::vector<AlertEvent> events;  // fired and resolved, oldest first; empty when unchanged
    std::size_t firing = 0;
};

// Where the history lives when it is on this machine: the Playground keeps its saved
// conversations there, written off the GUI thread.
struct LocalHistory {
    std::filesystem::path database;
    HistoryTextPolicy text_policy;
};

class ConsoleApi {
public:
    using DoneCallback = std::function<void(RequestResult&&)>;
    using DeltaCallback = std::function<void(const StreamDelta&)>;
    using AlertListener = std::function<void(const AlertEvent&)>;

    virtual ~ConsoleApi() = default;

    // Snapshots.
    virtual ConsoleSource source() const = 0;
    virtual bool demo_mode() const = 0;
    virtual MetricsSnapshot metrics(std::chrono::milliseconds window, std::chrono::milliseconds resolution) const = 0;
    virtual std::vector<TargetMetrics> metrics_by_target(std::chrono::milliseconds window) const = 0;
    // The recorded seconds themselves (what a gateway sends the consoles watching it).
    virtual std::vector<MetricsSecond> metrics_seconds(std::int64_t since_s, std::int64_t until_s) const = 0;
    virtual MetricsTotals metrics_totals() const = 0;
    virtual EngineStats stats() const = 0;
    virtual std::vector<TargetState> target_states() const = 0;
    virtual std::vector<BudgetStatus> budget_status() const = 0;
    virtual SpendForecast spend_forecast() const = 0;
    virtual std::optional<ResponseCacheStats> cache_stats() const = 0;  // nullopt: caching is off
    virtual std::optional<HistoryWriterStats> history_stats() const = 0;  // nullopt: history is off
    virtual std::optional<LocalHistory> local_history() const = 0;        // nullopt: none on this machine
    // History queries, for one worker thread of the caller's (never the GUI thread): open one
    // per thread. With history off, each query says so.
    virtual std::unique_ptr<HistorySource> open_history() const = 0;
    // The events only when their generation is not `known_generation`.
    virtual AlertsSnapshot alerts(std::uint64_t known_generation) const = 0;
    // `listener` runs on an engine thread for each alert that starts firing; keep it short.
    virtual std::uint64_t subscribe_alerts(AlertListener listener) = 0;
    virtual void unsubscribe_alerts(std::uint64_t token) = 0;
    virtual SettingsVersions versions() const = 0;
    virtual SettingsChanges changes() const = 0;
    // nullopt: the gateway stands alone (no fleet configured).
    virtual std::optional<FleetStatus> fleet() const { return std::nullopt; }

    // Requests. `on_done` fires exactly once; `on_delta` for each streamed piece.
    virtual std::string submit(ChatRequest request, DoneCallback on_done, DeltaCallback on_delta = {}) = 0;
    virtual void cancel(const std::string& request_id) = 0;
    virtual void preview_route(ChatRequest request, ConsoleReply<RoutePreview> reply) const = 0;
    // nullopt: caching is off, or the request has no route.
    virtual void preview_cache(ChatRequest request, ConsoleReply<std::optional<CachePreview>> reply) const = 0;
    virtual void predict(ChatRequest request, ConsoleReply<TokenPrediction> reply) const = 0;

    // Live settings: get, apply (validated there, swapped whole or not at all).
    virtual Config started_config() const = 0;  // as the engine started: defaults, demo settings
    virtual std::vector<ProviderConfig> providers() const = 0;
    virtual void apply_providers(std::vector<ProviderConfig> providers, ConsoleReply<void> reply) = 0;
    virtual void test_connection(ProviderConfig provider, ConsoleReply<ConnectionTest> reply) = 0;

    virtual RoutingConfig routing() const = 0;
    virtual void apply_routing(RoutingConfig routing, ChangeBasis basis, ConsoleReply<ConfigVersion> reply) = 0;
    virtual std::vector<ConfigVersion> config_versions() const = 0;  // oldest first

    virtual std::optional<std::vector<CacheRule>> cache_rules() const = 0;  // nullopt: caching is off
    virtual void apply_cache_rules(std::vector<CacheRule> rules, ChangeBasis basis, ConsoleReply<void> reply) = 0;
    // One rule's entries, or every entry when `rule` is empty. Replies with how many went.
    virtual void purge_cache(std::string rule, ConsoleReply<std::size_t> reply) = 0;

    virtual std::shared_ptr<const PriceTable> prices() const = 0;
    virtual void apply_prices(PriceTable prices, ChangeBasis basis, ConsoleReply<void> reply) = 0;

    virtual std::vector<AlertRule> alert_rules() const = 0;
    // Applied rules are judged at once, not at the next tick.
    virtual void apply_alert_rules(std::vector<AlertRule> rules, ChangeBasis basis, ConsoleReply<void> reply) = 0;

    // The gateway's API keys (an error when the console has no key store to manage).
    virtual void list_keys(ConsoleReply<std::vector<GatewayKeyInfo>> reply) = 0;
    virtual void create_key(std::string name, GatewayKeyLimits limits, ConsoleReply<NewGatewayKey> reply) = 0;
    virtual void change_key_limits(std::string id_or_prefix, GatewayKeyLimitChange change,
                                   ConsoleReply<GatewayKeyInfo> reply) = 0;
    virtual void revoke_key(std::string id_or_prefix, ConsoleReply<GatewayKeyInfo> reply) = 0;

    // Demo traffic: the built-in workload sent through the engine at a steady rate, between
    // DemoTraffic::kMinRate and kMaxRate requests a second.
    virtual bool demo_traffic_running() const = 0;
    virtual int demo_traffic_rate() const = 0;
    virtual void start_demo_traffic(int requests_per_second) = 0;
    virtual void set_demo_traffic_rate(int requests_per_second) = 0;
    virtual void stop_demo_traffic() = 0;
};

}  // namespace sb
