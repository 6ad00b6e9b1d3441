#pragma once
// "retry.hedge": hedged requests. A request still unanswered after a delay sends one more
// copy (to another target of its tier where there is one); the first answer wins and the
// other attempt is cancelled. The delay is a quantile of the target's recent latencies
// ("p90") or a fixed number of milliseconds, never below `min_after_ms`; hedges never exceed
// `max_share` of requests, so a slow provider cannot double the traffic it gets.
#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sb {

struct HedgeConfig {
    bool enabled = false;
    double quantile = 0.9;             // of the target's recent latencies; 0 when `after` is fixed
    std::chrono::milliseconds after{0};  // the fixed delay when quantile is 0
    std::chrono::milliseconds min_after{50};
    double max_share = 0.1;  // hedges per request, over a running budget
    bool operator==(const HedgeConfig&) const = default;
};

struct ConfigError;
HedgeConfig parse_hedge(const nlohmann::json& json, const std::string& path, std::vector<ConfigError>& errors);
nlohmann::json to_json(const HedgeConfig& hedge);

}  // namespace sb
