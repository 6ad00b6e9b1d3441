#include "routing/routing_undo.h"

#include <nlohmann/json.hpp>

#include "config/config.h"

namespace {

std::optional<sb::RoutingConfig> routingOf(const sb::ConfigVersion& version) {
    const auto json = nlohmann::json::parse(version.config_json, nullptr, false);
    if (json.is_discarded()) return std::nullopt;
    std::vector<sb::ConfigError> errors;
    auto routing = sb::parse_routing(json, "routing", errors);
    if (!errors.empty()) return std::nullopt;
    return routing;
}

}  // namespace

std::optional<UndoTarget> undoTarget(const std::vector<sb::ConfigVersion>& versions, std::int64_t startId,
                                     const sb::RoutingConfig& startRouting) {
    if (versions.empty()) return std::nullopt;
    const std::size_t n = versions.size();
    const auto& latest = versions.back();
    std::optional<sb::RoutingConfig> before;
    if (latest.id > startId) {
        before = n >= 2 && versions[n - 2].id > startId ? routingOf(versions[n - 2]) : startRouting;
    } else if (n >= 2 && routingOf(latest) == startRouting) {
        // Nothing applied in this run yet, and it started from the latest stored version.
        before = routingOf(versions[n - 2]);
    }
    if (!before) return std::nullopt;
    return UndoTarget{std::move(*before), latest.id};
}
