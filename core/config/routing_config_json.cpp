// The routing section's JSON form: to_json writes it, parse_routing reads it back with
// every problem reported as "<path>: <rule>" (types, ranges, unknown keys). Cross-checks
// (tiers exist, providers exist, regexes compile) are validate_routing's job.
#include <array>
#include <cmath>
#include <limits>
#include <optional>

#include "config/config_reader.h"
#include "config/enum_names.h"
#include "config/routing_config.h"
#include "config/routing_limits.h"

namespace sb {

namespace {

namespace limits = routing_limits;

constexpr std::array kBalancings{Balancing::Weighted, Balancing::LatencyAware};
constexpr std::array kRuleKinds{RuleKind::Header,        RuleKind::ModelAlias,    RuleKind::Keywords,
                                RuleKind::Regex,         RuleKind::TokensAtMost,  RuleKind::TokensAtLeast,
                                RuleKind::TurnsAtLeast};

// Weights are written as integers when they are whole, as people write them.
nlohmann::json weight_json(double weight) {
    if (std::isfinite(weight) && weight == std::floor(weight) && std::abs(weight) < 1e15)
        return static_cast<std::int64_t>(weight);
    return weight;
}

bool uses_tier(RuleKind kind) { return kind != RuleKind::Header; }
bool uses_values(RuleKind kind) { return kind == RuleKind::ModelAlias || kind == RuleKind::Keywords; }
bool uses_threshold(RuleKind kind) {
    return kind == RuleKind::TokensAtMost || kind == RuleKind::TokensAtLeast || kind == RuleKind::TurnsAtLeast;
}

nlohmann::json rule_json(const ClassifierRule& rule) {
    nlohmann::json json = {{"name", rule.name}, {"kind", to_string(rule.kind)}};
    if (rule.kind == RuleKind::Header) json["header"] = rule.header;
    if (uses_values(rule.kind)) json["values"] = rule.values;
    if (rule.kind == RuleKind::Regex) json["pattern"] = rule.pattern;
    if (uses_threshold(rule.kind)) json["threshold"] = rule.threshold;
    if (uses_tier(rule.kind)) json["tier"] = rule.tier;
    json["enabled"] = rule.enabled;
    return json;
}

RouteTarget read_target(const nlohmann::json& json, const std::string& path, std::vector<ConfigError>& errors) {
    RouteTarget target;
    ConfigReader reader(json, path, errors);
    reader.read("provider", target.provider);
    reader.read("model", target.model);
    // Any number here: the range is validate_routing's, so a live edit gets the same words.
    reader.read("weight", target.weight, std::numeric_limits<double>::lowest(), std::numeric_limits<double>::max());
    reader.read("enabled", target.enabled);
    reader.finish();
    return target;
}

TierConfig read_tier(const nlohmann::json& json, const std::string& path, std::vector<ConfigError>& errors) {
    TierConfig tier;
    ConfigReader reader(json, path, errors);
    reader.read("name", tier.name);
    reader.read("description", tier.description);
    if (reader.has("balancing")) {
        std::string name;
        reader.read("balancing", name);
        if (const auto balancing = enum_from_name(kBalancings, name)) tier.balancing = *balancing;
        else reader.fail("balancing", must_be_one_of(kBalancings));
    }
    reader.read("cache_first", tier.cache_first);
    if (const auto* targets = reader.raw("targets")) {
        if (!targets->is_array()) reader.fail("targets", "must be an array of targets");
        else
            for (std::size_t i = 0; i < targets->size(); ++i)
                tier.targets.push_back(
                    read_target((*targets)[i], reader.child_path("targets") + "[" + std::to_string(i) + "]", errors));
    }
    reader.finish();
    return tier;
}

ClassifierRule read_classifier_rule(const nlohmann::json& json, const std::string& path, std::vector<ConfigError>& errors) {
    ClassifierRule rule;
    ConfigReader reader(json, path, errors);
    reader.read("name", rule.name);
    reader.read("enabled", rule.enabled);
    std::string kind_name;
    reader.read("kind", kind_name);
    const auto kind = enum_from_name(kRuleKinds, kind_name);
    if (kind) rule.kind = *kind;
    else reader.fail("kind", must_be_one_of(kRuleKinds));

    // A field the kind does not use is most likely a mistake (a pattern on a keywords rule
    // is silently ignored otherwise). With an unknown kind, only the kind is reported.
    const auto wanted = [&](std::string_view key, bool used) {
        if (!reader.has(key)) return false;
        if (!kind || used) return true;
        reader.raw(key);
        reader.fail(key, "is not used by a " + std::string(to_string(*kind)) + " rule");
        return false;
    };
    if (wanted("tier", !kind || uses_tier(*kind))) reader.read("tier", rule.tier);
    if (wanted("values", !kind || uses_values(*kind))) reader.read("values", rule.values);
    if (wanted("pattern", !kind || *kind == RuleKind::Regex)) reader.read("pattern", rule.pattern);
    if (wanted("header", !kind || *kind == RuleKind::Header)) reader.read("header", rule.header);
    if (wanted("threshold", !kind || uses_threshold(*kind))) {
        const auto* threshold = reader.raw("threshold");
        if (!threshold->is_number_integer()) reader.fail("threshold", "must be an integer");
        else rule.threshold = threshold->get<std::int64_t>();
    }
    reader.finish();
    return rule;
}

void read_circuit(ConfigReader& parent, CircuitConfig& out, std::vector<ConfigError>& errors) {
    const auto* json = parent.raw("circuit");
    if (!json) return;
    ConfigReader reader(*json, parent.child_path("circuit"), errors);
    reader.read("consecutive_failures", out.consecutive_failures, limits::kConsecutiveFailuresMin,
                limits::kConsecutiveFailuresMax);
    reader.read("error_rate", out.error_rate, limits::kErrorRateMin, limits::kErrorRateMax);
    reader.read("min_requests", out.min_requests, limits::kMinRequestsMin, limits::kMinRequestsMax);
    int window_s = static_cast<int>(out.window.count());
    reader.read("window_s", window_s, limits::kWindowMinS, limits::kWindowMaxS);
    out.window = std::chrono::seconds(window_s);
    reader.read_ms("cooldown_ms", out.cooldown, limits::kCooldownMinMs, limits::kCooldownMaxMs);
    reader.finish();
}

}  // namespace

nlohmann::json to_json(const RoutingConfig& routing) {
    nlohmann::json tiers = nlohmann::json::array();
    for (const TierConfig& tier : routing.tiers) {
        nlohmann::json targets = nlohmann::json::array();
        for (const RouteTarget& t : tier.targets)
            targets.push_back(
                {{"provider", t.provider}, {"model", t.model}, {"weight", weight_json(t.weight)}, {"enabled", t.enabled}});
        tiers.push_back({{"name", tier.name},
                         {"description", tier.description},
                         {"balancing", to_string(tier.balancing)},
                         {"cache_first", tier.cache_first},
                         {"targets", std::move(targets)}});
    }
    nlohmann::json rules = nlohmann::json::array();
    for (const ClassifierRule& rule : routing.rules) rules.push_back(rule_json(rule));
    const CircuitConfig& c = routing.circuit;
    return {
        {"default_tier", routing.default_tier},
        {"sticky_conversations", routing.sticky_conversations},
        {"latency_half_life_ms", routing.latency_half_life.count()},
        {"latency_min_share", routing.latency_min_share},
        {"circuit",
         {{"consecutive_failures", c.consecutive_failures},
          {"error_rate", c.error_rate},
          {"min_requests", c.min_requests},
          {"window_s", c.window.count()},
          {"cooldown_ms", c.cooldown.count()}}},
        {"tiers", std::move(tiers)},
        {"rules", std::move(rules)},
    };
}

RoutingConfig parse_routing(const nlohmann::json& json, const std::string& path, std::vector<ConfigError>& errors) {
    RoutingConfig routing;
    ConfigReader reader(json, path, errors);
    if (!reader.is_object()) return routing;
    reader.read("default_tier", routing.default_tier);
    reader.read("sticky_conversations", routing.sticky_conversations);
    reader.read_ms("latency_half_life_ms", routing.latency_half_life, limits::kHalfLifeMinMs, limits::kHalfLifeMaxMs);
    reader.read("latency_min_share", routing.latency_min_share, limits::kMinShareMin, limits::kMinShareMax);
    read_circuit(reader, routing.circuit, errors);
    if (const auto* tiers = reader.raw("tiers")) {
        if (!tiers->is_array()) reader.fail("tiers", "must be an array of tiers");
        else
            for (std::size_t i = 0; i < tiers->size(); ++i)
                routing.tiers.push_back(
                    read_tier((*tiers)[i], reader.child_path("tiers") + "[" + std::to_string(i) + "]", errors));
    }
    if (const auto* rules = reader.raw("rules")) {
        if (!rules->is_array()) reader.fail("rules", "must be an array of rules");
        else
            for (std::size_t i = 0; i < rules->size(); ++i)
                routing.rules.push_back(
                    read_classifier_rule((*rules)[i], reader.child_path("rules") + "[" + std::to_string(i) + "]", errors));
    }
    reader.finish();
    return routing;
}

}  // namespace sb
