#pragma once
// The numbers the Routing page shows next to each target, computed from plain core values
// so they can be tested without widgets: configured shares of (draft) weights, the share a
// target actually served over a window, and its live state.
#include <QColor>
#include <QString>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/routing_config.h"
#include "metrics/metrics_registry.h"
#include "routing/router.h"

namespace routing_figures {

// The model a target resolves to: its own, else its provider's default.
std::string resolvedModel(const sb::RouteTarget& target, const std::vector<sb::ProviderConfig>& providers);
std::string defaultModel(std::string_view provider, const std::vector<sb::ProviderConfig>& providers);

// weight / sum of enabled weights, per target; 0 for disabled targets. When every enabled
// weight is 0 the router spreads evenly over them, and so does this.
std::vector<double> configuredShares(const sb::TierConfig& tier);

// Requests this target served in `tier` / all requests of `tier`, over the window the
// metrics cover; nullopt when the tier served nothing.
std::optional<double> servedShare(const sb::TierConfig& tier, const sb::RouteTarget& target,
                                  const std::vector<sb::TargetMetrics>& metrics,
                                  const std::vector<sb::ProviderConfig>& providers);

// The router's state of this target in `tier`, or null (a draft-only target).
const sb::TargetState* stateOf(const std::vector<sb::TargetState>& states, std::string_view tier,
                               const sb::RouteTarget& target, const std::vector<sb::ProviderConfig>& providers);

QString circuitText(sb::CircuitState state);
QColor circuitColour(sb::CircuitState state);  // closed green, half-open amber, open / auth red

}  // namespace routing_figures
