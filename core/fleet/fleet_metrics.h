#pragma once
// The fleet's Prometheus families, which every `serve` exports so that one set of alert rules
// fits every gateway: switchboard_fleet_degraded, switchboard_fleet_instances (0 outside a
// fleet) and switchboard_fleet_local_admits_total.
#include <cstdint>
#include <optional>
#include <string>

#include "console/console_api.h"

namespace sb {

// `status` nullopt: the gateway stands alone.
std::string fleet_prometheus_text(const std::optional<FleetStatus>& status, std::uint64_t local_admits);

}  // namespace sb
