// LocalConsole: the console's operations on an Engine in this process.
#include "console/local_console.h"

#include "gateway/gateway_key_store.h"
#include "model/clock.h"
#include "transport/http_client.h"

namespace sb {

namespace {

ConsoleError message_only(std::string message) { return ConsoleError{std::move(message), {}}; }

ConsoleError from_fields(std::string message, std::vector<ConfigError> fields) {
    for (const auto& field : fields) message += "\n  " + field.to_string();
    return ConsoleError{std::move(message), std::move(fields)};
}

ConsoleError stale(std::string_view setting, std::uint64_t base, std::uint64_t live) {
    ConsoleError error{"not applied: the " + std::string(setting) + " changed since you loaded them (you edited version " +
                           std::to_string(base) + ", version " + std::to_string(live) +
                           " is live); look at the live ones and apply again",
                       {}};
    error.current_version = live;
    return error;
}

}  // namespace

LocalConsole::LocalConsole(Engine& engine) : m_engine(engine), m_demo(engine) {}

LocalConsole::~LocalConsole() {
    m_demo.stop();
    m_worker.stop();
}

void LocalConsole::set_key_store(std::shared_ptr<GatewayKeyStore> keys) { m_keys.store(std::move(keys)); }

template <class T, class Work>
void LocalConsole::in_background(Work work, ConsoleReply<T> reply) {
    m_worker.schedule(std::chrono::milliseconds(0),
                      [work = std::move(work), reply = std::move(reply)]() mutable { reply(work()); });
}

// Key operations are one short SQLite transaction each: they reply before returning.
template <class T, class Work>
void LocalConsole::with_keys(Work work, ConsoleReply<T> reply) {
    const std::shared_ptr<GatewayKeyStore> keys = m_keys.load();  // open while it works, even if the gateway goes
    if (!keys) return reply(std::unexpected(message_only("gateway keys are kept in the history database, and history is off")));
    auto done = work(*keys);
    if (!done) return reply(std::unexpected(message_only(std::move(done.error()))));
    reply(std::move(*done));
}

ConsoleSource LocalConsole::source() const {
    return {ConsoleSource::Link::Local, m_engine.demo_mode() ? "Local engine (demo)" : "Local engine", {}};
}

template <class Apply>
void LocalConsole::changing(std::string_view setting, std::uint64_t SettingsVersions::*version,
                            SettingChange SettingsChanges::*change, const ChangeBasis& basis, Apply apply) {
    // One change at a time, so the version checked is the one changed.
    std::lock_guard lock(m_change_mutex);
    const auto live = m_engine.settings_versions().*version;
    if (basis.base_version && *basis.base_version != live) return apply(std::optional(stale(setting, *basis.base_version, live)));
    apply(std::optional<ConsoleError>());
    if (const auto now = m_engine.settings_versions().*version; now != live)  // applied, not refused
        m_changes.*change = {now, author_of(basis), unix_ms_now()};
}

SettingsChanges LocalConsole::changes() const {
    std::lock_guard lock(m_change_mutex);
    return m_changes;
}

std::string LocalConsole::author_of(const ChangeBasis& basis) { return basis.author.empty() ? "console" : basis.author; }

MetricsSnapshot LocalConsole::metrics(std::chrono::milliseconds window, std::chrono::milliseconds resolution) const {
    return m_engine.metrics().recent(window, resolution);
}

std::vector<TargetMetrics> LocalConsole::metrics_by_target(std::chrono::milliseconds window) const {
    return m_engine.metrics().by_target(window);
}

std::optional<ResponseCacheStats> LocalConsole::cache_stats() const {
    if (auto* cache = m_engine.cache()) return cache->stats();
    return std::nullopt;
}

std::optional<HistoryWriterStats> LocalConsole::history_stats() const {
    if (auto* history = m_engine.history()) return history->stats();
    return std::nullopt;
}

std::optional<LocalHistory> LocalConsole::local_history() const {
    if (m_engine.database_path().empty()) return std::nullopt;
    return LocalHistory{m_engine.database_path(), m_engine.history_text_policy()};
}

std::unique_ptr<HistorySource> LocalConsole::open_history() const {
    return local_history_source(m_engine.database_path(), m_engine.history_cipher());
}

AlertsSnapshot LocalConsole::alerts(std::uint64_t known_generation) const {
    const auto& evaluator = m_engine.alerts();
    AlertsSnapshot snapshot;
    snapshot.generation = evaluator.generation();  // before the events: a change in between shows next time
    if (snapshot.generation != known_generation) snapshot.events = evaluator.events();
    snapshot.firing = evaluator.firing_count();
    return snapshot;
}

std::uint64_t LocalConsole::subscribe_alerts(AlertListener listener) { return m_engine.alerts().subscribe(std::move(listener)); }
void LocalConsole::unsubscribe_alerts(std::uint64_t token) { m_engine.alerts().unsubscribe(token); }

std::string LocalConsole::submit(ChatRequest request, DoneCallback on_done, DeltaCallback on_delta) {
    return m_engine.submit(std::move(request), std::move(on_done), std::move(on_delta));
}

void LocalConsole::preview_route(ChatRequest request, ConsoleReply<RoutePreview> reply) const {
    reply(m_engine.preview_route(request));
}

void LocalConsole::preview_cache(ChatRequest request, ConsoleReply<std::optional<CachePreview>> reply) const {
    m_engine.preview_cache(request, [reply = std::move(reply)](std::optional<CachePreview> preview) { reply(std::move(preview)); });
}

void LocalConsole::predict(ChatRequest request, ConsoleReply<TokenPrediction> reply) const { reply(m_engine.predict(request)); }

void LocalConsole::apply_providers(std::vector<ProviderConfig> providers, ConsoleReply<void> reply) {
    auto applied = m_engine.apply_providers(std::move(providers));
    if (!applied) return reply(std::unexpected(from_fields("the providers were not applied:", std::move(applied.error()))));
    reply({});
}

void LocalConsole::test_connection(ProviderConfig provider, ConsoleReply<ConnectionTest> reply) {
    HttpClient* client = nullptr;
    {
        std::lock_guard lock(m_probe_mutex);
        if (!m_probe) m_probe = std::make_unique<HttpClient>();
        client = m_probe.get();
    }
    sb::test_connection(*client, provider, [reply = std::move(reply)](ConnectionTest result) { reply(std::move(result)); });
}

void LocalConsole::apply_routing(RoutingConfig routing, ChangeBasis basis, ConsoleReply<ConfigVersion> reply) {
    ConsoleResult<ConfigVersion> result = std::unexpected(ConsoleError{});
    changing("routing settings", &SettingsVersions::routing, &SettingsChanges::routing, basis, [&](std::optional<ConsoleError> refused) {
        if (refused) return void(result = std::unexpected(std::move(*refused)));
        auto applied = m_engine.apply_routing(std::move(routing), author_of(basis));
        if (!applied) return void(result = std::unexpected(message_only(std::move(applied.error()))));
        result = std::move(*applied);
    });
    reply(std::move(result));
}

std::optional<std::vector<CacheRule>> LocalConsole::cache_rules() const {
    if (auto* cache = m_engine.cache()) return cache->rules();
    return std::nullopt;
}

void LocalConsole::apply_cache_rules(std::vector<CacheRule> rules, ChangeBasis basis, ConsoleReply<void> reply) {
    auto* cache = m_engine.cache();
    if (!cache) return reply(std::unexpected(message_only("the response cache is off (cache.enabled is false)")));
    ConsoleResult<void> result;
    changing("cache rules", &SettingsVersions::cache_rules, &SettingsChanges::cache_rules, basis, [&](std::optional<ConsoleError> refused) {
        if (refused) return void(result = std::unexpected(std::move(*refused)));
        if (auto applied = cache->set_rules(std::move(rules)); !applied)
            result = std::unexpected(message_only(std::move(applied.error())));
    });
    reply(std::move(result));
}

void LocalConsole::purge_cache(std::string rule, ConsoleReply<std::size_t> reply) {
    in_background<std::size_t>(
        [this, rule = std::move(rule)]() -> ConsoleResult<std::size_t> {
            auto* cache = m_engine.cache();
            if (!cache) return std::unexpected(message_only("the response cache is off (cache.enabled is false)"));
            return rule.empty() ? cache->purge_all() : cache->purge_rule(rule);
        },
        std::move(reply));
}

void LocalConsole::apply_prices(PriceTable prices, ChangeBasis basis, ConsoleReply<void> reply) {
    ConsoleResult<void> result;
    changing("prices", &SettingsVersions::prices, &SettingsChanges::prices, basis, [&](std::optional<ConsoleError> refused) {
        if (refused) return void(result = std::unexpected(std::move(*refused)));
        m_engine.set_prices(std::move(prices));
    });
    reply(std::move(result));
}

void LocalConsole::apply_alert_rules(std::vector<AlertRule> rules, ChangeBasis basis, ConsoleReply<void> reply) {
    ConsoleResult<void> result;
    changing("alert rules", &SettingsVersions::alert_rules, &SettingsChanges::alert_rules, basis, [&](std::optional<ConsoleError> refused) {
        if (refused) return void(result = std::unexpected(std::move(*refused)));
        if (auto applied = m_engine.apply_alert_rules(std::move(rules)); !applied)
            result = std::unexpected(from_fields("the alert rules were not applied:", std::move(applied.error())));
    });
    if (result) m_engine.evaluate_alerts();
    reply(std::move(result));
}

void LocalConsole::list_keys(ConsoleReply<std::vector<GatewayKeyInfo>> reply) {
    with_keys<std::vector<GatewayKeyInfo>>([](GatewayKeyStore& keys) { return keys.list(); }, std::move(reply));
}

void LocalConsole::create_key(std::string name, GatewayKeyLimits limits, ConsoleReply<NewGatewayKey> reply) {
    with_keys<NewGatewayKey>([name = std::move(name), limits](GatewayKeyStore& keys) { return keys.create(name, limits); },
                             std::move(reply));
}

void LocalConsole::change_key_limits(std::string id_or_prefix, GatewayKeyLimitChange change,
                                     ConsoleReply<GatewayKeyInfo> reply) {
    with_keys<GatewayKeyInfo>(
        [id = std::move(id_or_prefix), change](GatewayKeyStore& keys) { return keys.change_limits(id, change); },
        std::move(reply));
}

void LocalConsole::revoke_key(std::string id_or_prefix, ConsoleReply<GatewayKeyInfo> reply) {
    with_keys<GatewayKeyInfo>([id = std::move(id_or_prefix)](GatewayKeyStore& keys) { return keys.revoke(id); },
                              std::move(reply));
}

}  // namespace sb
