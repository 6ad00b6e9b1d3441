#pragma once
// The shipped configuration (resources/default-config.json) with a "fleet" section naming a
// test's Redis, written as `dir`/config.json for `serve --config`.
#include <QString>

#include <fstream>

#include <nlohmann/json.hpp>

namespace sb::test {

// `redis_port` 0: no fleet. `command_timeout_ms` 0: the shipped one (50 ms); tests that run three
// gateways, Redis and themselves on two cores give more, since a late reply counts as Redis
// trouble (which has tests of its own). `budgets`, when not null, replaces the shipped ones.
inline QString write_fleet_config(const QString& dir, int redis_port, int command_timeout_ms = 0,
                                  const nlohmann::json& budgets = {}) {
    std::ifstream shipped(SB_RESOURCES_DIR "/default-config.json");
    auto config = nlohmann::json::parse(shipped);
    if (!budgets.is_null()) config["budgets"] = budgets;
    if (redis_port) {
        nlohmann::json redis = {{"host", "127.0.0.1"}, {"port", redis_port}};
        if (command_timeout_ms) redis["command_timeout_ms"] = command_timeout_ms;
        config["fleet"] = {{"redis", redis}};
    }
    const QString path = dir + "/config.json";
    std::ofstream(path.toStdString()) << config.dump(2);
    return path;
}

}  // namespace sb::test
