// A gateway's membership of a fleet.
#include "fleet/fleet_node.h"

#include "engine/engine.h"
#include "fleet/fleet_console.h"
#include "fleet/fleet_limits.h"
#include "fleet/fleet_metrics.h"
#include "fleet/fleet_settings.h"
#include "gateway/gateway_key_store.h"

namespace sb {

std::unique_ptr<FleetNode> FleetNode::join(const RedisConfig& redis, FleetMember self,
                                                                        Engine& engine, LocalConsole& local,
                                                                        std::shared_ptr<GatewayKeyStore> keys) {
    std::unique_ptr<FleetNode> node(new FleetNode());
    const std::string member = self.id;
    node->m_redis = std::make_unique<FleetRedis>(redis);
    auto figures = [&engine] {
        const auto minute = engine.metrics().recent(std::chrono::seconds(60), std::chrono::seconds(60));
        FleetFigures f;
        f.requests_per_s = double(minute.requests) / 60.0;
        f.p99_ms = minute.p99_ms;
        f.error_rate = minute.requests ? double(minute.errors) / double(minute.requests) : 0.0;
        return f;
    };
    node->m_registry =
        std::make_unique<FleetRegistry>(*node->m_redis, std::move(self), std::move(figures), &engine.budget_tracker());
    if (keys)
        node->m_limits = std::make_unique<FleetLimits>(*node->m_redis, *keys, member,
                                                       [registry = node->m_registry.get()] { return registry->live_instances(); });
    node->m_settings = std::make_unique<FleetSettings>(*node->m_redis);
    node->m_console = std::make_unique<FleetConsole>(local, *node->m_settings, *node->m_registry, node->m_limits.get(),
                                                     std::move(keys), member);
    node->m_console->join();
    return node;
}

FleetNode::~FleetNode() {
    m_settings.reset();  // its watcher calls the console: stopped first
    m_console.reset();
    m_limits.reset();
    m_registry.reset();
    m_redis.reset();
}

std::expected<void, std::string> FleetNode::announce(std::string url) { return m_registry->start(std::move(url)); }

ConsoleApi& FleetNode::console() { return *m_console; }
GatewayAuth* FleetNode::auth() { return m_limits.get(); }
FleetStatus FleetNode::status() const { return m_registry->status(); }

std::string FleetNode::prometheus_text() const {
    return fleet_prometheus_text(m_registry->status(), m_limits ? m_limits->local_admits() : 0);
}

}  // namespace sb
