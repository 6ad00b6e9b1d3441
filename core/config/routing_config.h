#pragma once
// Routing configuration: tiers of weighted targets, the rules that pick a tier for a
// request, and the circuit breaker thresholds. Plain values; core/routing acts on them.
// Part of Config ("routing" in config.json) and editable live from the Routing page.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sb {

enum class Balancing {
    Weighted,      // weighted random over the enabled, healthy targets
    LatencyAware,  // weights scaled down for targets whose recent latency is above the tier's best
};
std::string_view to_string(Balancing balancing);

struct RouteTarget {
    std::string provider;  // a configured provider's name
    std::string model;     // empty = the provider's default model
    double weight = 1.0;   // relative within the tier; 0 = standby, for failover only (in list order)
    bool enabled = true;
    bool operator==(const RouteTarget&) const = default;
};

struct TierConfig {
    std::string name;  // "simple", "standard", "advanced", or any operator-chosen name
    std::string description;
    Balancing balancing = Balancing::Weighted;
    bool cache_first = false;  // look the answer up in the response cache before any target
    std::vector<RouteTarget> targets;  // in failover order
    bool operator==(const TierConfig&) const = default;
};

enum class RuleKind {
    Header,        // request header `header` names the tier (value = tier name)
    ModelAlias,    // request model is one of `values` (e.g. "fast", "smart")
    Keywords,      // the last user message contains one of `values` (case-insensitive)
    Regex,         // the last user message matches `pattern` (ECMAScript, case-insensitive)
    TokensAtMost,  // estimated prompt tokens <= threshold
    TokensAtLeast, // estimated prompt tokens >= threshold
    TurnsAtLeast,  // user turns >= threshold
};
std::string_view to_string(RuleKind kind);

struct ClassifierRule {
    std::string name;
    RuleKind kind = RuleKind::Keywords;
    std::string tier;  // the tier it sends matching requests to (unused for Header)
    std::vector<std::string> values;
    std::string pattern;
    std::string header;  // for Header rules, e.g. "x-switchboard-tier"
    std::int64_t threshold = 0;
    bool enabled = true;
    bool operator==(const ClassifierRule&) const = default;
};

struct CircuitConfig {
    int consecutive_failures = 5;        // open after this many failures in a row
    double error_rate = 0.5;             // ... or this failure ratio over the window
    int min_requests = 20;               // ... once the window holds at least this many
    std::chrono::seconds window{30};
    std::chrono::milliseconds cooldown{10'000};  // open → half-open (one probe at a time)
    bool operator==(const CircuitConfig&) const = default;
};

struct RoutingConfig {
    std::vector<TierConfig> tiers;
    std::vector<ClassifierRule> rules;  // first match wins
    std::string default_tier = "standard";
    // The same conversation id goes to the same target while it is healthy (weighted
    // rendezvous hashing, so a weight change moves as few conversations as it can).
    bool sticky_conversations = true;
    // Latency-aware tiers: EWMA half-life of a target's latency, and the smallest share a
    // slow target keeps so its recovery is noticed.
    std::chrono::milliseconds latency_half_life{3'000};
    double latency_min_share = 0.02;
    CircuitConfig circuit;

    const TierConfig* tier(std::string_view name) const;
    bool operator==(const RoutingConfig&) const = default;
};

struct ConfigError;
struct ProviderConfig;

// Checks a routing section against the configured providers: tier names unique and
// non-empty, default_tier and every rule's tier exist, targets name configured providers
// (and, when given, one of the provider's models), weights >= 0, regexes compile,
// thresholds sane. Paths are relative to the routing section ("tiers[1].targets[0].provider").
std::vector<ConfigError> validate_routing(const RoutingConfig& routing, const std::vector<ProviderConfig>& providers);

// The routing used when a config file has none: one tier "standard" whose first target is
// the default provider (weight 1) and whose other targets are the remaining providers with
// weight 0 (failover only), no rules.
RoutingConfig fallback_routing(const std::vector<ProviderConfig>& providers, const std::string& default_provider);

}  // namespace sb

#include <nlohmann/json_fwd.hpp>

namespace sb {

// JSON form ("routing" in config.json). Parse errors carry paths under `path`.
nlohmann::json to_json(const RoutingConfig& routing);
RoutingConfig parse_routing(const nlohmann::json& json, const std::string& path, std::vector<ConfigError>& errors);

}  // namespace sb
