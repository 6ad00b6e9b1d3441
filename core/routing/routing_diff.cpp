#include "routing/routing_diff.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace sb {

namespace {

// 60 → "60", 0.5 → "0.5": no trailing zeros.
std::string number(double value) {
    char text[48];
    std::snprintf(text, sizeof text, "%.6f", value);
    std::string out(text);
    if (out.find('.') != std::string::npos) {
        while (out.back() == '0') out.pop_back();
        if (out.back() == '.') out.pop_back();
    }
    return out == "-0" ? "0" : out;
}

std::string percent(double ratio) {
    return number(ratio * 100.0) + "%";
}

std::string duration(std::chrono::milliseconds ms) {
    if (ms.count() % 1000 == 0) return number(static_cast<double>(ms.count()) / 1000.0) + " s";
    return number(static_cast<double>(ms.count())) + " ms";
}

std::string on_off(bool on) {
    return on ? "on" : "off";
}

std::string_view balancing_name(Balancing balancing) {
    return balancing == Balancing::LatencyAware ? "latency-aware" : "weighted";
}

std::string target_name(const RouteTarget& target) {
    return target.model.empty() ? target.provider + " (default model)" : target.provider + "/" + target.model;
}

bool same_target(const RouteTarget& a, const RouteTarget& b) {
    return a.provider == b.provider && a.model == b.model;
}

// "from → to" when they differ.
void changed(std::vector<std::string>& out, std::string_view what, const std::string& from,
             const std::string& to) {
    if (from != to) out.push_back(std::string(what) + " " + from + " → " + to);
}

std::vector<std::string> tier_changes(const TierConfig& before, const TierConfig& after) {
    std::vector<std::string> out;
    changed(out, "balancing", std::string(balancing_name(before.balancing)),
            std::string(balancing_name(after.balancing)));
    if (before.cache_first != after.cache_first) out.push_back("cache first " + on_off(after.cache_first));
    if (before.description != after.description) out.push_back("description changed");

    std::vector<bool> matched(before.targets.size(), false);
    std::vector<std::size_t> order;  // positions in `before` of the targets that stayed, in `after` order
    for (const auto& target : after.targets) {
        std::size_t i = 0;
        while (i < before.targets.size() && (matched[i] || !same_target(before.targets[i], target))) ++i;
        if (i == before.targets.size()) {
            out.push_back(target_name(target) + " added (weight " + number(target.weight) +
                          (target.enabled ? ")" : ", disabled)"));
            continue;
        }
        matched[i] = true;
        order.push_back(i);
        const RouteTarget& old = before.targets[i];
        if (old.weight != target.weight)
            out.push_back(target_name(target) + " weight " + number(old.weight) + " → " +
                          number(target.weight));
        if (old.enabled != target.enabled)
            out.push_back(target_name(target) + (target.enabled ? " enabled" : " disabled"));
    }
    for (std::size_t i = 0; i < before.targets.size(); ++i)
        if (!matched[i]) out.push_back(target_name(before.targets[i]) + " removed");
    if (!std::is_sorted(order.begin(), order.end())) out.push_back("failover order changed");
    return out;
}

// `values +"debug" -"fix"`, or "values reordered".
std::string value_changes(const std::vector<std::string>& before, const std::vector<std::string>& after) {
    const auto has = [](const std::vector<std::string>& list, const std::string& v) {
        return std::find(list.begin(), list.end(), v) != list.end();
    };
    std::string out = "values";
    for (const auto& v : after)
        if (!has(before, v)) out.append(" +\"").append(v).append("\"");
    for (const auto& v : before)
        if (!has(after, v)) out.append(" -\"").append(v).append("\"");
    return out == "values" ? "values reordered" : out;
}

std::string rule_changes(const ClassifierRule& before, const ClassifierRule& after) {
    std::vector<std::string> parts;
    changed(parts, "kind", std::string(to_string(before.kind)), std::string(to_string(after.kind)));
    changed(parts, "tier", before.tier, after.tier);
    changed(parts, "header", before.header, after.header);
    if (before.values != after.values) parts.push_back(value_changes(before.values, after.values));
    if (before.pattern != after.pattern) parts.push_back("pattern changed");
    if (before.threshold != after.threshold)
        parts.push_back("threshold " + std::to_string(before.threshold) + " → " +
                        std::to_string(after.threshold));
    if (before.enabled != after.enabled) parts.push_back(after.enabled ? "enabled" : "disabled");
    std::string out;
    for (const auto& part : parts) out.append(out.empty() ? "" : ", ").append(part);
    return out;
}

const ClassifierRule* find_rule(const std::vector<ClassifierRule>& rules, const std::string& name) {
    for (const auto& rule : rules)
        if (rule.name == name) return &rule;
    return nullptr;
}

}  // namespace

std::string describe_routing_change(const RoutingConfig& before, const RoutingConfig& after) {
    if (before == after) return "no change";
    std::vector<std::string> parts;

    for (const auto& tier : after.tiers) {
        const TierConfig* old = before.tier(tier.name);
        if (!old) {
            const auto n = tier.targets.size();
            parts.push_back("tier " + tier.name + " added (" + std::to_string(n) +
                            (n == 1 ? " target)" : " targets)"));
            continue;
        }
        auto changes = tier_changes(*old, tier);
        if (changes.empty()) continue;
        changes.front() = tier.name + ": " + changes.front();
        parts.insert(parts.end(), changes.begin(), changes.end());
    }
    for (const auto& tier : before.tiers)
        if (!after.tier(tier.name)) parts.push_back("tier " + tier.name + " removed");

    std::vector<std::string> kept_before, kept_after;  // names of rules in both, in each order
    for (const auto& rule : after.rules) {
        const ClassifierRule* old = find_rule(before.rules, rule.name);
        if (!old) {
            parts.push_back("rule \"" + rule.name + "\" added");
            continue;
        }
        kept_after.push_back(rule.name);
        if (const auto what = rule_changes(*old, rule); !what.empty())
            parts.push_back("rule \"" + rule.name + "\" " + what);
    }
    for (const auto& rule : before.rules) {
        if (!find_rule(after.rules, rule.name))
            parts.push_back("rule \"" + rule.name + "\" removed");
        else
            kept_before.push_back(rule.name);
    }
    if (kept_before != kept_after) parts.push_back("rules reordered");

    std::vector<std::string> settings;
    changed(settings, "default tier", before.default_tier, after.default_tier);
    changed(settings, "sticky conversations", on_off(before.sticky_conversations),
            on_off(after.sticky_conversations));
    changed(settings, "latency half-life", duration(before.latency_half_life),
            duration(after.latency_half_life));
    changed(settings, "latency min share", percent(before.latency_min_share),
            percent(after.latency_min_share));
    parts.insert(parts.end(), settings.begin(), settings.end());

    const CircuitConfig &cb = before.circuit, &ca = after.circuit;
    std::vector<std::string> circuit;
    changed(circuit, "consecutive failures", std::to_string(cb.consecutive_failures),
            std::to_string(ca.consecutive_failures));
    changed(circuit, "error rate", percent(cb.error_rate), percent(ca.error_rate));
    changed(circuit, "min requests", std::to_string(cb.min_requests), std::to_string(ca.min_requests));
    changed(circuit, "window", duration(cb.window), duration(ca.window));
    changed(circuit, "cooldown", duration(cb.cooldown), duration(ca.cooldown));
    if (!circuit.empty()) {
        circuit.front() = "circuit: " + circuit.front();
        parts.insert(parts.end(), circuit.begin(), circuit.end());
    }

    // Not equal, yet nothing listed: duplicate tier or rule names hide what moved.
    if (parts.empty()) return "routing changed";
    std::string out;
    for (const auto& part : parts) out.append(out.empty() ? "" : "; ").append(part);
    return out;
}

}  // namespace sb
