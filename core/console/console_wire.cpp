// The console's types as JSON. Plain structs map field for field (a missing field keeps its
// default, so an older peer's answer still reads); enums travel as the names their
// to_string() gives; times as Unix milliseconds; settings in the config file's own format.
#include "console/console_wire.h"

#include <chrono>
#include <optional>
#include <vector>

#include "alerts/alert_evaluator.h"
#include "cache/response_cache.h"
#include "config/alert_config.h"
#include "config/budget_config.h"
#include "config/cache_config.h"
#include "config/config.h"
#include "config/routing_config.h"
#include "console/console_api.h"
#include "cost/budget_tracker.h"
#include "cost/price_table.h"
#include "engine/engine_status.h"
#include "engine/token_prediction.h"
#include "gateway/gateway_keys.h"
#include "metrics/metrics_registry.h"
#include "model/chat.h"
#include "model/error.h"
#include "providers/connection_test.h"
#include "store/config_version_store.h"
#include "store/history_query.h"
#include "store/history_record.h"
#include "store/history_writer.h"

namespace nlohmann {

template <class T>
struct adl_serializer<std::optional<T>> {
    static void to_json(json& j, const std::optional<T>& value) {
        if (value) j = *value;
        else j = nullptr;
    }
    static void from_json(const json& j, std::optional<T>& value) {
        if (j.is_null()) value.reset();
        else value = j.get<T>();
    }
};

template <>
struct adl_serializer<std::chrono::system_clock::time_point> {
    using time_point = std::chrono::system_clock::time_point;
    static void to_json(json& j, const time_point& t) {
        j = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    }
    static void from_json(const json& j, time_point& t) { t = time_point(std::chrono::milliseconds(j.get<std::int64_t>())); }
};

template <>
struct adl_serializer<std::chrono::milliseconds> {
    static void to_json(json& j, const std::chrono::milliseconds& d) { j = d.count(); }
    static void from_json(const json& j, std::chrono::milliseconds& d) { d = std::chrono::milliseconds(j.get<std::int64_t>()); }
};

template <>
struct adl_serializer<sb::LatencyHistogram> {
    // [[bucket, count], …]: exact, and merged by adding counts.
    static void to_json(json& j, const sb::LatencyHistogram& h) {
        j = json::array();
        for (const auto& [bucket, count] : h.buckets()) j.push_back({bucket, count});
    }
    static void from_json(const json& j, sb::LatencyHistogram& h) {
        h = {};
        for (const auto& entry : j) h.add_to_bucket(entry.at(0).get<std::uint16_t>(), entry.at(1).get<std::uint64_t>());
    }
};

}  // namespace nlohmann

namespace sb {

namespace {

// An enum as its to_string() name; `all` lists the values a name may stand for.
template <class E, std::size_t N>
E enum_named(const nlohmann::json& j, const E (&all)[N]) {
    const auto name = j.get<std::string>();
    for (E value : all)
        if (to_string(value) == name) return value;
    throw std::invalid_argument("unknown value \"" + name + "\"");
}

constexpr CircuitState kCircuitStates[] = {CircuitState::Closed, CircuitState::Open, CircuitState::HalfOpen,
                                           CircuitState::AuthFailed};
constexpr AlertState kAlertStates[] = {AlertState::Pending, AlertState::Firing, AlertState::Resolved};
constexpr ProviderKind kProviderKinds[] = {ProviderKind::OpenAI, ProviderKind::Anthropic, ProviderKind::OpenAICompatible};
constexpr RequestStatus kRequestStatuses[] = {RequestStatus::Ok, RequestStatus::Error, RequestStatus::Cancelled};

}  // namespace

void to_json(nlohmann::json& j, CircuitState s) { j = to_string(s); }
void from_json(const nlohmann::json& j, CircuitState& s) { s = enum_named(j, kCircuitStates); }
void to_json(nlohmann::json& j, AlertState s) { j = to_string(s); }
void from_json(const nlohmann::json& j, AlertState& s) { s = enum_named(j, kAlertStates); }
void to_json(nlohmann::json& j, ProviderKind k) { j = to_string(k); }
void from_json(const nlohmann::json& j, ProviderKind& k) { k = enum_named(j, kProviderKinds); }
void to_json(nlohmann::json& j, RequestStatus s) { j = to_string(s); }
void from_json(const nlohmann::json& j, RequestStatus& s) { s = enum_named(j, kRequestStatuses); }
void to_json(nlohmann::json& j, AlertKind k) { j = to_string(k); }
void from_json(const nlohmann::json& j, AlertKind& k) {
    const auto kind = alert_kind_from_string(j.get<std::string>());
    if (!kind) throw std::invalid_argument("unknown alert kind " + j.dump());
    k = *kind;
}
void to_json(nlohmann::json& j, ErrorClass c) { j = to_string(c); }
void from_json(const nlohmann::json& j, ErrorClass& c) {
    const auto cls = error_class_from_string(j.get<std::string>());
    if (!cls) throw std::invalid_argument("unknown error class " + j.dump());
    c = *cls;
}
void to_json(nlohmann::json& j, Role r) { j = to_string(r); }
void from_json(const nlohmann::json& j, Role& r) {
    const auto role = role_from_string(j.get<std::string>());
    if (!role) throw std::invalid_argument("unknown role " + j.dump());
    r = *role;
}

// Budgets, in the config file's own format.
void to_json(nlohmann::json& j, const Budget& b) { j = sb::to_json(std::vector<Budget>{b}).at(0); }
void from_json(const nlohmann::json& j, Budget& b) {
    std::vector<ConfigError> errors;
    auto budgets = parse_budgets(nlohmann::json::array({j}), "budget", errors);
    if (!errors.empty() || budgets.size() != 1)
        throw std::invalid_argument(errors.empty() ? "not a budget" : errors[0].to_string());
    b = std::move(budgets[0]);
}

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MetricsCell, provider, model, tier, requests, errors, cache_hits,
                                                errors_by_class, tokens_in, tokens_out, cost_usd, dns_ms, connect_ms,
                                                tls_ms, first_byte_ms, total_ms, latency, hedges,
                                                hedges_won, hedge_cost_usd)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MetricsSecond, t_s, cells)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MetricsTotals, lifetime_requests, cost_today_usd)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ProviderStatus, name, simulated, concurrency_limit, in_flight, waiting,
                                                baseline_latency_ms)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(EngineStats, submitted, succeeded, failed, cancelled, retries, failovers, hedges, hedges_won,
                                                providers)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TargetKey, provider, model)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TargetState, tier, target, weight, configured_share, effective_share,
                                                enabled, provider_usable, circuit, latency_ewma_ms, picks)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BudgetStatus, budget, spent_usd, fraction, acting, period_end_ms)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SpendForecast, month_to_date_usd, forecast_usd, daily_rate_usd,
                                                days_in_trend, month_end_ms)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CacheBackendStats, hits, misses, insertions, evictions, expirations,
                                                errors, entries, bytes, max_bytes, available, last_error)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TopQuestion, question, hits)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SharedQuestionStats, published, received, dropped, errors, available,
                                                last_error)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SemanticCacheStats, model, threshold, lookups, hits, errors, stored,
                                                entries, scopes, shared, last_error)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ResponseCacheStats, backend, store, lookups, hits, misses, skipped,
                                                bypassed, coalesced, stored, saved_usd, top_questions, semantic)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(HistoryWriterStats, enqueued, written, commits, duplicates, dropped,
                                                rejected, failed_commits, unwritten, queue_depth, failing, last_error)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AlertEvent, id, rule, kind, subject, severity, state, fired_at,
                                                resolved_at, value, threshold, message)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SettingsVersions, providers, routing, cache_rules, prices, alert_rules)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SettingChange, version, author, at_ms)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SettingsChanges, routing, cache_rules, prices, alert_rules)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FleetInstance, id, url, version, started_ms, heartbeat_ms, live, self,
                                                requests_per_s, p99_ms, error_rate)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FleetStatus, redis, degraded, reason, live_instances, instances)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ConfigVersion, id, at_ms, author, summary, config_json)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GatewayKeyLimits, rpm, tpm, monthly_budget_usd)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GatewayKeyLimitChange, rpm, tpm, monthly_budget_usd)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GatewayKeyInfo, id, name, prefix, created_ms, revoked_ms, limits,
                                                spent_usd, spent_month_ms, last_used_ms)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NewGatewayKey, info, secret)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(HistoryFilter, since_ms, until_ms, provider, model, source, status,
                                                error_class, request_id, batch_id, text_contains, min_latency_ms)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(HistoryCursor, ts_ms, id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(HistoryRecord, id, ts_ms, request_id, source, provider, model, tier,
                                                route_reason, status, error_class, error_message, http_status, attempts, dns_ms,
                                                connect_ms, tls_ms, first_byte_ms, total_ms, tokens_in, tokens_out,
                                                cost_usd, cache_hit, prompt_hash, prompt_text, response_text, batch_id,
                                                batch_line, custom_id, output_json)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(HistoryPage, rows, next)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RollupRow, minute_ms, provider, requests, errors, tokens_in, tokens_out,
                                                cost_usd, latency_sum_ms, latency_max_ms, cache_hits)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Classification, tier, rule, reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TargetChoice, target, reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RoutePreview, classification, choice, problem)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TokenPrediction, model, input_tokens, exact, calibration,
                                                input_cost_usd, max_cost_usd)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PhaseTimings, dns_ms, connect_ms, tls_ms, first_byte_ms, total_ms)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Error, cls, message, http_status, provider_type, provider_code,
                                                provider_request_id, should_retry, retry_after, curl_code)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ConnectionTest, provider, model, error, http_status, timings, reply,
                                                configured_version, reported_version)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ToolCall, id, name, arguments_json)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Message, role, content, name, tool_calls, tool_call_id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ConfigError, path, rule)

// A cache decision carries a TTL in seconds (nullopt with store: pinned).
void to_json(nlohmann::json& j, const CacheDecision& d) {
    j = {{"store", d.store}, {"ttl_s", d.ttl ? nlohmann::json(d.ttl->count()) : nlohmann::json()}, {"rule", d.rule},
         {"reason", d.reason}, {"semantic", d.semantic}};
}
void from_json(const nlohmann::json& j, CacheDecision& d) {
    d.store = j.value("store", true);
    if (const auto& ttl = j.value("ttl_s", nlohmann::json()); !ttl.is_null()) d.ttl = std::chrono::seconds(ttl.get<std::int64_t>());
    d.rule = j.value("rule", "");
    d.reason = j.value("reason", "");
    d.semantic = j.value("semantic", false);
}
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SemanticMatch, key, similarity, question)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CachePreview, target, key, material, decision, nearest, threshold,
                                                semantic_note)

// What a console may see of a provider: never its key, nor how the key is referenced.
void to_json(nlohmann::json& j, const ProviderConfig& p) {
    j = {{"name", p.name},
         {"kind", p.kind},
         {"base_url", p.base_url},
         {"default_model", p.default_model},
         {"models", p.models},
         {"enabled", p.enabled},
         {"simulated", p.simulated},
         {"timeouts", {{"connect_ms", p.timeouts.connect}, {"total_ms", p.timeouts.total}, {"idle_ms", p.timeouts.idle}}},
         {"concurrency", {{"min", p.concurrency.min}, {"initial", p.concurrency.initial}, {"max", p.concurrency.max}}}};
}
void from_json(const nlohmann::json& j, ProviderConfig& p) {
    p.name = j.at("name").get<std::string>();
    p.kind = j.at("kind").get<ProviderKind>();
    p.base_url = p.base_url_ref = j.value("base_url", "");
    p.default_model = j.value("default_model", "");
    p.models = j.value("models", std::vector<std::string>{});
    p.enabled = j.value("enabled", true);
    p.simulated = j.value("simulated", false);
    if (const auto t = j.find("timeouts"); t != j.end()) {
        p.timeouts.connect = t->value("connect_ms", p.timeouts.connect);
        p.timeouts.total = t->value("total_ms", p.timeouts.total);
        p.timeouts.idle = t->value("idle_ms", p.timeouts.idle);
    }
    if (const auto c = j.find("concurrency"); c != j.end()) {
        p.concurrency.min = c->value("min", p.concurrency.min);
        p.concurrency.initial = c->value("initial", p.concurrency.initial);
        p.concurrency.max = c->value("max", p.concurrency.max);
    }
}

// A request to preview: what routing and the cache look at, no transport details.
void to_json(nlohmann::json& j, const ChatRequest& r) {
    j = {{"provider", r.provider}, {"model", r.model},       {"messages", r.messages},
         {"temperature", r.temperature}, {"top_p", r.top_p}, {"max_tokens", r.max_tokens},
         {"stop", r.stop},         {"stream", r.stream},     {"tier", r.tier},
         {"conversation_id", r.conversation_id}, {"extra", r.extra}};
}
void from_json(const nlohmann::json& j, ChatRequest& r) {
    r.provider = j.value("provider", "");
    r.model = j.value("model", "");
    r.messages = j.value("messages", std::vector<Message>{});
    r.temperature = j.value("temperature", std::optional<double>());
    r.top_p = j.value("top_p", std::optional<double>());
    r.max_tokens = j.value("max_tokens", std::optional<int>());
    r.stop = j.value("stop", std::vector<std::string>{});
    r.stream = j.value("stream", false);
    r.tier = j.value("tier", "");
    r.conversation_id = j.value("conversation_id", "");
    r.extra = j.value("extra", nlohmann::json::object());
    r.source = "console";
}

void to_json(nlohmann::json& j, const ConsoleError& e) {
    j = {{"message", e.message}, {"fields", e.fields}, {"current_version", e.current_version}, {"unavailable", e.unavailable}};
}
void from_json(const nlohmann::json& j, ConsoleError& e) {
    e.message = j.value("message", "");
    e.fields = j.value("fields", std::vector<ConfigError>{});
    e.current_version = j.value("current_version", std::optional<std::uint64_t>());
    e.unavailable = j.value("unavailable", false);
}

// Settings, as the config file writes them; decoding validates them like the file's loader.
namespace {

std::string first_errors(const std::vector<ConfigError>& errors) {
    std::string text;
    for (const auto& e : errors) text += (text.empty() ? "" : "; ") + e.to_string();
    return text;
}

template <class T, class Parse>
T parsed(const nlohmann::json& j, const char* path, Parse parse) {
    std::vector<ConfigError> errors;
    T value = parse(j, path, errors);
    if (!errors.empty()) throw std::invalid_argument(first_errors(errors));
    return value;
}

}  // namespace

namespace wire {

template <class T>
nlohmann::json encode(const T& value) {
    if constexpr (std::is_same_v<T, RoutingConfig> || std::is_same_v<T, std::vector<CacheRule>> ||
                  std::is_same_v<T, std::vector<AlertRule>> || std::is_same_v<T, PriceTable> ||
                  std::is_same_v<T, CacheConfig>)
        return sb::to_json(value);
    else
        return nlohmann::json(value);
}

template <class T>
std::expected<T, std::string> decode(const nlohmann::json& json) {
    try {
        if constexpr (std::is_same_v<T, RoutingConfig>)
            return parsed<RoutingConfig>(json, "routing", parse_routing);
        else if constexpr (std::is_same_v<T, std::vector<CacheRule>>)
            return parsed<std::vector<CacheRule>>(json, "rules", parse_cache_rules);
        else if constexpr (std::is_same_v<T, std::vector<AlertRule>>)
            return parsed<std::vector<AlertRule>>(json, "rules", parse_alert_rules);
        else if constexpr (std::is_same_v<T, CacheConfig>)
            return parsed<CacheConfig>(json, "cache", parse_cache);
        else if constexpr (std::is_same_v<T, PriceTable>)
            return PriceTable::parse(json);
        else
            return json.get<T>();
    } catch (const std::exception& e) {
        return std::unexpected(std::string(e.what()));
    }
}

#define SB_WIRE_TYPE(...)                                          \
    template nlohmann::json encode<__VA_ARGS__>(const __VA_ARGS__&); \
    template std::expected<__VA_ARGS__, std::string> decode<__VA_ARGS__>(const nlohmann::json&);

SB_WIRE_TYPE(std::vector<MetricsSecond>)
SB_WIRE_TYPE(MetricsTotals)
SB_WIRE_TYPE(EngineStats)
SB_WIRE_TYPE(std::vector<TargetState>)
SB_WIRE_TYPE(std::vector<BudgetStatus>)
SB_WIRE_TYPE(SpendForecast)
SB_WIRE_TYPE(std::optional<ResponseCacheStats>)
SB_WIRE_TYPE(std::optional<HistoryWriterStats>)
SB_WIRE_TYPE(std::vector<AlertEvent>)
SB_WIRE_TYPE(AlertEvent)
SB_WIRE_TYPE(SettingsVersions)
SB_WIRE_TYPE(SettingChange)
SB_WIRE_TYPE(SettingsChanges)
SB_WIRE_TYPE(std::optional<FleetStatus>)
SB_WIRE_TYPE(FleetInstance)
SB_WIRE_TYPE(ConfigVersion)
SB_WIRE_TYPE(std::vector<ConfigVersion>)
SB_WIRE_TYPE(std::vector<ProviderConfig>)
SB_WIRE_TYPE(ProviderConfig)
SB_WIRE_TYPE(GatewayKeyLimits)
SB_WIRE_TYPE(GatewayKeyLimitChange)
SB_WIRE_TYPE(GatewayKeyInfo)
SB_WIRE_TYPE(std::vector<GatewayKeyInfo>)
SB_WIRE_TYPE(NewGatewayKey)
SB_WIRE_TYPE(HistoryFilter)
SB_WIRE_TYPE(std::optional<HistoryCursor>)
SB_WIRE_TYPE(HistoryPage)
SB_WIRE_TYPE(std::vector<RollupRow>)
SB_WIRE_TYPE(RoutePreview)
SB_WIRE_TYPE(std::optional<CachePreview>)
SB_WIRE_TYPE(TokenPrediction)
SB_WIRE_TYPE(ConnectionTest)
SB_WIRE_TYPE(ChatRequest)
SB_WIRE_TYPE(ConsoleError)
SB_WIRE_TYPE(RoutingConfig)
SB_WIRE_TYPE(std::vector<CacheRule>)
SB_WIRE_TYPE(std::vector<AlertRule>)
SB_WIRE_TYPE(PriceTable)
SB_WIRE_TYPE(CacheConfig)
SB_WIRE_TYPE(std::vector<Budget>)

#undef SB_WIRE_TYPE

}  // namespace wire
}  // namespace sb
