#include "admin/console_api_server.h"

#include <algorithm>
#include <functional>
#include <string_view>

#include "console/console_api.h"
#include "console/console_wire.h"
#include "gateway/gateway_http.h"
#include "model/clock.h"

namespace sb {

namespace {

using Channel = std::shared_ptr<ResponseChannel>;

GatewayResponse error_reply(int status, const ConsoleError& error) {
    return json_response(status, {{"error", wire::encode(error)}});
}

GatewayResponse bad_request(std::string message) { return error_reply(400, ConsoleError{std::move(message), {}, {}}); }

// A refused change's status: 409 for a stale base version, 503 when it cannot be made now, else 400.
int refusal_status(const ConsoleError& error) {
    if (error.current_version) return 409;
    return error.unavailable ? 503 : 400;
}

// A change's outcome: 200 with `body(value)`, else refusal_status.
template <class T>
ConsoleReply<T> answer(Channel channel, std::function<nlohmann::json(T&)> body) {
    return [channel = std::move(channel), body = std::move(body)](ConsoleResult<T> result) {
        if (!result) return channel->respond(error_reply(refusal_status(result.error()), result.error()));
        channel->respond(json_response(200, body(*result)));
    };
}

ConsoleReply<void> answer_done(Channel channel, std::function<nlohmann::json()> body) {
    return [channel = std::move(channel), body = std::move(body)](ConsoleResult<void> result) {
        if (!result) return channel->respond(error_reply(refusal_status(result.error()), result.error()));
        channel->respond(json_response(200, body()));
    };
}

// The body's `field`, decoded; the error names the field.
template <class T>
std::expected<T, std::string> field(const nlohmann::json& body, const char* name) {
    const auto it = body.find(name);
    if (it == body.end()) return std::unexpected(std::string("the body has no \"") + name + "\"");
    auto value = wire::decode<T>(*it);
    if (!value) return std::unexpected(std::string(name) + ": " + value.error());
    return value;
}

ChangeBasis basis_of(const nlohmann::json& body) {
    ChangeBasis basis;
    if (const auto it = body.find("base_version"); it != body.end() && it->is_number_unsigned())
        basis.base_version = it->get<std::uint64_t>();
    basis.author = body.value("author", "");
    if (basis.author.empty()) basis.author = "admin-api";
    return basis;
}

}  // namespace

ConsoleApiServer::ConsoleApiServer(ConsoleApi& console, InstanceInfo info)
    : m_console(console), m_started_s(info.started_ms / 1000), m_stream(console, std::move(info)),
      m_history(console.open_history()) {}

ConsoleApiServer::~ConsoleApiServer() { m_worker.stop(); }

void ConsoleApiServer::handle(const GatewayRequest& request, const Channel& channel) {
    const std::string_view path = std::string_view(request.path).substr(std::string_view("/admin/v1").size());
    const bool get = request.method == "GET" || request.method == "HEAD";
    const bool put = request.method == "PUT";
    const bool post = request.method == "POST";
    nlohmann::json body = nlohmann::json::object();
    if ((put || post) && !request.body.empty()) {
        body = nlohmann::json::parse(request.body, nullptr, false);
        if (body.is_discarded() || !body.is_object())
            return channel->respond(bad_request("the body is not a JSON object"));
    }
    auto wrong_method = [&](std::string_view allowed) {
        auto response = error_reply(405, ConsoleError{request.method + " is not allowed on " + request.path +
                                                          " (allowed: " + std::string(allowed) + ")",
                                                      {}, {}});
        response.headers.emplace_back("allow", std::string(allowed));
        channel->respond(std::move(response));
    };
    auto refuse = [&](const std::string& message) { channel->respond(bad_request(message)); };

    if (path == "/stream") return get ? m_stream.subscribe(channel) : wrong_method("GET");
    if (path == "/state") return get ? channel->respond(json_response(200, m_stream.state())) : wrong_method("GET");
    if (path == "/metrics/seconds") {
        if (!post) return wrong_method("POST");
        const auto now_s = unix_ms_now() / 1000;
        // Before this process started nothing was recorded here: those seconds are not known.
        const auto since = std::max(body.value("since_s", now_s - 3600), m_started_s);
        const auto until = body.value("until_s", now_s);
        return channel->respond(json_response(200, {{"from_s", since},
                                                    {"until_s", until},
                                                    {"seconds", wire::encode(m_console.metrics_seconds(since, until))},
                                                    {"totals", wire::encode(m_console.metrics_totals())}}));
    }
    if (path.starts_with("/history/")) return post ? history(request, channel) : wrong_method("POST");

    if (path == "/routing") {
        if (get) return channel->respond(json_response(200, {{"routing", wire::encode(m_console.routing())},
                                                             {"version", m_console.versions().routing},
                                                             {"changed", wire::encode(m_console.changes().routing)},
                                                             {"config_versions", wire::encode(m_console.config_versions())}}));
        if (!put) return wrong_method("GET, PUT");
        auto routing = field<RoutingConfig>(body, "routing");
        if (!routing) return refuse(routing.error());
        return m_console.apply_routing(std::move(*routing), basis_of(body),
                                       answer<ConfigVersion>(channel, [this](ConfigVersion& v) -> nlohmann::json {
                                           return {{"version", wire::encode(v)}, {"versions", wire::encode(m_console.versions())}, {"changes", wire::encode(m_console.changes())}};
                                       }));
    }
    if (path == "/cache/rules") {
        if (get) {
            const auto rules = m_console.cache_rules();
            return channel->respond(json_response(200, {{"rules", rules ? wire::encode(*rules) : nlohmann::json()},
                                                        {"version", m_console.versions().cache_rules},
                                                        {"changed", wire::encode(m_console.changes().cache_rules)}}));
        }
        if (!put) return wrong_method("GET, PUT");
        auto rules = field<std::vector<CacheRule>>(body, "rules");
        if (!rules) return refuse(rules.error());
        return m_console.apply_cache_rules(std::move(*rules), basis_of(body), answer_done(channel, [this]() -> nlohmann::json {
            return {{"versions", wire::encode(m_console.versions())}, {"changes", wire::encode(m_console.changes())}};
        }));
    }
    if (path == "/cache/purge") {
        if (!post) return wrong_method("POST");
        return m_console.purge_cache(body.value("rule", ""), answer<std::size_t>(channel, [](std::size_t& n) -> nlohmann::json {
                                         return {{"purged", n}};
                                     }));
    }
    if (path == "/prices") {
        if (get) return channel->respond(json_response(200, {{"prices", wire::encode(*m_console.prices())},
                                                             {"version", m_console.versions().prices},
                                                             {"changed", wire::encode(m_console.changes().prices)}}));
        if (!put) return wrong_method("GET, PUT");
        auto prices = field<PriceTable>(body, "prices");
        if (!prices) return refuse(prices.error());
        return m_console.apply_prices(std::move(*prices), basis_of(body), answer_done(channel, [this]() -> nlohmann::json {
            return {{"versions", wire::encode(m_console.versions())}, {"changes", wire::encode(m_console.changes())}};
        }));
    }
    if (path == "/alerts/rules") {
        if (get) return channel->respond(json_response(200, {{"rules", wire::encode(m_console.alert_rules())},
                                                             {"version", m_console.versions().alert_rules},
                                                             {"changed", wire::encode(m_console.changes().alert_rules)}}));
        if (!put) return wrong_method("GET, PUT");
        auto rules = field<std::vector<AlertRule>>(body, "rules");
        if (!rules) return refuse(rules.error());
        return m_console.apply_alert_rules(std::move(*rules), basis_of(body), answer_done(channel, [this]() -> nlohmann::json {
            return {{"versions", wire::encode(m_console.versions())}, {"changes", wire::encode(m_console.changes())}};
        }));
    }
    if (path == "/fleet") {
        if (!get) return wrong_method("GET");
        const auto fleet = m_console.fleet();
        if (!fleet) return channel->respond(error_reply(404, ConsoleError{"this gateway is not part of a fleet", {}, {}}));
        return channel->respond(json_response(200, wire::encode(fleet)));
    }
    if (path == "/alerts") {
        if (!get) return wrong_method("GET");
        const auto alerts = m_console.alerts(~std::uint64_t{0});
        return channel->respond(json_response(
            200, {{"generation", alerts.generation}, {"firing", alerts.firing}, {"events", wire::encode(alerts.events)}}));
    }
    if (path == "/keys") {
        if (get) return m_console.list_keys(answer<std::vector<GatewayKeyInfo>>(
                   channel, [](std::vector<GatewayKeyInfo>& keys) -> nlohmann::json { return {{"keys", wire::encode(keys)}}; }));
        if (!post) return wrong_method("GET, POST");
        const auto name = body.value("name", "");
        if (name.empty()) return refuse("the body has no \"name\"");
        auto limits = body.contains("limits") ? field<GatewayKeyLimits>(body, "limits") : GatewayKeyLimits{};
        if (!limits) return refuse(limits.error());
        return m_console.create_key(name, *limits, answer<NewGatewayKey>(channel, [](NewGatewayKey& key) -> nlohmann::json {
                                        return wire::encode(key);
                                    }));
    }
    if (path == "/keys/limits" || path == "/keys/revoke") {
        if (!post) return wrong_method("POST");
        const auto key = body.value("key", "");
        if (key.empty()) return refuse("the body has no \"key\" (a key's id or prefix)");
        auto info = answer<GatewayKeyInfo>(channel, [](GatewayKeyInfo& k) -> nlohmann::json { return {{"key", wire::encode(k)}}; });
        if (path == "/keys/revoke") return m_console.revoke_key(key, std::move(info));
        auto change = field<GatewayKeyLimitChange>(body, "change");
        if (!change) return refuse(change.error());
        return m_console.change_key_limits(key, *change, std::move(info));
    }
    if (path == "/providers") {
        if (!get) return wrong_method("GET");
        return channel->respond(json_response(200, {{"providers", wire::encode(m_console.providers())},
                                                    {"targets", wire::encode(m_console.target_states())},
                                                    {"stats", wire::encode(m_console.stats())}}));
    }
    if (path == "/providers/test") {
        if (!post) return wrong_method("POST");
        const auto name = body.value("provider", "");
        for (auto& provider : m_console.providers())
            if (provider.name == name)
                return m_console.test_connection(provider, answer<ConnectionTest>(channel, [](ConnectionTest& t) -> nlohmann::json {
                                                     return wire::encode(t);
                                                 }));
        return channel->respond(error_reply(404, ConsoleError{"no provider is named \"" + name + "\"", {}, {}}));
    }
    if (path == "/demo-traffic") {
        if (put) {
            const int rate = body.value("rate", m_console.demo_traffic_rate());
            if (!body.value("running", true)) m_console.stop_demo_traffic();
            else if (m_console.demo_traffic_running()) m_console.set_demo_traffic_rate(rate);
            else m_console.start_demo_traffic(rate);
        } else if (!get) {
            return wrong_method("GET, PUT");
        }
        return channel->respond(json_response(
            200, {{"running", m_console.demo_traffic_running()}, {"rate", m_console.demo_traffic_rate()}}));
    }
    if (path == "/preview/route" || path == "/preview/cache" || path == "/predict") {
        if (!post) return wrong_method("POST");
        auto chat = field<ChatRequest>(body, "request");
        if (!chat) return refuse(chat.error());
        if (path == "/preview/route")
            return m_console.preview_route(std::move(*chat), answer<RoutePreview>(channel, [](RoutePreview& p) -> nlohmann::json {
                                               return wire::encode(p);
                                           }));
        if (path == "/preview/cache")
            return m_console.preview_cache(
                std::move(*chat), answer<std::optional<CachePreview>>(channel, [](std::optional<CachePreview>& p) -> nlohmann::json {
                    return {{"preview", wire::encode(p)}};
                }));
        return m_console.predict(std::move(*chat), answer<TokenPrediction>(channel, [](TokenPrediction& p) -> nlohmann::json {
                                     return wire::encode(p);
                                 }));
    }
    channel->respond(error_reply(404, ConsoleError{"no admin API at " + request.method + " " + request.path, {}, {}}));
}

// History queries may take a while on a large file: on the worker, one at a time.
void ConsoleApiServer::history(const GatewayRequest& request, const Channel& channel) {
    m_worker.schedule(std::chrono::milliseconds(0), [this, path = request.path, body = request.body, channel] {
        const auto json = nlohmann::json::parse(body.empty() ? "{}" : body, nullptr, false);
        if (json.is_discarded() || !json.is_object()) return channel->respond(bad_request("the body is not a JSON object"));
        auto failed = [&](const std::string& message) { channel->respond(error_reply(500, ConsoleError{message, {}, {}})); };
        if (path == "/admin/v1/history/rollups") {
            auto rows = m_history->rollups(json.value("since_ms", std::int64_t{0}), json.value("until_ms", unix_ms_now()));
            if (!rows) return failed(rows.error());
            return channel->respond(json_response(200, {{"rollups", wire::encode(*rows)}}));
        }
        auto filter = json.contains("filter") ? wire::decode<HistoryFilter>(json["filter"]) : HistoryFilter{};
        if (!filter) return channel->respond(bad_request("filter: " + filter.error()));
        if (path == "/admin/v1/history/count") {
            auto count = m_history->count(*filter);
            if (!count) return failed(count.error());
            return channel->respond(json_response(200, {{"count", *count}}));
        }
        if (path != "/admin/v1/history/page")
            return channel->respond(error_reply(404, ConsoleError{"no admin API at POST " + path, {}, {}}));
        auto after = json.contains("after") ? wire::decode<std::optional<HistoryCursor>>(json["after"])
                                            : std::optional<HistoryCursor>();
        if (!after) return channel->respond(bad_request("after: " + after.error()));
        const int limit = std::clamp(json.value("limit", 100), 1, 1000);
        auto page = m_history->page(*filter, *after, limit);
        if (!page) return failed(page.error());
        channel->respond(json_response(200, wire::encode(*page)));
    });
}

}  // namespace sb
