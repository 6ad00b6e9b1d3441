// The cache section's names, JSON form and cross-checks.
#include "config/cache_config.h"

#include <array>
#include <optional>
#include <set>

#include <boost/regex.hpp>

#include "config/config.h"
#include "config/config_reader.h"
#include "config/enum_names.h"

namespace sb {

namespace {

constexpr std::array kCacheActions{CacheAction::Never, CacheAction::Pin, CacheAction::Ttl};
constexpr std::array kMatches{CacheMatch::Keywords, CacheMatch::Regex, CacheMatch::PersonalData};
constexpr std::array kBackends{CacheBackendKind::Memory, CacheBackendKind::Redis};
constexpr long long kMaxTtlS = 366LL * 24 * 3600;

CacheRule read_cache_rule(const nlohmann::json& json, const std::string& path, std::vector<ConfigError>& errors) {
    CacheRule rule;
    ConfigReader reader(json, path, errors);
    reader.read("name", rule.name);
    read_enum(reader, "action", kCacheActions, rule.action);
    read_enum(reader, "match", kMatches, rule.match);
    reader.read("keywords", rule.keywords);
    reader.read("pattern", rule.pattern);
    int ttl = static_cast<int>(rule.ttl.count());
    reader.read("ttl_s", ttl, 1, kMaxTtlS);
    rule.ttl = std::chrono::seconds(ttl);
    reader.read("enabled", rule.enabled);
    reader.read("semantic", rule.semantic);
    reader.finish();
    return rule;
}

SemanticCacheConfig read_semantic(const nlohmann::json& json, const std::string& path, std::vector<ConfigError>& errors) {
    SemanticCacheConfig semantic;
    ConfigReader reader(json, path, errors);
    if (!reader.is_object()) return semantic;
    reader.read("enabled", semantic.enabled);
    reader.read("model", semantic.model);
    reader.read("threshold", semantic.threshold, 0.0, 1.0);
    int ttl = static_cast<int>(semantic.ttl.count());
    reader.read("ttl_s", ttl, 1, kMaxTtlS);
    semantic.ttl = std::chrono::seconds(ttl);
    reader.read("capacity", semantic.capacity, 1, 10'000'000);
    reader.read("max_scopes", semantic.max_scopes, 1, 1'000'000);
    reader.read("tiers", semantic.tiers);
    if (semantic.enabled && semantic.model.empty()) errors.push_back({reader.child_path("model"), "must name an embedding model"});
    if (semantic.threshold <= 0.0) errors.push_back({reader.child_path("threshold"), "must be above 0"});
    reader.finish();
    return semantic;
}

}  // namespace

std::string_view to_string(CacheAction action) {
    switch (action) {
    case CacheAction::Never: return "never";
    case CacheAction::Pin: return "pin";
    case CacheAction::Ttl: return "ttl";
    }
    return "?";
}

std::string_view to_string(CacheMatch match) {
    switch (match) {
    case CacheMatch::Keywords: return "keywords";
    case CacheMatch::Regex: return "regex";
    case CacheMatch::PersonalData: return "personal_data";
    }
    return "?";
}

std::string_view to_string(CacheBackendKind kind) {
    switch (kind) {
    case CacheBackendKind::Memory: return "memory";
    case CacheBackendKind::Redis: return "redis";
    }
    return "?";
}

std::vector<CacheRule> parse_cache_rules(const nlohmann::json& json, const std::string& path,
                                         std::vector<ConfigError>& errors) {
    return read_array(json, path, "rules", errors, read_cache_rule);
}

CacheConfig parse_cache(const nlohmann::json& json, const std::string& path, std::vector<ConfigError>& errors) {
    CacheConfig cache;
    ConfigReader reader(json, path, errors);
    if (!reader.is_object()) return cache;
    reader.read("enabled", cache.enabled);
    read_enum(reader, "backend", kBackends, cache.backend);
    std::size_t max_mb = cache.max_bytes >> 20;
    reader.read("max_mb", max_mb, 1, 1 << 20);
    cache.max_bytes = max_mb << 20;
    reader.read("turns", cache.turns, 1, 100);
    reader.read("coalesce_in_flight", cache.coalesce_in_flight);
    int ttl = static_cast<int>(cache.default_ttl.count());
    reader.read("default_ttl_s", ttl, 1, kMaxTtlS);
    cache.default_ttl = std::chrono::seconds(ttl);
    if (const auto* rules = reader.raw("rules")) {
        const auto before = errors.size();
        cache.rules = parse_cache_rules(*rules, reader.child_path("rules"), errors);
        if (errors.size() == before)
            for (auto& e : validate_cache_rules(cache.rules))
                errors.push_back({reader.child_path("rules") + e.path, std::move(e.rule)});
    }
    if (const auto* redis_json = reader.raw("redis")) cache.redis = parse_redis(*redis_json, reader.child_path("redis"), errors);
    if (const auto* semantic = reader.raw("semantic")) cache.semantic = read_semantic(*semantic, reader.child_path("semantic"), errors);
    reader.finish();
    return cache;
}

std::vector<ConfigError> validate_cache_rules(const std::vector<CacheRule>& rules) {
    std::vector<ConfigError> errors;
    std::set<std::string> names;
    for (std::size_t i = 0; i < rules.size(); ++i) {
        const CacheRule& rule = rules[i];
        const std::string at = "[" + std::to_string(i) + "]";
        if (rule.name.empty()) errors.push_back({at + ".name", "must not be empty"});
        else if (!names.insert(rule.name).second)
            errors.push_back({at + ".name", "must be unique (\"" + rule.name + "\" is used twice)"});
        if (rule.ttl.count() <= 0) errors.push_back({at + ".ttl_s", "must be at least 1"});
        if (rule.semantic && rule.action == CacheAction::Never)
            errors.push_back({at + ".semantic", "a \"never\" rule's conversations are never cached, semantically or not"});
        switch (rule.match) {
        case CacheMatch::Keywords: {
            bool any = false;
            for (const auto& keyword : rule.keywords) any = any || !keyword.empty();
            if (!any) errors.push_back({at + ".keywords", "must list at least one keyword"});
            break;
        }
        case CacheMatch::Regex:
            if (rule.pattern.empty()) {
                errors.push_back({at + ".pattern", "must not be empty"});
            } else {
                try {
                    boost::regex(rule.pattern, boost::regex::ECMAScript | boost::regex::icase);
                } catch (const boost::regex_error& e) {
                    errors.push_back({at + ".pattern", std::string("is not a valid regular expression: ") + e.what()});
                }
            }
            break;
        case CacheMatch::PersonalData: break;
        }
    }
    return errors;
}

nlohmann::json to_json(const std::vector<CacheRule>& rules) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& rule : rules) {
        nlohmann::json json = {{"name", rule.name}, {"action", to_string(rule.action)}, {"match", to_string(rule.match)}};
        if (rule.match == CacheMatch::Keywords) json["keywords"] = rule.keywords;
        if (rule.match == CacheMatch::Regex) json["pattern"] = rule.pattern;
        if (rule.action == CacheAction::Ttl) json["ttl_s"] = rule.ttl.count();
        json["enabled"] = rule.enabled;
        if (rule.semantic) json["semantic"] = true;
        out.push_back(std::move(json));
    }
    return out;
}

RedisConfig parse_redis(const nlohmann::json& json, const std::string& path, std::vector<ConfigError>& errors,
                        RedisConfig config) {
    ConfigReader redis(json, path, errors);
    redis.read("host", config.host);
    redis.read("port", config.port, 1, 65535);
    redis.read("database", config.database, 0, 1024);
    redis.read("password", config.password_ref);
    redis.read("key_prefix", config.key_prefix);
    redis.read_ms("connect_timeout_ms", config.connect_timeout, 1, 60'000);
    redis.read_ms("command_timeout_ms", config.command_timeout, 1, 60'000);
    redis.finish();
    return config;
}

nlohmann::json to_json(const RedisConfig& redis) {
    return {{"host", redis.host},
            {"port", redis.port},
            {"database", redis.database},
            {"password", redis.password_ref},
            {"key_prefix", redis.key_prefix},
            {"connect_timeout_ms", redis.connect_timeout.count()},
            {"command_timeout_ms", redis.command_timeout.count()}};
}

nlohmann::json to_json(const CacheConfig& cache) {
    return {
        {"enabled", cache.enabled},
        {"backend", to_string(cache.backend)},
        {"max_mb", cache.max_bytes >> 20},
        {"turns", cache.turns},
        {"coalesce_in_flight", cache.coalesce_in_flight},
        {"default_ttl_s", cache.default_ttl.count()},
        {"rules", to_json(cache.rules)},
        {"redis", to_json(cache.redis)},
        {"semantic",
         {{"enabled", cache.semantic.enabled},
          {"model", cache.semantic.model},
          {"threshold", cache.semantic.threshold},
          {"ttl_s", cache.semantic.ttl.count()},
          {"capacity", cache.semantic.capacity},
          {"max_scopes", cache.semantic.max_scopes},
          {"tiers", cache.semantic.tiers}}},
    };
}

}  // namespace sb
