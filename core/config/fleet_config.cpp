// The "fleet" section.
#include "config/fleet_config.h"

#include "config/config.h"
#include "config/config_reader.h"

namespace sb {

FleetConfig parse_fleet(const nlohmann::json& json, const std::string& path, std::vector<ConfigError>& errors) {
    FleetConfig fleet;
    ConfigReader reader(json, path, errors);
    if (const auto* redis = reader.raw("redis")) {
        RedisConfig defaults;
        defaults.key_prefix = kFleetKeyPrefix;  // apart from the cache's keys when both share a server
        fleet.redis = parse_redis(*redis, reader.child_path("redis"), errors, defaults);
        if (redis->is_object() && redis->contains("tls"))
            errors.push_back({reader.child_path("redis") + ".tls",
                              "TLS to Redis is not supported by this build (hiredis 0.14 has none): keep Redis on a "
                              "private network or reach it through a TLS tunnel such as stunnel, and remove \"tls\""});
    }
    reader.read("advertise_url", fleet.advertise_url);
    reader.finish();
    if (!fleet.advertise_url.empty() && !fleet.advertise_url.starts_with("http://") &&
        !fleet.advertise_url.starts_with("https://"))
        errors.push_back({reader.child_path("advertise_url"), "must start with http:// or https://"});
    return fleet;
}

nlohmann::json to_json(const FleetConfig& fleet) {
    nlohmann::json json = nlohmann::json::object();
    if (fleet.redis) json["redis"] = to_json(*fleet.redis);
    if (!fleet.advertise_url.empty()) json["advertise_url"] = fleet.advertise_url;
    return json;
}

}  // namespace sb
