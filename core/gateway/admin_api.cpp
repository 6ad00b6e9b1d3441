#include "gateway/admin_api.h"

#include <optional>
#include <string>
#include <vector>

#include "config/cache_config.h"
#include "config/config.h"
#include "engine/engine.h"
#include "gateway/gateway_errors.h"
#include "gateway/gateway_keys.h"
#include "model/digest.h"
#include "store/history_writer.h"

namespace sb {
namespace {

nlohmann::json stats_json(Engine& engine) {
    const auto stats = engine.stats();
    auto providers = nlohmann::json::array();
    for (const auto& p : stats.providers)
        providers.push_back({{"name", p.name},
                             {"simulated", p.simulated},
                             {"concurrency_limit", p.concurrency_limit},
                             {"in_flight", p.in_flight},
                             {"waiting", p.waiting},
                             {"baseline_latency_ms", p.baseline_latency_ms}});
    nlohmann::json out = {{"engine",
                           {{"submitted", stats.submitted},
                            {"succeeded", stats.succeeded},
                            {"failed", stats.failed},
                            {"cancelled", stats.cancelled},
                            {"retries", stats.retries},
                            {"failovers", stats.failovers},
                            {"providers", std::move(providers)}}},
                          {"cache", nullptr},
                          {"history", nullptr}};
    // A history that cannot be written (disk full, I/O error) is shown here while requests go on.
    if (auto* history = engine.history()) {
        const auto h = history->stats();
        out["history"] = {{"database", engine.database_path().string()},
                          {"enqueued", h.enqueued},
                          {"written", h.written},
                          {"duplicates", h.duplicates},
                          {"dropped", h.dropped},
                          {"rejected", h.rejected},
                          {"failed_commits", h.failed_commits},
                          {"queue_depth", h.queue_depth},
                          {"failing", h.failing},
                          {"last_error", h.last_error}};
    }
    if (auto* cache = engine.cache()) {
        const auto c = cache->stats();
        auto top = nlohmann::json::array();
        for (const auto& q : c.top_questions) top.push_back({{"question", q.question}, {"hits", q.hits}});
        out["cache"] = {{"backend", c.backend},
                        {"lookups", c.lookups},
                        {"hits", c.hits},
                        {"misses", c.misses},
                        {"skipped", c.skipped},
                        {"bypassed", c.bypassed},
                        {"coalesced", c.coalesced},
                        {"stored", c.stored},
                        {"hit_ratio", c.hit_ratio()},
                        {"saved_usd", c.saved_usd},
                        {"entries", c.store.entries},
                        {"bytes", c.store.bytes},
                        {"max_bytes", c.store.max_bytes},
                        {"evictions", c.store.evictions},
                        {"available", c.store.available},
                        {"top_questions", std::move(top)}};
    }
    return out;
}

GatewayError refused(std::string what, const std::vector<std::string>& lines) {
    auto error = invalid_request(std::move(what));
    for (const auto& line : lines) error.message += "\n  " + line;
    if (!lines.empty()) error.param = param_of(lines.front());
    error.details = lines;
    return error;
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        auto line = text.substr(start, end - start);
        while (!line.empty() && line.front() == ' ') line.erase(0, 1);
        if (!line.empty()) lines.push_back(std::move(line));
        start = end + 1;
    }
    return lines;
}

std::optional<nlohmann::json> parse_body(const GatewayRequest& request) {
    auto json = nlohmann::json::parse(request.body, nullptr, false);
    if (json.is_discarded()) return std::nullopt;
    return json;
}

GatewayResponse put_routing(Engine& engine, const GatewayRequest& request) {
    auto json = parse_body(request);
    if (!json) return error_response(invalid_request("the body is not valid JSON"));
    std::vector<ConfigError> errors;
    auto routing = parse_routing(*json, "routing", errors);
    if (!errors.empty()) {
        std::vector<std::string> lines;
        for (const auto& e : errors) lines.push_back(e.to_string());
        return error_response(refused("the routing change was not applied:", lines));
    }
    auto applied = engine.apply_routing(std::move(routing), "gateway-admin");
    if (!applied) {
        // "the routing change was not applied:\n  routing.tiers[0]…": the first line is the summary.
        auto lines = split_lines(applied.error());
        std::string summary = lines.empty() ? "the routing change was not applied" : lines.front();
        if (!lines.empty()) lines.erase(lines.begin());
        return error_response(refused(summary, lines));
    }
    return json_response(200, {{"routing", to_json(engine.routing())},
                               {"version", {{"id", applied->id}, {"summary", applied->summary}}}});
}

GatewayResponse put_cache_rules(ResponseCache& cache, const GatewayRequest& request) {
    auto json = parse_body(request);
    if (!json) return error_response(invalid_request("the body is not valid JSON"));
    // Either the bare array or {"rules": [...]}, as GET returns it.
    const nlohmann::json& rules_json =
        json->is_object() && json->contains("rules") ? (*json)["rules"] : *json;
    std::vector<ConfigError> errors;
    auto rules = parse_cache_rules(rules_json, "rules", errors);
    if (!errors.empty()) {
        std::vector<std::string> lines;
        for (const auto& e : errors) lines.push_back(e.to_string());
        return error_response(refused("the cache rules were not applied:", lines));
    }
    if (auto applied = cache.set_rules(std::move(rules)); !applied)
        return error_response(refused("the cache rules were not applied:", split_lines(applied.error())));
    return json_response(200, {{"rules", to_json(cache.rules())}});
}

}  // namespace

bool admin_key_matches(std::string_view token, std::string_view admin_key_sha256) {
    const auto expected = digest_from_hex(admin_key_sha256);
    return expected && !token.empty() && matches_digest(token, *expected);
}

std::string_view admin_methods(std::string_view path) {
    if (path == "/admin/stats") return "GET";
    if (path == "/admin/routing" || path == "/admin/cache/rules") return "GET, PUT";
    return {};
}

GatewayResponse handle_admin(Engine& engine, const GatewayRequest& request) {
    const bool get = request.method == "GET";
    if (request.path == "/admin/stats") return json_response(200, stats_json(engine));
    if (request.path == "/admin/routing") {
        if (get) return json_response(200, to_json(engine.routing()));
        return put_routing(engine, request);
    }
    auto* cache = engine.cache();
    if (!cache)
        return error_response(not_found("the response cache is off (cache.enabled is false)", "cache_off"));
    if (get) return json_response(200, {{"rules", to_json(cache->rules())}});
    return put_cache_rules(*cache, request);
}

}  // namespace sb
