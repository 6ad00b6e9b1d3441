// Stable names of the routing enums (config.json and the Routing page use them) and the
// tier lookup. The rest of routing_config.h (validation, JSON) lives in its own files.
#include "config/routing_config.h"

namespace sb {

std::string_view to_string(Balancing balancing) {
    switch (balancing) {
    case Balancing::Weighted: return "weighted";
    case Balancing::LatencyAware: return "latency_aware";
    }
    return "weighted";
}

std::string_view to_string(RuleKind kind) {
    switch (kind) {
    case RuleKind::Header: return "header";
    case RuleKind::ModelAlias: return "model_alias";
    case RuleKind::Keywords: return "keywords";
    case RuleKind::Regex: return "regex";
    case RuleKind::TokensAtMost: return "tokens_at_most";
    case RuleKind::TokensAtLeast: return "tokens_at_least";
    case RuleKind::TurnsAtLeast: return "turns_at_least";
    }
    return "keywords";
}

const TierConfig* RoutingConfig::tier(std::string_view name) const {
    for (const auto& t : tiers)
        if (t.name == name) return &t;
    return nullptr;
}

}  // namespace sb
