// A fleet member's console API: the instance's own figures, the fleet's settings.
#include "fleet/fleet_console.h"

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "config/alert_config.h"
#include "config/routing_config.h"
#include "console/console_wire.h"
#include "console/local_console.h"
#include "fleet/fleet_limits.h"
#include "fleet/fleet_registry.h"
#include "gateway/gateway_key_store.h"
#include "model/clock.h"

namespace sb {

namespace {

ConsoleError console_error(std::string message) { return ConsoleError{std::move(message), {}}; }

ConsoleError field_errors(std::string message, std::vector<ConfigError> fields) {
    for (const auto& field : fields) message += "\n  " + field.to_string();
    return ConsoleError{std::move(message), std::move(fields)};
}

template <class T>
std::expected<T, std::string> decoded_setting(const std::string& text) {
    const auto json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded()) return std::unexpected(std::string("not JSON"));
    return wire::decode<T>(json);
}

}  // namespace

FleetConsole::FleetConsole(LocalConsole& local, FleetSettings& settings, FleetRegistry& registry, FleetLimits* limits,
                           std::shared_ptr<GatewayKeyStore> keys, std::string member)
    : m_local(local), m_settings(settings), m_registry(registry), m_limits(limits), m_keys(std::move(keys)),
      m_member(std::move(member)) {}

// ---- following the fleet ---------------------------------------------------------------

void FleetConsole::join() {
    follow();
    m_settings.watch([this] { follow(); });
}

std::optional<std::string> FleetConsole::local_value(FleetSetting setting) const {
    switch (setting) {
    case FleetSetting::Routing: return wire::encode(m_local.routing()).dump();
    case FleetSetting::CacheRules:
        if (auto rules = m_local.cache_rules()) return wire::encode(*rules).dump();
        return std::nullopt;
    case FleetSetting::Prices: return wire::encode(*m_local.prices()).dump();
    case FleetSetting::AlertRules: return wire::encode(m_local.alert_rules()).dump();
    case FleetSetting::Keys: return std::nullopt;
    }
    return std::nullopt;
}

void FleetConsole::follow() {
    auto versions = m_settings.versions();
    if (!versions) return;  // Redis is out of reach: the registry says so; the next round tries again
    std::lock_guard apply(m_apply_mutex);
    for (const auto setting : kFleetSettings) {
        const std::uint64_t fleet_version = (*versions)[index(setting)];
        std::uint64_t known = 0;
        {
            std::lock_guard lock(m_state_mutex);
            known = m_applied[index(setting)];
        }
        if (setting == FleetSetting::Keys) {
            if (!m_keys) continue;
            // Keys made or revoked on this instance outside the fleet (with the CLI) become the
            // fleet's: at the first round, then every 10th (about every 5 s).
            if (m_rounds_since_key_check++ % 10 == 0) {
                auto fleet_keys = m_settings.keys();
                auto own = m_keys->records();
                if (!fleet_keys || !own) continue;
                std::vector<GatewayKeyRecord> news;
                for (const auto& record : *own) {
                    const auto shared = std::find_if(fleet_keys->begin(), fleet_keys->end(),
                                                     [&](const GatewayKeyRecord& r) { return r.info.id == record.info.id; });
                    if (shared == fleet_keys->end() || (record.info.revoked() && !shared->info.revoked()))
                        news.push_back(record);
                }
                if (!news.empty()) {
                    (void)m_settings.put_keys(news, "API keys");
                    continue;  // the version moved: the next round takes it
                }
            }
            if (fleet_version < known) {
                // Redis lost the records (restarted empty): this instance's go back.
                if (auto own = m_keys->records()) (void)m_settings.put_keys(*own, "API keys");
                applied(setting, 0, {}, unix_ms_now());
                continue;
            }
            if (fleet_version == known) continue;
            auto records = m_settings.keys();
            if (!records || !m_keys->upsert(*records)) continue;
            applied(setting, fleet_version, {}, unix_ms_now());
            continue;
        }
        if (fleet_version < known) {
            // Redis lost the settings (restarted empty): this instance's live ones go back at
            // the version it had, unless another instance's came first.
            if (auto value = local_value(setting)) {
                std::lock_guard lock(m_state_mutex);
                const SettingChange* change = setting == FleetSetting::Routing      ? &m_changes.routing
                                              : setting == FleetSetting::CacheRules ? &m_changes.cache_rules
                                              : setting == FleetSetting::Prices     ? &m_changes.prices
                                                                                    : &m_changes.alert_rules;
                (void)m_settings.restore(setting, known, *value, change->author);
            }
            continue;
        }
        if (fleet_version == 0) {
            // The fleet has none yet: this instance's own becomes version 1 (taken next round).
            if (auto value = local_value(setting))
                (void)m_settings.seed(setting, *value, m_member + " (its configuration at start)");
            continue;
        }
        if (fleet_version == known) continue;
        auto shared = m_settings.get(setting);
        if (shared && shared->version > known) take(setting, *shared);
    }
}

void FleetConsole::take(FleetSetting setting, const SharedSetting& shared) {
    const ChangeBasis basis{std::nullopt, shared.author};
    std::string failure;
    auto note = [&](const auto& result) {
        if (!result) failure = result.error().message;
    };
    switch (setting) {
    case FleetSetting::Routing:
        if (auto routing = decoded_setting<RoutingConfig>(shared.value))
            m_local.apply_routing(std::move(*routing), basis, [&](ConsoleResult<ConfigVersion> r) { note(r); });
        else
            failure = routing.error();
        break;
    case FleetSetting::CacheRules:
        if (!m_local.cache_rules()) break;  // caching is off here: nothing to apply
        if (auto rules = decoded_setting<std::vector<CacheRule>>(shared.value))
            m_local.apply_cache_rules(std::move(*rules), basis, [&](ConsoleResult<void> r) { note(r); });
        else
            failure = rules.error();
        break;
    case FleetSetting::Prices:
        if (auto prices = decoded_setting<PriceTable>(shared.value))
            m_local.apply_prices(std::move(*prices), basis, [&](ConsoleResult<void> r) { note(r); });
        else
            failure = prices.error();
        break;
    case FleetSetting::AlertRules:
        if (auto rules = decoded_setting<std::vector<AlertRule>>(shared.value))
            m_local.apply_alert_rules(std::move(*rules), basis, [&](ConsoleResult<void> r) { note(r); });
        else
            failure = rules.error();
        break;
    case FleetSetting::Keys: break;
    }
    if (!failure.empty())
        std::fprintf(stderr, "fleet: version %llu of the %s could not be applied here: %s\n",
                     static_cast<unsigned long long>(shared.version), std::string(to_string(setting)).c_str(),
                     failure.c_str());
    // Taken either way: retrying the same version would fail the same way.
    applied(setting, shared.version, shared.author, shared.at_ms);
}

void FleetConsole::applied(FleetSetting setting, std::uint64_t version, const std::string& author, std::int64_t at_ms) {
    std::lock_guard lock(m_state_mutex);
    m_applied[index(setting)] = version;
    const SettingChange change{version, author, at_ms};
    switch (setting) {
    case FleetSetting::Routing: m_changes.routing = change; break;
    case FleetSetting::CacheRules: m_changes.cache_rules = change; break;
    case FleetSetting::Prices: m_changes.prices = change; break;
    case FleetSetting::AlertRules: m_changes.alert_rules = change; break;
    case FleetSetting::Keys: break;
    }
}

std::string FleetConsole::author_of(const ChangeBasis& basis) const {
    return basis.author.empty() ? "console via " + m_member : basis.author;
}

template <class T>
void FleetConsole::change(FleetSetting setting, std::string_view what, const std::string& value, const ChangeBasis& basis,
                          std::function<ConsoleResult<T>(const ChangeBasis&)> apply, ConsoleReply<T> reply) {
    std::lock_guard lock(m_apply_mutex);
    const ChangeBasis signed_basis{basis.base_version, author_of(basis)};
    auto version = m_settings.put(setting, value, signed_basis, what);
    if (!version) return reply(std::unexpected(std::move(version.error())));
    auto result = apply(ChangeBasis{std::nullopt, signed_basis.author});
    applied(setting, *version, signed_basis.author, unix_ms_now());
    reply(std::move(result));
}

// ---- settings --------------------------------------------------------------------------

void FleetConsole::apply_routing(RoutingConfig routing, ChangeBasis basis, ConsoleReply<ConfigVersion> reply) {
    if (auto errors = validate_routing(routing, m_local.providers()); !errors.empty())
        return reply(std::unexpected(field_errors("the routing settings were not applied:", std::move(errors))));
    const auto value = wire::encode(routing).dump();
    change<ConfigVersion>(
        FleetSetting::Routing, "routing settings", value, basis,
        [&](const ChangeBasis& local) {
            ConsoleResult<ConfigVersion> result = std::unexpected(ConsoleError{});
            m_local.apply_routing(std::move(routing), local, [&](ConsoleResult<ConfigVersion> r) { result = std::move(r); });
            return result;
        },
        std::move(reply));
}

void FleetConsole::apply_cache_rules(std::vector<CacheRule> rules, ChangeBasis basis, ConsoleReply<void> reply) {
    if (!m_local.cache_rules()) return reply(std::unexpected(console_error("the response cache is off (cache.enabled is false)")));
    if (auto errors = validate_cache_rules(rules); !errors.empty())
        return reply(std::unexpected(field_errors("the cache rules were not applied:", std::move(errors))));
    const auto value = wire::encode(rules).dump();
    change<void>(
        FleetSetting::CacheRules, "cache rules", value, basis,
        [&](const ChangeBasis& local) {
            ConsoleResult<void> result;
            m_local.apply_cache_rules(std::move(rules), local, [&](ConsoleResult<void> r) { result = std::move(r); });
            return result;
        },
        std::move(reply));
}

void FleetConsole::apply_prices(PriceTable prices, ChangeBasis basis, ConsoleReply<void> reply) {
    const auto value = wire::encode(prices).dump();
    change<void>(
        FleetSetting::Prices, "prices", value, basis,
        [&](const ChangeBasis& local) {
            ConsoleResult<void> result;
            m_local.apply_prices(std::move(prices), local, [&](ConsoleResult<void> r) { result = std::move(r); });
            return result;
        },
        std::move(reply));
}

void FleetConsole::apply_alert_rules(std::vector<AlertRule> rules, ChangeBasis basis, ConsoleReply<void> reply) {
    if (auto errors = validate_alert_rules(rules); !errors.empty())
        return reply(std::unexpected(field_errors("the alert rules were not applied:", std::move(errors))));
    const auto value = wire::encode(rules).dump();
    change<void>(
        FleetSetting::AlertRules, "alert rules", value, basis,
        [&](const ChangeBasis& local) {
            ConsoleResult<void> result;
            m_local.apply_alert_rules(std::move(rules), local, [&](ConsoleResult<void> r) { result = std::move(r); });
            return result;
        },
        std::move(reply));
}

SettingsVersions FleetConsole::versions() const {
    SettingsVersions versions = m_local.versions();  // providers stay this instance's own
    std::lock_guard lock(m_state_mutex);
    versions.routing = m_applied[index(FleetSetting::Routing)];
    versions.cache_rules = m_applied[index(FleetSetting::CacheRules)];
    versions.prices = m_applied[index(FleetSetting::Prices)];
    versions.alert_rules = m_applied[index(FleetSetting::AlertRules)];
    return versions;
}

SettingsChanges FleetConsole::changes() const {
    std::lock_guard lock(m_state_mutex);
    return m_changes;
}

std::optional<FleetStatus> FleetConsole::fleet() const { return m_registry.status(); }

// ---- keys ------------------------------------------------------------------------------

void FleetConsole::list_keys(ConsoleReply<std::vector<GatewayKeyInfo>> reply) {
    m_local.list_keys([this, reply = std::move(reply)](ConsoleResult<std::vector<GatewayKeyInfo>> keys) {
        if (keys && m_limits) {
            // Spend across the fleet; this instance's own when Redis is out of reach.
            std::vector<std::string> ids;
            for (const auto& key : *keys) ids.push_back(key.id);
            if (auto spend = m_limits->fleet_spend(ids)) {
                const std::int64_t month = utc_month_start_ms(unix_ms_now());
                for (auto& key : *keys) {
                    key.spent_usd = std::max((*spend)[key.id], key.spent_in_month_of(unix_ms_now()));
                    key.spent_month_ms = month;
                }
            }
        }
        reply(std::move(keys));
    });
}

void FleetConsole::create_key(std::string name, GatewayKeyLimits limits, ConsoleReply<NewGatewayKey> reply) {
    if (!m_keys) return reply(std::unexpected(console_error("gateway keys are kept in the history database, and history is off")));
    auto minted = mint_gateway_key(name, limits, unix_ms_now());
    if (!minted) return reply(std::unexpected(console_error(std::move(minted.error()))));
    auto& [created, digest] = *minted;
    std::lock_guard lock(m_apply_mutex);
    const GatewayKeyRecord record{created.info, digest};
    if (auto stored = m_settings.put_keys({record}, "API keys"); !stored) return reply(std::unexpected(std::move(stored.error())));
    if (auto here = m_keys->upsert({record}); !here) return reply(std::unexpected(console_error(std::move(here.error()))));
    reply(std::move(created));
}

void FleetConsole::change_key(const std::string& id_or_prefix,
                              std::function<std::expected<void, std::string>(GatewayKeyInfo&)> edit,
                              ConsoleReply<GatewayKeyInfo> reply) {
    if (!m_keys) return reply(std::unexpected(console_error("gateway keys are kept in the history database, and history is off")));
    std::lock_guard lock(m_apply_mutex);
    auto found = m_keys->find(id_or_prefix);
    if (!found) return reply(std::unexpected(console_error(std::move(found.error()))));
    auto records = m_keys->records();
    if (!records) return reply(std::unexpected(console_error(std::move(records.error()))));
    auto it = std::find_if(records->begin(), records->end(), [&](const auto& r) { return r.info.id == found->id; });
    if (it == records->end()) return reply(std::unexpected(console_error("the key " + found->id + " is no longer here")));
    GatewayKeyRecord record = *it;
    if (auto edited = edit(record.info); !edited) return reply(std::unexpected(console_error(std::move(edited.error()))));
    if (auto stored = m_settings.put_keys({record}, "API keys"); !stored) return reply(std::unexpected(std::move(stored.error())));
    if (auto here = m_keys->upsert({record}); !here) return reply(std::unexpected(console_error(std::move(here.error()))));
    auto info = m_keys->info(record.info.id);
    if (!info) return reply(std::unexpected(console_error("the key " + record.info.id + " is no longer here")));
    reply(std::move(*info));
}

void FleetConsole::change_key_limits(std::string id_or_prefix, GatewayKeyLimitChange change,
                                     ConsoleReply<GatewayKeyInfo> reply) {
    if (auto checked = check_limit_change(change); !checked) return reply(std::unexpected(console_error(checked.error())));
    change_key(
        id_or_prefix,
        [change](GatewayKeyInfo& info) -> std::expected<void, std::string> {
            if (info.revoked())
                return std::unexpected("the key " + info.id + " \"" + info.name + "\" was revoked; its limits no longer apply");
            if (change.rpm) info.limits.rpm = *change.rpm;
            if (change.tpm) info.limits.tpm = *change.tpm;
            if (change.monthly_budget_usd) info.limits.monthly_budget_usd = *change.monthly_budget_usd;
            return {};
        },
        std::move(reply));
}

void FleetConsole::revoke_key(std::string id_or_prefix, ConsoleReply<GatewayKeyInfo> reply) {
    change_key(
        id_or_prefix,
        [](GatewayKeyInfo& info) -> std::expected<void, std::string> {
            if (!info.revoked()) info.revoked_ms = unix_ms_now();  // a second revocation keeps the first time
            return {};
        },
        std::move(reply));
}

// ---- this instance's own ---------------------------------------------------------------

ConsoleSource FleetConsole::source() const { return m_local.source(); }
bool FleetConsole::demo_mode() const { return m_local.demo_mode(); }
MetricsSnapshot FleetConsole::metrics(std::chrono::milliseconds window, std::chrono::milliseconds resolution) const {
    return m_local.metrics(window, resolution);
}
std::vector<TargetMetrics> FleetConsole::metrics_by_target(std::chrono::milliseconds window) const {
    return m_local.metrics_by_target(window);
}
std::vector<MetricsSecond> FleetConsole::metrics_seconds(std::int64_t since_s, std::int64_t until_s) const {
    return m_local.metrics_seconds(since_s, until_s);
}
MetricsTotals FleetConsole::metrics_totals() const { return m_local.metrics_totals(); }
EngineStats FleetConsole::stats() const { return m_local.stats(); }
std::vector<TargetState> FleetConsole::target_states() const { return m_local.target_states(); }
std::vector<BudgetStatus> FleetConsole::budget_status() const { return m_local.budget_status(); }
SpendForecast FleetConsole::spend_forecast() const { return m_local.spend_forecast(); }
std::optional<ResponseCacheStats> FleetConsole::cache_stats() const { return m_local.cache_stats(); }
std::optional<HistoryWriterStats> FleetConsole::history_stats() const { return m_local.history_stats(); }
std::optional<LocalHistory> FleetConsole::local_history() const { return m_local.local_history(); }
std::unique_ptr<HistorySource> FleetConsole::open_history() const { return m_local.open_history(); }
AlertsSnapshot FleetConsole::alerts(std::uint64_t known_generation) const { return m_local.alerts(known_generation); }
std::uint64_t FleetConsole::subscribe_alerts(AlertListener listener) { return m_local.subscribe_alerts(std::move(listener)); }
void FleetConsole::unsubscribe_alerts(std::uint64_t token) { m_local.unsubscribe_alerts(token); }

std::string FleetConsole::submit(ChatRequest request, DoneCallback on_done, DeltaCallback on_delta) {
    return m_local.submit(std::move(request), std::move(on_done), std::move(on_delta));
}
void FleetConsole::cancel(const std::string& request_id) { m_local.cancel(request_id); }
void FleetConsole::preview_route(ChatRequest request, ConsoleReply<RoutePreview> reply) const {
    m_local.preview_route(std::move(request), std::move(reply));
}
void FleetConsole::preview_cache(ChatRequest request, ConsoleReply<std::optional<CachePreview>> reply) const {
    m_local.preview_cache(std::move(request), std::move(reply));
}
void FleetConsole::predict(ChatRequest request, ConsoleReply<TokenPrediction> reply) const {
    m_local.predict(std::move(request), std::move(reply));
}

Config FleetConsole::started_config() const { return m_local.started_config(); }
std::vector<ProviderConfig> FleetConsole::providers() const { return m_local.providers(); }
void FleetConsole::apply_providers(std::vector<ProviderConfig> providers, ConsoleReply<void> reply) {
    m_local.apply_providers(std::move(providers), std::move(reply));
}
void FleetConsole::test_connection(ProviderConfig provider, ConsoleReply<ConnectionTest> reply) {
    m_local.test_connection(std::move(provider), std::move(reply));
}
RoutingConfig FleetConsole::routing() const { return m_local.routing(); }
std::vector<ConfigVersion> FleetConsole::config_versions() const { return m_local.config_versions(); }
std::optional<std::vector<CacheRule>> FleetConsole::cache_rules() const { return m_local.cache_rules(); }
void FleetConsole::purge_cache(std::string rule, ConsoleReply<std::size_t> reply) {
    m_local.purge_cache(std::move(rule), std::move(reply));
}
std::shared_ptr<const PriceTable> FleetConsole::prices() const { return m_local.prices(); }
std::vector<AlertRule> FleetConsole::alert_rules() const { return m_local.alert_rules(); }

bool FleetConsole::demo_traffic_running() const { return m_local.demo_traffic_running(); }
int FleetConsole::demo_traffic_rate() const { return m_local.demo_traffic_rate(); }
void FleetConsole::start_demo_traffic(int requests_per_second) { m_local.start_demo_traffic(requests_per_second); }
void FleetConsole::set_demo_traffic_rate(int requests_per_second) { m_local.set_demo_traffic_rate(requests_per_second); }
void FleetConsole::stop_demo_traffic() { m_local.stop_demo_traffic(); }

}  // namespace sb
