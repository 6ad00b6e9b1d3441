#include "routing/routing_figures.h"

#include <QObject>

#include <algorithm>

namespace routing_figures {

std::string defaultModel(std::string_view provider, const std::vector<sb::ProviderConfig>& providers) {
    for (const auto& p : providers)
        if (p.name == provider) return p.default_model;
    return {};
}

std::string resolvedModel(const sb::RouteTarget& target, const std::vector<sb::ProviderConfig>& providers) {
    return target.model.empty() ? defaultModel(target.provider, providers) : target.model;
}

std::vector<double> configuredShares(const sb::TierConfig& tier) {
    std::vector<double> shares(tier.targets.size(), 0.0);
    double sum = 0;
    int enabled = 0;
    for (const auto& t : tier.targets)
        if (t.enabled) {
            sum += std::max(t.weight, 0.0);
            ++enabled;
        }
    for (std::size_t i = 0; i < tier.targets.size(); ++i) {
        const auto& t = tier.targets[i];
        if (!t.enabled) continue;
        shares[i] = sum > 0 ? std::max(t.weight, 0.0) / sum : 1.0 / enabled;
    }
    return shares;
}

std::optional<double> servedShare(const sb::TierConfig& tier, const sb::RouteTarget& target,
                                  const std::vector<sb::TargetMetrics>& metrics,
                                  const std::vector<sb::ProviderConfig>& providers) {
    const std::string model = resolvedModel(target, providers);
    std::uint64_t total = 0, mine = 0;
    for (const auto& m : metrics) {
        if (m.tier != tier.name) continue;
        total += m.requests;
        if (m.provider == target.provider && m.model == model) mine += m.requests;
    }
    if (total == 0) return std::nullopt;
    return double(mine) / double(total);
}

const sb::TargetState* stateOf(const std::vector<sb::TargetState>& states, std::string_view tier,
                               const sb::RouteTarget& target, const std::vector<sb::ProviderConfig>& providers) {
    const std::string model = resolvedModel(target, providers);
    for (const auto& s : states)
        if (s.tier == tier && s.target.provider == target.provider && s.target.model == model) return &s;
    return nullptr;
}

QString circuitText(sb::CircuitState state) {
    switch (state) {
    case sb::CircuitState::Closed: return QObject::tr("closed");
    case sb::CircuitState::HalfOpen: return QObject::tr("half-open");
    case sb::CircuitState::Open: return QObject::tr("open");
    case sb::CircuitState::AuthFailed: return QObject::tr("open (auth)");
    }
    return {};
}

QColor circuitColour(sb::CircuitState state) {
    switch (state) {
    case sb::CircuitState::Closed: return QColor(0x2e, 0x9d, 0x48);
    case sb::CircuitState::HalfOpen: return QColor(0xe0, 0x9b, 0x12);
    case sb::CircuitState::Open:
    case sb::CircuitState::AuthFailed: return QColor(0xd3, 0x2f, 0x2f);
    }
    return {};
}

}  // namespace routing_figures
