#pragma once
// The console's view of an engine in this process. Reads go straight to the Engine; cache
// purges, which may reach Redis, run on a worker thread of its own and reply from there, and
// connection tests reply from the transport thread. Settings changes (in memory) and key
// operations (one short SQLite transaction) reply before returning.
#include <atomic>
#include <memory>
#include <mutex>

#include "console/console_api.h"
#include "engine/demo_traffic.h"
#include "engine/engine.h"
#include "engine/scheduler.h"

namespace sb {

class GatewayKeyStore;
class HttpClient;

class LocalConsole final : public ConsoleApi {
public:
    explicit LocalConsole(Engine& engine);
    ~LocalConsole() override;  // stops demo traffic; replies still queued on the worker are dropped

    // The key store the console manages (the embedded gateway's); null: key operations fail.
    void set_key_store(std::shared_ptr<GatewayKeyStore> keys);

    ConsoleSource source() const override;
    bool demo_mode() const override { return m_engine.demo_mode(); }
    MetricsSnapshot metrics(std::chrono::milliseconds window, std::chrono::milliseconds resolution) const override;
    std::vector<TargetMetrics> metrics_by_target(std::chrono::milliseconds window) const override;
    std::vector<MetricsSecond> metrics_seconds(std::int64_t since_s, std::int64_t until_s) const override {
        return m_engine.metrics().seconds(since_s, until_s);
    }
    MetricsTotals metrics_totals() const override { return m_engine.metrics().totals(); }
    EngineStats stats() const override { return m_engine.stats(); }
    std::vector<TargetState> target_states() const override { return m_engine.target_states(); }
    std::vector<BudgetStatus> budget_status() const override { return m_engine.budget_status(); }
    SpendForecast spend_forecast() const override { return m_engine.spend_forecast(); }
    std::optional<ResponseCacheStats> cache_stats() const override;
    std::optional<HistoryWriterStats> history_stats() const override;
    std::optional<LocalHistory> local_history() const override;
    std::unique_ptr<HistorySource> open_history() const override;
    AlertsSnapshot alerts(std::uint64_t known_generation) const override;
    std::uint64_t subscribe_alerts(AlertListener listener) override;
    void unsubscribe_alerts(std::uint64_t token) override;
    SettingsVersions versions() const override { return m_engine.settings_versions(); }
    SettingsChanges changes() const override;

    std::string submit(ChatRequest request, DoneCallback on_done, DeltaCallback on_delta) override;
    void cancel(const std::string& request_id) override { m_engine.cancel(request_id); }
    void preview_route(ChatRequest request, ConsoleReply<RoutePreview> reply) const override;
    void preview_cache(ChatRequest request, ConsoleReply<std::optional<CachePreview>> reply) const override;
    void predict(ChatRequest request, ConsoleReply<TokenPrediction> reply) const override;

    Config started_config() const override { return m_engine.config(); }
    std::vector<ProviderConfig> providers() const override { return *m_engine.providers(); }
    void apply_providers(std::vector<ProviderConfig> providers, ConsoleReply<void> reply) override;
    void test_connection(ProviderConfig provider, ConsoleReply<ConnectionTest> reply) override;

    RoutingConfig routing() const override { return m_engine.routing(); }
    void apply_routing(RoutingConfig routing, ChangeBasis basis, ConsoleReply<ConfigVersion> reply) override;
    std::vector<ConfigVersion> config_versions() const override { return m_engine.config_versions(); }

    std::optional<std::vector<CacheRule>> cache_rules() const override;
    void apply_cache_rules(std::vector<CacheRule> rules, ChangeBasis basis, ConsoleReply<void> reply) override;
    void purge_cache(std::string rule, ConsoleReply<std::size_t> reply) override;

    std::shared_ptr<const PriceTable> prices() const override { return m_engine.prices(); }
    void apply_prices(PriceTable prices, ChangeBasis basis, ConsoleReply<void> reply) override;

    std::vector<AlertRule> alert_rules() const override { return m_engine.alert_rules(); }
    void apply_alert_rules(std::vector<AlertRule> rules, ChangeBasis basis, ConsoleReply<void> reply) override;

    void list_keys(ConsoleReply<std::vector<GatewayKeyInfo>> reply) override;
    void create_key(std::string name, GatewayKeyLimits limits, ConsoleReply<NewGatewayKey> reply) override;
    void change_key_limits(std::string id_or_prefix, GatewayKeyLimitChange change,
                           ConsoleReply<GatewayKeyInfo> reply) override;
    void revoke_key(std::string id_or_prefix, ConsoleReply<GatewayKeyInfo> reply) override;

    bool demo_traffic_running() const override { return m_demo.running(); }
    int demo_traffic_rate() const override { return m_demo.rate(); }
    void start_demo_traffic(int requests_per_second) override { m_demo.start(requests_per_second); }
    void set_demo_traffic_rate(int requests_per_second) override { m_demo.set_rate(requests_per_second); }
    void stop_demo_traffic() override { m_demo.stop(); }

private:
    // Runs `work` on the worker thread and replies with what it returns.
    template <class T, class Work>
    void in_background(Work work, ConsoleReply<T> reply);
    template <class T, class Work>
    void with_keys(Work work, ConsoleReply<T> reply);
    // Runs `apply` with the refusal when `basis` names a version that is no longer live.
    template <class Apply>
    void changing(std::string_view setting, std::uint64_t SettingsVersions::*version, SettingChange SettingsChanges::*change,
                  const ChangeBasis& basis, Apply apply);
    static std::string author_of(const ChangeBasis& basis);

    Engine& m_engine;
    DemoTraffic m_demo;
    std::atomic<std::shared_ptr<GatewayKeyStore>> m_keys;
    mutable std::mutex m_change_mutex;
    SettingsChanges m_changes;  // under m_change_mutex
    std::mutex m_probe_mutex;
    std::unique_ptr<HttpClient> m_probe;  // connection tests; made at the first
    TimerThread m_worker;                 // last: stopped first, while what its tasks use still lives
};

}  // namespace sb
