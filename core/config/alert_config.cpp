// The alerts section's names, defaults, JSON form and checks.
#include "config/alert_config.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <set>

#include "config/config.h"
#include "config/config_reader.h"

namespace sb {

namespace {

constexpr std::array kKinds{AlertKind::ErrorRate, AlertKind::LatencyP99, AlertKind::BudgetUsed, AlertKind::CircuitOpen};

std::string kind_names() {
    std::string names;
    for (AlertKind kind : kKinds) names += (names.empty() ? "" : ", ") + std::string(to_string(kind));
    return "must be one of " + names;
}

std::string severity_names() {
    std::string names;
    for (auto severity : kAlertSeverities) names += (names.empty() ? "" : ", ") + std::string(severity);
    return "must be one of " + names;
}

std::string number_text(double value) {
    auto text = nlohmann::json(value).dump();
    if (text.ends_with(".0")) text.resize(text.size() - 2);
    return text;
}

AlertRule read_alert_rule(const nlohmann::json& json, const std::string& path, std::vector<ConfigError>& errors) {
    AlertRule rule;
    ConfigReader reader(json, path, errors);
    if (!reader.is_object()) return rule;  // the reader reported it
    reader.read("name", rule.name);
    std::string kind;
    reader.read("kind", kind);
    if (const auto parsed = alert_kind_from_string(kind)) rule.kind = *parsed;
    else reader.fail("kind", kind_names());
    constexpr double kAny = std::numeric_limits<double>::max();
    reader.read("threshold", rule.threshold, -kAny, kAny);  // ranges by kind: validate_alert_rules
    int window = static_cast<int>(rule.window.count());
    reader.read("window_s", window, 0, 1'000'000'000);
    rule.window = std::chrono::seconds(window);
    int for_s = 0;
    reader.read("for_s", for_s, 0, 1'000'000'000);
    rule.for_duration = std::chrono::seconds(for_s);
    reader.read("severity", rule.severity);
    reader.read("enabled", rule.enabled);
    reader.finish();
    return rule;
}

AlertRule make_rule(std::string_view name, AlertKind kind, double threshold, std::string severity) {
    AlertRule rule;
    rule.name = std::string(name);
    rule.kind = kind;
    rule.threshold = threshold;
    rule.severity = std::move(severity);
    // As the shipped Prometheus rules: a condition must hold a minute before it fires.
    rule.for_duration = std::chrono::seconds(60);
    return rule;
}

}  // namespace

std::string_view to_string(AlertKind kind) {
    switch (kind) {
    case AlertKind::ErrorRate: return "error_rate";
    case AlertKind::LatencyP99: return "latency_p99";
    case AlertKind::BudgetUsed: return "budget_used";
    case AlertKind::CircuitOpen: return "circuit_open";
    }
    return "?";
}

std::optional<AlertKind> alert_kind_from_string(std::string_view text) {
    for (AlertKind kind : kKinds)
        if (to_string(kind) == text) return kind;
    return std::nullopt;
}

ThresholdLimits threshold_limits(AlertKind kind) {
    switch (kind) {
    case AlertKind::ErrorRate: return {0, 1, "fraction of requests", true};
    case AlertKind::LatencyP99: return {0, 600, "seconds", true};
    case AlertKind::BudgetUsed: return {0, 10, "fraction of the limit", true};
    case AlertKind::CircuitOpen: return {0, 0, "", false};
    }
    return {};
}

std::vector<AlertRule> default_alert_rules() {
    return {
        make_rule(kAlertHighErrorRate, AlertKind::ErrorRate, 0.05, "warning"),
        make_rule(kAlertHighLatencyP99, AlertKind::LatencyP99, 2.0, "warning"),
        make_rule(kAlertBudget80, AlertKind::BudgetUsed, 0.8, "warning"),
        make_rule(kAlertCircuitOpen, AlertKind::CircuitOpen, 0, "critical"),
    };
}

std::vector<ConfigError> validate_alert_rules(const std::vector<AlertRule>& rules) {
    std::vector<ConfigError> errors;
    std::set<std::string> names;
    for (std::size_t i = 0; i < rules.size(); ++i) {
        const AlertRule& rule = rules[i];
        const std::string at = "[" + std::to_string(i) + "]";
        if (rule.name.empty()) errors.push_back({at + ".name", "must not be empty"});
        else if (!names.insert(rule.name).second)
            errors.push_back({at + ".name", "must be unique (\"" + rule.name + "\" is used twice)"});
        const auto limits = threshold_limits(rule.kind);
        // Written so that NaN (an unreadable number typed on the page) fails too.
        if (limits.uses_threshold && !(rule.threshold > limits.min && rule.threshold <= limits.max))
            errors.push_back({at + ".threshold", "must be more than " + number_text(limits.min) + " and at most " +
                                                     number_text(limits.max) + " (" + std::string(limits.unit) + ")"});
        if (rule.window < kAlertMinWindow || rule.window > kAlertMaxWindow)
            errors.push_back({at + ".window_s", "must be from " + std::to_string(kAlertMinWindow.count()) + " to " +
                                                    std::to_string(kAlertMaxWindow.count()) + " seconds"});
        if (rule.for_duration.count() < 0 || rule.for_duration > kAlertMaxFor)
            errors.push_back({at + ".for_s", "must be from 0 to " + std::to_string(kAlertMaxFor.count()) + " seconds"});
        if (std::ranges::find(kAlertSeverities, std::string_view(rule.severity)) == std::end(kAlertSeverities))
            errors.push_back({at + ".severity", severity_names()});
    }
    return errors;
}

nlohmann::json to_json(const std::vector<AlertRule>& rules) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& rule : rules) {
        nlohmann::json json = {{"name", rule.name}, {"kind", to_string(rule.kind)}};
        if (threshold_limits(rule.kind).uses_threshold) json["threshold"] = rule.threshold;
        json["window_s"] = rule.window.count();
        json["for_s"] = rule.for_duration.count();
        json["severity"] = rule.severity;
        json["enabled"] = rule.enabled;
        out.push_back(std::move(json));
    }
    return out;
}

nlohmann::json to_json(const AlertsConfig& alerts) { return {{"rules", to_json(alerts.rules)}}; }

std::vector<AlertRule> parse_alert_rules(const nlohmann::json& json, const std::string& path,
                                         std::vector<ConfigError>& errors) {
    return read_array(json, path, "rules", errors, read_alert_rule);
}

AlertsConfig parse_alerts(const nlohmann::json& json, const std::string& path, std::vector<ConfigError>& errors) {
    AlertsConfig alerts;
    ConfigReader reader(json, path, errors);
    if (!reader.is_object()) return alerts;  // the reader reported it
    if (const auto* rules = reader.raw("rules")) {
        const auto before = errors.size();
        alerts.rules = parse_alert_rules(*rules, reader.child_path("rules"), errors);
        if (errors.size() == before)
            for (auto& e : validate_alert_rules(alerts.rules))
                errors.push_back({reader.child_path("rules") + e.path, std::move(e.rule)});
    }
    reader.finish();
    return alerts;
}

std::string format_alert_duration(std::chrono::seconds duration) {
    const auto s = duration.count();
    if (s != 0 && s % 3600 == 0) return std::to_string(s / 3600) + " h";
    if (s != 0 && s % 60 == 0) return std::to_string(s / 60) + " min";
    return std::to_string(s) + " s";
}

}  // namespace sb
