// The fleet's Prometheus families.
#include "fleet/fleet_metrics.h"

namespace sb {

std::string fleet_prometheus_text(const std::optional<FleetStatus>& status, std::uint64_t local_admits) {
    const bool degraded = status && status->degraded;
    const std::int64_t instances = status ? status->live_instances : 0;
    return "# HELP switchboard_fleet_degraded 1 while the fleet's Redis is out of reach: limits are each instance's "
           "share, settings changes are refused.\n"
           "# TYPE switchboard_fleet_degraded gauge\n"
           "switchboard_fleet_degraded " +
           std::string(degraded ? "1" : "0") +
           "\n# HELP switchboard_fleet_instances Live instances in the fleet's registry, as last seen (0: not in a "
           "fleet).\n"
           "# TYPE switchboard_fleet_instances gauge\n"
           "switchboard_fleet_instances " +
           std::to_string(instances) +
           "\n# HELP switchboard_fleet_local_admits_total Requests admitted against this instance's share of the "
           "limits because the fleet's Redis was out of reach.\n"
           "# TYPE switchboard_fleet_local_admits_total counter\n"
           "switchboard_fleet_local_admits_total " +
           std::to_string(local_admits) + "\n";
}

}  // namespace sb
