#pragma once
// The "alerts" section: the rules the engine evaluates for the console. The same four rules
// ship for Prometheus (resources/prometheus), under the same names, so an operator sees one
// alert by one name wherever it is raised:
//   SwitchboardHighErrorRate  — error_rate:   failed / all requests over `window` > threshold (fraction);
//   SwitchboardHighLatencyP99 — latency_p99:  p99 latency over `window` > threshold (seconds);
//   SwitchboardBudget80       — budget_used:  a budget's spend ≥ threshold × its limit (fraction), per budget;
//   SwitchboardCircuitOpen    — circuit_open: a target's circuit is not closed, per provider/model.
// A condition must hold for `for_duration` before the alert fires. A config without the
// section gets default_alert_rules().
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace sb {

struct ConfigError;

enum class AlertKind { ErrorRate, LatencyP99, BudgetUsed, CircuitOpen };
std::string_view to_string(AlertKind kind);  // error_rate, latency_p99, budget_used, circuit_open
std::optional<AlertKind> alert_kind_from_string(std::string_view text);

inline constexpr std::string_view kAlertHighErrorRate = "SwitchboardHighErrorRate";
inline constexpr std::string_view kAlertHighLatencyP99 = "SwitchboardHighLatencyP99";
inline constexpr std::string_view kAlertBudget80 = "SwitchboardBudget80";
inline constexpr std::string_view kAlertCircuitOpen = "SwitchboardCircuitOpen";

// Severities as Prometheus labels them.
inline constexpr std::string_view kAlertSeverities[] = {"info", "warning", "critical"};

struct AlertRule {
    std::string name;
    AlertKind kind = AlertKind::ErrorRate;
    double threshold = 0;  // unit by kind (see threshold_limits); unused by circuit_open
    std::chrono::seconds window{300};
    std::chrono::seconds for_duration{0};
    std::string severity = "warning";
    bool enabled = true;
    bool operator==(const AlertRule&) const = default;
};

// What a kind's threshold means: valid when min < threshold ≤ max. `uses_threshold` is false
// for circuit_open (a circuit is open or it is not).
struct ThresholdLimits {
    double min = 0;
    double max = 0;
    std::string_view unit;  // "fraction of requests", "seconds", "fraction of the limit"
    bool uses_threshold = true;
};
ThresholdLimits threshold_limits(AlertKind kind);

inline constexpr std::chrono::seconds kAlertMinWindow{10};
inline constexpr std::chrono::seconds kAlertMaxWindow{3600};
inline constexpr std::chrono::seconds kAlertMaxFor{3600};

// error rate > 5% over 5 min, p99 > 2 s over 5 min, budget at 80%, a circuit open.
std::vector<AlertRule> default_alert_rules();

struct AlertsConfig {
    std::vector<AlertRule> rules = default_alert_rules();
};

// Unique non-empty names, thresholds in range, window 10 s–1 h, for 0–1 h, a known
// severity. Paths are relative to the rules array: "[1].threshold: …".
std::vector<ConfigError> validate_alert_rules(const std::vector<AlertRule>& rules);

nlohmann::json to_json(const AlertsConfig& alerts);
nlohmann::json to_json(const std::vector<AlertRule>& rules);

// Reads the section; every problem as "<path>.<field>: <rule>".
AlertsConfig parse_alerts(const nlohmann::json& json, const std::string& path, std::vector<ConfigError>& errors);
std::vector<AlertRule> parse_alert_rules(const nlohmann::json& json, const std::string& path,
                                         std::vector<ConfigError>& errors);

// "5 min", "10 s", "1 h", "90 s": how windows read in messages and on the page.
std::string format_alert_duration(std::chrono::seconds duration);

}  // namespace sb
