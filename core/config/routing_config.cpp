#include "config/routing_config.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <regex>
#include <set>

#include "config/config.h"
#include "config/routing_limits.h"

namespace sb {

namespace {

namespace limits = routing_limits;

std::string indexed(std::string_view name, std::size_t i) {
    return std::string(name) + "[" + std::to_string(i) + "]";
}

const ProviderConfig* find_provider(const std::vector<ProviderConfig>& providers, std::string_view name) {
    for (const auto& p : providers)
        if (p.name == name) return &p;
    return nullptr;
}

bool offers_model(const ProviderConfig& provider, const std::string& model) {
    // A provider without a model list (e.g. a local server) serves whatever it is asked for.
    return provider.models.empty() || model == provider.default_model ||
           std::find(provider.models.begin(), provider.models.end(), model) != provider.models.end();
}

// RFC 9110 token characters: what a header name may contain.
bool is_header_name(std::string_view name) {
    static constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || extra.find(c) != std::string_view::npos;
    });
}

void validate_tier(const TierConfig& tier, const std::string& path, const std::vector<ProviderConfig>& providers,
                   std::vector<ConfigError>& errors) {
    if (tier.targets.empty()) errors.push_back({path + ".targets", "must list at least one target"});
    std::set<std::pair<std::string, std::string>> seen;
    for (std::size_t j = 0; j < tier.targets.size(); ++j) {
        const RouteTarget& target = tier.targets[j];
        const std::string target_path = path + "." + indexed("targets", j);
        if (!(target.weight >= 0) || !std::isfinite(target.weight))
            errors.push_back({target_path + ".weight", "must be a number of at least 0"});
        const ProviderConfig* provider = find_provider(providers, target.provider);
        // Disabled providers stay valid targets: the router skips them until they work.
        if (!provider) {
            errors.push_back({target_path + ".provider", "must name one of the configured providers"});
            continue;
        }
        if (!target.model.empty() && !offers_model(*provider, target.model))
            errors.push_back({target_path + ".model", "must be one of the models of provider \"" + provider->name + "\""});
        // The router keeps its learned state per (provider, model): a repeat would share it.
        const std::string model = target.model.empty() ? provider->default_model : target.model;
        if (!seen.emplace(provider->name, model).second)
            errors.push_back({target_path, "must not repeat " + provider->name + "/" + model + " within the tier"});
    }
}

void validate_threshold(const ClassifierRule& rule, const std::string& path, std::vector<ConfigError>& errors) {
    const bool turns = rule.kind == RuleKind::TurnsAtLeast;
    const long long min = turns ? limits::kTurnsMin : limits::kTokensMin;
    const long long max = turns ? limits::kTurnsMax : limits::kTokensMax;
    if (rule.threshold < min || rule.threshold > max)
        errors.push_back({path + ".threshold", limits::integer_rule(min, max)});
}

void validate_rule(const ClassifierRule& rule, const std::string& path, const RoutingConfig& routing,
                   std::vector<ConfigError>& errors) {
    if (rule.kind != RuleKind::Header && !routing.tier(rule.tier))
        errors.push_back({path + ".tier", "must name one of the tiers"});
    switch (rule.kind) {
    case RuleKind::Header:
        if (!is_header_name(rule.header))
            errors.push_back({path + ".header", "must be a header name such as \"x-switchboard-tier\""});
        break;
    case RuleKind::ModelAlias:
    case RuleKind::Keywords:
        if (rule.values.empty()) errors.push_back({path + ".values", "must list at least one value"});
        for (std::size_t k = 0; k < rule.values.size(); ++k)
            if (rule.values[k].empty()) errors.push_back({path + "." + indexed("values", k), "must not be empty"});
        break;
    case RuleKind::Regex:
        if (rule.pattern.empty()) {
            errors.push_back({path + ".pattern", "must not be empty"});
            break;
        }
        // Compiled the way the classifier compiles it, so what passes here also runs there.
        try {
            std::regex compiled(rule.pattern, std::regex::ECMAScript | std::regex::icase);
        } catch (const std::regex_error& e) {
            errors.push_back({path + ".pattern", std::string("must be a valid regular expression (") + e.what() + ")"});
        }
        break;
    case RuleKind::TokensAtMost:
    case RuleKind::TokensAtLeast:
    case RuleKind::TurnsAtLeast: validate_threshold(rule, path, errors); break;
    }
}

void validate_knobs(const RoutingConfig& routing, std::vector<ConfigError>& errors) {
    const auto half_life = routing.latency_half_life.count();
    if (half_life < limits::kHalfLifeMinMs || half_life > limits::kHalfLifeMaxMs)
        errors.push_back({"latency_half_life_ms", limits::ms_rule(limits::kHalfLifeMinMs, limits::kHalfLifeMaxMs)});
    if (!(routing.latency_min_share >= limits::kMinShareMin && routing.latency_min_share <= limits::kMinShareMax))
        errors.push_back({"latency_min_share", limits::number_rule(limits::kMinShareMin, limits::kMinShareMax)});

    const CircuitConfig& c = routing.circuit;
    if (c.consecutive_failures < limits::kConsecutiveFailuresMin || c.consecutive_failures > limits::kConsecutiveFailuresMax)
        errors.push_back({"circuit.consecutive_failures",
                          limits::integer_rule(limits::kConsecutiveFailuresMin, limits::kConsecutiveFailuresMax)});
    if (!(c.error_rate >= limits::kErrorRateMin && c.error_rate <= limits::kErrorRateMax))
        errors.push_back({"circuit.error_rate", limits::number_rule(limits::kErrorRateMin, limits::kErrorRateMax)});
    if (c.min_requests < limits::kMinRequestsMin || c.min_requests > limits::kMinRequestsMax)
        errors.push_back({"circuit.min_requests", limits::integer_rule(limits::kMinRequestsMin, limits::kMinRequestsMax)});
    if (c.window.count() < limits::kWindowMinS || c.window.count() > limits::kWindowMaxS)
        errors.push_back({"circuit.window_s", limits::integer_rule(limits::kWindowMinS, limits::kWindowMaxS)});
    if (c.cooldown.count() < limits::kCooldownMinMs || c.cooldown.count() > limits::kCooldownMaxMs)
        errors.push_back({"circuit.cooldown_ms", limits::ms_rule(limits::kCooldownMinMs, limits::kCooldownMaxMs)});
}

}  // namespace

std::vector<ConfigError> validate_routing(const RoutingConfig& routing, const std::vector<ProviderConfig>& providers) {
    std::vector<ConfigError> errors;
    if (routing.tiers.empty()) errors.push_back({"tiers", "must list at least one tier"});
    std::set<std::string, std::less<>> tier_names;
    for (std::size_t i = 0; i < routing.tiers.size(); ++i) {
        const TierConfig& tier = routing.tiers[i];
        const std::string path = indexed("tiers", i);
        if (tier.name.empty()) errors.push_back({path + ".name", "must not be empty"});
        else if (!tier_names.insert(tier.name).second)
            errors.push_back({path + ".name", "must be unique (\"" + tier.name + "\" is used twice)"});
        validate_tier(tier, path, providers, errors);
    }
    if (!routing.tier(routing.default_tier)) errors.push_back({"default_tier", "must name one of the tiers"});

    // Rule names appear in every routing decision's reason, so they must tell rules apart.
    std::set<std::string, std::less<>> rule_names;
    for (std::size_t i = 0; i < routing.rules.size(); ++i) {
        const ClassifierRule& rule = routing.rules[i];
        const std::string path = indexed("rules", i);
        if (rule.name.empty()) errors.push_back({path + ".name", "must not be empty"});
        else if (!rule_names.insert(rule.name).second)
            errors.push_back({path + ".name", "must be unique (\"" + rule.name + "\" is used twice)"});
        validate_rule(rule, path, routing, errors);
    }
    validate_knobs(routing, errors);
    return errors;
}

RoutingConfig fallback_routing(const std::vector<ProviderConfig>& providers, const std::string& default_provider) {
    TierConfig tier;
    tier.name = "standard";
    tier.description = "Every request: the default provider, the others for failover only.";
    for (const auto& p : providers)
        if (p.name == default_provider) tier.targets.push_back({p.name, "", 1.0, true});
    for (const auto& p : providers)
        if (p.name != default_provider) tier.targets.push_back({p.name, "", 0.0, true});
    RoutingConfig routing;
    routing.tiers.push_back(std::move(tier));
    routing.default_tier = "standard";
    return routing;
}

}  // namespace sb
