#pragma once
// What Undo on the Routing page goes back to: the routing that was live before the latest
// version. Versions store the routing after each change, so that is the previous version's
// routing — unless the latest version is the first of this run, in which case it is the
// routing this run started with (an earlier run's last version may not be what this run
// loaded from its config file).
#include <cstdint>
#include <optional>
#include <vector>

#include "config/routing_config.h"
#include "store/config_version_store.h"

struct UndoTarget {
    sb::RoutingConfig routing;
    std::int64_t undoesVersion = 0;  // the id of the version it takes back
};

// `startId`: the newest version id when this run started (0 = none); `startRouting`: the
// routing it started with. Nullopt when there is nothing to undo, when this run did not start
// from the latest stored version, or when the stored routing does not parse.
std::optional<UndoTarget> undoTarget(const std::vector<sb::ConfigVersion>& versions, std::int64_t startId,
                                     const sb::RoutingConfig& startRouting);
