#pragma once
// The console's view of a gateway on another machine, through its admin API v1
// (admin/console_api_server.h). One Server-Sent Events stream brings everything the pages
// read — state once, then a tick a second, settings and alerts when they change — into a
// local copy: reads answer from it at once and never wait on the network. The figures go into
// a replica MetricsRegistry, so charts are drawn exactly as for a local engine, with a gap
// where no tick arrived. Changes, previews, history queries and key operations are HTTP
// calls that reply when the gateway answers.
//
// A stream that sends nothing for 2 s is taken for lost: source() says so at once, and the
// stream is opened again with growing pauses (0.5 s doubling to 10 s) until the gateway
// answers; then the missed seconds it still holds are fetched. Plain http is refused unless
// the gateway is on this machine (loopback); https checks the certificate against the
// system's CAs or the given CA file.
#include <atomic>
#include <expected>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "console/console_api.h"
#include "engine/scheduler.h"
#include "metrics/metrics_registry.h"
#include "transport/sse_parser.h"

namespace sb {

class HttpClient;

struct RemoteConsoleOptions {
    std::string url;        // "https://gw-eu-1.example:8443"
    std::string admin_key;  // the gateway's admin key (kept by the caller in its secret store)
    std::string ca_file;    // PEM; empty = the system's trust store
    std::string operator_name = "console";  // the author of the changes made here
    std::chrono::milliseconds silence_limit{2000};  // no byte for this long: the link is lost
};

class RemoteConsole final : public ConsoleApi {
public:
    // Nothing on the network yet: a URL that may not be used is refused here, with why.
    static std::expected<std::unique_ptr<RemoteConsole>, std::string> create(RemoteConsoleOptions options);
    ~RemoteConsole() override;  // ends the stream; replies still due are dropped

    // Opens the stream; source() shows Connecting until the first state arrives.
    void connect();
    // Waits (a worker thread, a test) until the first state arrived or the link failed.
    bool wait_connected(std::chrono::milliseconds limit) const;

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
    std::optional<LocalHistory> local_history() const override { return std::nullopt; }
    std::unique_ptr<HistorySource> open_history() const override;
    AlertsSnapshot alerts(std::uint64_t known_generation) const override;
    std::uint64_t subscribe_alerts(AlertListener listener) override;
    void unsubscribe_alerts(std::uint64_t token) override;
    SettingsVersions versions() const override;
    SettingsChanges changes() const override;
    std::optional<FleetStatus> fleet() const override;  // as the last tick had it

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

    // An admin API call: the decoded JSON of a 2xx answer, else why not (the gateway's own
    // message, 409's current version included). `done` runs on the transport's thread.
    using CallDone = std::function<void(ConsoleResult<nlohmann::json>)>;
    void call(std::string method, std::string path, nlohmann::json body, CallDone done) const;

private:
    explicit RemoteConsole(RemoteConsoleOptions options);
    struct Mirror;  // the copy of the gateway's state, under m_mutex

    void open_stream();
    void on_stream_bytes(std::uint64_t generation, std::string_view bytes);
    void on_stream_end(std::uint64_t generation, std::string why);
    void on_event(const SseEvent& event);
    void apply_state(const nlohmann::json& state);
    void apply_tick(const nlohmann::json& tick);
    void apply_settings(const nlohmann::json& settings);
    void apply_alerts(const nlohmann::json& alerts);
    void backfill(std::int64_t since_s);
    void check_silence();
    void lose(std::string why);  // m_mutex not held
    template <class T>
    void put(std::string path, nlohmann::json body, std::function<void(Mirror&, const nlohmann::json&)> applied,
             ConsoleReply<T> reply);

    const RemoteConsoleOptions m_options;
    mutable std::mutex m_mutex;
    mutable std::condition_variable m_changed;
    std::unique_ptr<Mirror> m_mirror;
    MetricsRegistry m_metrics{std::chrono::hours(1), MetricsRegistry::Kind::Replica};
    SseParser m_parser;                    // the stream's; transport thread only
    std::uint64_t m_stream_generation = 0;  // bumped per stream opened; old streams' bytes are ignored
    std::uint64_t m_stream_id = 0;          // the transfer, to cancel it
    std::atomic<std::int64_t> m_last_byte_ms{0};
    int m_failures = 0;                     // in a row, for the backoff
    bool m_stopping = false;
    // Destroyed before everything above, after the timer: its destructor cancels the stream and
    // every call and runs their callbacks, which still find all the rest (and m_http itself).
    std::unique_ptr<HttpClient> m_http;
    TimerThread m_timer;  // last: silence checks and reconnects stop before the rest goes
};

}  // namespace sb
