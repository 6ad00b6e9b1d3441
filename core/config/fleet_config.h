#pragma once
// The "fleet" section: gateway instances that count limits and budgets together and share
// their settings through one Redis. Without the section (or without its "redis") an instance
// stands alone.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/cache_config.h"

namespace sb {

struct ConfigError;

inline constexpr const char* kFleetKeyPrefix = "switchboard-fleet:";  // outside the cache's "switchboard:"

struct FleetConfig {
    std::optional<RedisConfig> redis;  // nullopt: no fleet
    // How consoles reach this instance ("https://gw-1.internal:8443"); `serve --advertise-url`
    // overrides it, and without either the listening address is advertised.
    std::string advertise_url;
    bool enabled() const { return redis.has_value(); }
};

// Every problem as "<path>.<field>: <rule>". The Redis password stays a reference here;
// parse_config resolves it.
FleetConfig parse_fleet(const nlohmann::json& json, const std::string& path, std::vector<ConfigError>& errors);
nlohmann::json to_json(const FleetConfig& fleet);

}  // namespace sb
