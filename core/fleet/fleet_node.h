#pragma once
// One gateway's membership of a fleet: the fleet's Redis, the registry it beats in, the
// limits it counts there, the settings it shares, and the console API over all of them.
// `serve` makes one when the config has a "fleet" section.
#include <expected>
#include <memory>
#include <string>

#include "config/cache_config.h"
#include "fleet/fleet_registry.h"

namespace sb {

class ConsoleApi;
class Engine;
class FleetConsole;
class FleetLimits;
class FleetSettings;
class GatewayAuth;
class GatewayKeyStore;
class LocalConsole;

class FleetNode final {
public:
    // Joins: takes the fleet's settings and starts following them. An unreachable Redis is no
    // refusal: the instance starts degraded and catches up when it can. It is listed in the
    // registry from announce() on.
    static std::unique_ptr<FleetNode> join(const RedisConfig& redis, FleetMember self,
                                                                        Engine& engine, LocalConsole& local,
                                                                        std::shared_ptr<GatewayKeyStore> keys);
    ~FleetNode();  // stops following and beating; writes pending spend
    FleetNode(const FleetNode&) = delete;
    FleetNode& operator=(const FleetNode&) = delete;

    // Once listening: registers at `url` (refused when another live instance has this id at
    // another URL) and beats from then on.
    std::expected<void, std::string> announce(std::string url);

    ConsoleApi& console();
    GatewayAuth* auth();  // null without a key store (--no-auth)
    FleetStatus status() const;
    // The fleet's families (fleet_metrics.h), as this instance sees the fleet.
    std::string prometheus_text() const;

private:
    FleetNode() = default;

    std::unique_ptr<FleetRedis> m_redis;
    std::unique_ptr<FleetRegistry> m_registry;
    std::unique_ptr<FleetLimits> m_limits;
    std::unique_ptr<FleetSettings> m_settings;
    std::unique_ptr<FleetConsole> m_console;
};

}  // namespace sb
