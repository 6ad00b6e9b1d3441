#pragma once
// A fleet member's console API: the instance's own LocalConsole for everything it alone
// knows (its metrics, history, requests), and the fleet for what the instances share. A
// settings change is validated here, stored in Redis as the fleet's next version (refused
// when its base version is stale, or when Redis is out of reach: never applied to this
// instance alone), then applied here; the other instances take it from Redis within a second.
// Versions and changes are the fleet's, so a console's base versions mean the same on every
// instance. API keys are created, changed and revoked in the fleet's records the same way.
#include <array>
#include <memory>
#include <mutex>

#include "console/console_api.h"
#include "fleet/fleet_settings.h"

namespace sb {

class FleetLimits;
class FleetRegistry;
class GatewayKeyStore;
class LocalConsole;

class FleetConsole final : public ConsoleApi {
public:
    FleetConsole(LocalConsole& local, FleetSettings& settings, FleetRegistry& registry, FleetLimits* limits,
                 std::shared_ptr<GatewayKeyStore> keys, std::string member);

    // At start: a setting the fleet has no version of yet gets this instance's; then the
    // fleet's become this instance's, and every later change follows.
    void join();

    ConsoleSource source() const override;
    bool demo_mode() const override;
    MetricsSnapshot metrics(std::chrono::milliseconds window, std::chrono::milliseconds resolution) const override;
    std::vector<TargetMetrics> metrics_by_target(std::chrono::milliseconds window) const override;
    std::vector<MetricsSecond> metrics_seconds(std::int64_t since_s, std::int64_t until_s) const override;
    MetricsTotals metrics_totals() const override;
    EngineStats stats() const override;
    std::vector<TargetState> target_states() const override;
    std::vector<BudgetStatus> budget_status() const override;
    SpendForecast spend_forecast() const override;
    std::optional<ResponseCacheStats> cache_stats() const override;
    std::optional<HistoryWriterStats> history_stats() const override;
    std::optional<LocalHistory> local_history() const override;
    std::unique_ptr<HistorySource> open_history() const override;
    AlertsSnapshot alerts(std::uint64_t known_generation) const override;
    std::uint64_t subscribe_alerts(AlertListener listener) override;
    void unsubscribe_alerts(std::uint64_t token) override;
    SettingsVersions versions() const override;
    SettingsChanges changes() const override;
    std::optional<FleetStatus> fleet() const override;

    std::string submit(ChatRequest request, DoneCallback on_done, DeltaCallback on_delta) override;
    void cancel(const std::string& request_id) override;
    void preview_route(ChatRequest request, ConsoleReply<RoutePreview> reply) const override;
    void preview_cache(ChatRequest request, ConsoleReply<std::optional<CachePreview>> reply) const override;
    void predict(ChatRequest request, ConsoleReply<TokenPrediction> reply) const override;

    Config started_config() const override;
    std::vector<ProviderConfig> providers() const override;
    void apply_providers(std::vector<ProviderConfig> providers, ConsoleReply<void> reply) override;
    void test_connection(ProviderConfig provider, ConsoleReply<ConnectionTest> reply) override;

    RoutingConfig routing() const override;
    void apply_routing(RoutingConfig routing, ChangeBasis basis, ConsoleReply<ConfigVersion> reply) override;
    std::vector<ConfigVersion> config_versions() const override;

    std::optional<std::vector<CacheRule>> cache_rules() const override;
    void apply_cache_rules(std::vector<CacheRule> rules, ChangeBasis basis, ConsoleReply<void> reply) override;
    void purge_cache(std::string rule, ConsoleReply<std::size_t> reply) override;

    std::shared_ptr<const PriceTable> prices() const override;
    void apply_prices(PriceTable prices, ChangeBasis basis, ConsoleReply<void> reply) override;

    std::vector<AlertRule> alert_rules() const override;
    void apply_alert_rules(std::vector<AlertRule> rules, ChangeBasis basis, ConsoleReply<void> reply) override;

    void list_keys(ConsoleReply<std::vector<GatewayKeyInfo>> reply) override;
    void create_key(std::string name, GatewayKeyLimits limits, ConsoleReply<NewGatewayKey> reply) override;
    void change_key_limits(std::string id_or_prefix, GatewayKeyLimitChange change,
                           ConsoleReply<GatewayKeyInfo> reply) override;
    void revoke_key(std::string id_or_prefix, ConsoleReply<GatewayKeyInfo> reply) override;

    bool demo_traffic_running() const override;
    int demo_traffic_rate() const override;
    void start_demo_traffic(int requests_per_second) override;
    void set_demo_traffic_rate(int requests_per_second) override;
    void stop_demo_traffic() override;

private:
    static constexpr std::size_t index(FleetSetting setting) { return static_cast<std::size_t>(setting); }
    // Takes every setting whose fleet version is newer than the one applied here.
    void follow();
    // This instance's live value of a setting, as the fleet stores it; nullopt when it has none
    // (caching off).
    std::optional<std::string> local_value(FleetSetting setting) const;
    // Applies the fleet's version here; m_apply_mutex held.
    void take(FleetSetting setting, const SharedSetting& shared);
    // Stores `value` as the fleet's next version, then applies it here with `apply`.
    template <class T>
    void change(FleetSetting setting, std::string_view what, const std::string& value, const ChangeBasis& basis,
                std::function<ConsoleResult<T>(const ChangeBasis&)> apply, ConsoleReply<T> reply);
    // A key's record changed by `edit`, stored in the fleet, then here.
    void change_key(const std::string& id_or_prefix, std::function<std::expected<void, std::string>(GatewayKeyInfo&)> edit,
                    ConsoleReply<GatewayKeyInfo> reply);
    void applied(FleetSetting setting, std::uint64_t version, const std::string& author, std::int64_t at_ms);
    std::string author_of(const ChangeBasis& basis) const;

    LocalConsole& m_local;
    FleetSettings& m_settings;
    FleetRegistry& m_registry;
    FleetLimits* m_limits;
    const std::shared_ptr<GatewayKeyStore> m_keys;
    const std::string m_member;

    std::mutex m_apply_mutex;  // one change or take at a time, so versions apply in order
    mutable std::mutex m_state_mutex;
    std::array<std::uint64_t, kFleetSettings.size()> m_applied{};  // m_state_mutex
    SettingsChanges m_changes;                                      // m_state_mutex
    std::uint64_t m_rounds_since_key_check = 0;                     // m_apply_mutex
};

}  // namespace sb
