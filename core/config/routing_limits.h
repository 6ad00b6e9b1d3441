#pragma once
// Ranges of the routing section's numbers, shared by the JSON reader (a file) and
// validate_routing (a live edit), so both reject the same values with the same words.
#include <string>

#include <nlohmann/json.hpp>

namespace sb::routing_limits {

inline constexpr long long kHalfLifeMinMs = 100, kHalfLifeMaxMs = 600'000;
inline constexpr double kMinShareMin = 0.0, kMinShareMax = 0.5;
inline constexpr long long kConsecutiveFailuresMin = 1, kConsecutiveFailuresMax = 1'000;
inline constexpr double kErrorRateMin = 0.01, kErrorRateMax = 1.0;
inline constexpr long long kMinRequestsMin = 1, kMinRequestsMax = 100'000;
inline constexpr long long kWindowMinS = 1, kWindowMaxS = 3'600;
inline constexpr long long kCooldownMinMs = 100, kCooldownMaxMs = 3'600'000;
inline constexpr long long kTokensMin = 1, kTokensMax = 10'000'000;
inline constexpr long long kTurnsMin = 1, kTurnsMax = 10'000;

// The words ConfigReader uses for the same checks.
inline std::string integer_rule(long long min, long long max) {
    return "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
}
inline std::string number_rule(double min, double max) {
    return "must be a number from " + nlohmann::json(min).dump() + " to " + nlohmann::json(max).dump();
}
inline std::string ms_rule(long long min, long long max) {
    return "must be from " + std::to_string(min) + " to " + std::to_string(max) + " ms";
}

}  // namespace sb::routing_limits
