#pragma once
// A console's view of a whole fleet through the one gateway it attached to (the primary): the
// figures of every live instance added together — each second's counts summed and latency
// histograms merged, so percentiles are those of all the requests, never an average of the
// instances' percentiles — or of one instance alone (set_scope). Everything else (settings,
// which a fleet shares; history, keys, requests) is the primary's. The other instances are
// attached as the primary's fleet status lists them (a RemoteConsole each, with the primary's
// admin key and CA) and left out while stopped. History is every live instance's, merged by
// time. Outside a fleet it is the primary alone.
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "console/remote_console.h"
#include "engine/scheduler.h"
#include "metrics/metrics_registry.h"

namespace sb {

class FleetView final : public ConsoleApi {
public:
    // `options`: the primary's, whose key and CA reach the other instances too.
    FleetView(std::unique_ptr<RemoteConsole> primary, RemoteConsoleOptions options);
    ~FleetView() override;

    // "" (every instance added together) or one instance's id.
    void set_scope(std::string instance_id);
    std::string scope() const;
    // The instances whose figures are held, by id (the primary's first): what a scope may name.
    std::vector<std::string> instances() const;
    RemoteConsole& primary() { return *m_primary; }

    ConsoleSource source() const override { return m_primary->source(); }
    bool demo_mode() const override { return m_primary->demo_mode(); }
    MetricsSnapshot metrics(std::chrono::milliseconds window, std::chrono::milliseconds resolution) const override;
    std::vector<TargetMetrics> metrics_by_target(std::chrono::milliseconds window) const override;
    std::vector<MetricsSecond> metrics_seconds(std::int64_t since_s, std::int64_t until_s) const override;
    MetricsTotals metrics_totals() const override;
    EngineStats stats() const override { return m_primary->stats(); }
    std::vector<TargetState> target_states() const override { return m_primary->target_states(); }
    std::vector<BudgetStatus> budget_status() const override { return m_primary->budget_status(); }
    SpendForecast spend_forecast() const override { return m_primary->spend_forecast(); }
    std::optional<ResponseCacheStats> cache_stats() const override { return m_primary->cache_stats(); }
    std::optional<HistoryWriterStats> history_stats() const override { return m_primary->history_stats(); }
    std::optional<LocalHistory> local_history() const override { return m_primary->local_history(); }
    // Every live instance's history merged by time (MergedHistory), as the fleet is when it opens.
    std::unique_ptr<HistorySource> open_history() const override;
    AlertsSnapshot alerts(std::uint64_t known_generation) const override { return m_primary->alerts(known_generation); }
    std::uint64_t subscribe_alerts(AlertListener listener) override { return m_primary->subscribe_alerts(std::move(listener)); }
    void unsubscribe_alerts(std::uint64_t token) override { m_primary->unsubscribe_alerts(token); }
    SettingsVersions versions() const override { return m_primary->versions(); }
    SettingsChanges changes() const override { return m_primary->changes(); }
    std::optional<FleetStatus> fleet() const override { return m_primary->fleet(); }

    std::string submit(ChatRequest request, DoneCallback on_done, DeltaCallback on_delta) override {
        return m_primary->submit(std::move(request), std::move(on_done), std::move(on_delta));
    }
    void cancel(const std::string& request_id) override { m_primary->cancel(request_id); }
    void preview_route(ChatRequest request, ConsoleReply<RoutePreview> reply) const override {
        m_primary->preview_route(std::move(request), std::move(reply));
    }
    void preview_cache(ChatRequest request, ConsoleReply<std::optional<CachePreview>> reply) const override {
        m_primary->preview_cache(std::move(request), std::move(reply));
    }
    void predict(ChatRequest request, ConsoleReply<TokenPrediction> reply) const override {
        m_primary->predict(std::move(request), std::move(reply));
    }

    Config started_config() const override { return m_primary->started_config(); }
    std::vector<ProviderConfig> providers() const override { return m_primary->providers(); }
    void apply_providers(std::vector<ProviderConfig> providers, ConsoleReply<void> reply) override {
        m_primary->apply_providers(std::move(providers), std::move(reply));
    }
    void test_connection(ProviderConfig provider, ConsoleReply<ConnectionTest> reply) override {
        m_primary->test_connection(std::move(provider), std::move(reply));
    }
    RoutingConfig routing() const override { return m_primary->routing(); }
    void apply_routing(RoutingConfig routing, ChangeBasis basis, ConsoleReply<ConfigVersion> reply) override {
        m_primary->apply_routing(std::move(routing), std::move(basis), std::move(reply));
    }
    std::vector<ConfigVersion> config_versions() const override { return m_primary->config_versions(); }
    std::optional<std::vector<CacheRule>> cache_rules() const override { return m_primary->cache_rules(); }
    void apply_cache_rules(std::vector<CacheRule> rules, ChangeBasis basis, ConsoleReply<void> reply) override {
        m_primary->apply_cache_rules(std::move(rules), std::move(basis), std::move(reply));
    }
    void purge_cache(std::string rule, ConsoleReply<std::size_t> reply) override {
        m_primary->purge_cache(std::move(rule), std::move(reply));
    }
    std::shared_ptr<const PriceTable> prices() const override { return m_primary->prices(); }
    void apply_prices(PriceTable prices, ChangeBasis basis, ConsoleReply<void> reply) override {
        m_primary->apply_prices(std::move(prices), std::move(basis), std::move(reply));
    }
    std::vector<AlertRule> alert_rules() const override { return m_primary->alert_rules(); }
    void apply_alert_rules(std::vector<AlertRule> rules, ChangeBasis basis, ConsoleReply<void> reply) override {
        m_primary->apply_alert_rules(std::move(rules), std::move(basis), std::move(reply));
    }
    void list_keys(ConsoleReply<std::vector<GatewayKeyInfo>> reply) override { m_primary->list_keys(std::move(reply)); }
    void create_key(std::string name, GatewayKeyLimits limits, ConsoleReply<NewGatewayKey> reply) override {
        m_primary->create_key(std::move(name), limits, std::move(reply));
    }
    void change_key_limits(std::string id_or_prefix, GatewayKeyLimitChange change,
                           ConsoleReply<GatewayKeyInfo> reply) override {
        m_primary->change_key_limits(std::move(id_or_prefix), change, std::move(reply));
    }
    void revoke_key(std::string id_or_prefix, ConsoleReply<GatewayKeyInfo> reply) override {
        m_primary->revoke_key(std::move(id_or_prefix), std::move(reply));
    }
    bool demo_traffic_running() const override { return m_primary->demo_traffic_running(); }
    int demo_traffic_rate() const override { return m_primary->demo_traffic_rate(); }
    void start_demo_traffic(int requests_per_second) override { m_primary->start_demo_traffic(requests_per_second); }
    void set_demo_traffic_rate(int requests_per_second) override { m_primary->set_demo_traffic_rate(requests_per_second); }
    void stop_demo_traffic() override { m_primary->stop_demo_traffic(); }

private:
    // Attaches instances that appeared, lets go of stopped ones, and adds the recent seconds of
    // every instance together into m_merged; then again a second later.
    void refresh();
    // The console whose figures the scope names; null: the merged figures. m_mutex held.
    const ConsoleApi* scoped() const;

    const std::unique_ptr<RemoteConsole> m_primary;
    const RemoteConsoleOptions m_options;
    MetricsRegistry m_merged{std::chrono::hours(1), MetricsRegistry::Kind::Replica};

    mutable std::mutex m_mutex;
    std::string m_self_id;                                        // the primary's id in the fleet
    // Every other instance ever seen, by id: kept while the view lives, since history sources
    // opened on them hold references; only the live ones are merged and listed.
    std::map<std::string, std::unique_ptr<RemoteConsole>> m_others;
    std::set<std::string> m_live;
    std::string m_scope;
    std::int64_t m_merged_until_s = 0;  // 0: the whole hour is merged at the next refresh
    std::uint64_t m_refreshes = 0;

    TimerThread m_timer;  // last: stopped first, while what its tasks use still lives
};

}  // namespace sb
