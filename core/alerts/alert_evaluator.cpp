#include "alerts/alert_evaluator.h"

#include <algorithm>
#include <cstdio>
#include <set>

namespace sb {

namespace {

// A number with at most `decimals` decimals and no trailing zeros: 37.5, 5, 2.45.
std::string trimmed(double value, int decimals) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    std::string text(buffer);
    if (text.find('.') != std::string::npos) {
        while (text.ends_with('0')) text.pop_back();
        if (text.ends_with('.')) text.pop_back();
    }
    return text;
}

std::string percent(double fraction) { return trimmed(fraction * 100.0, 1) + "%"; }

struct Observation {
    std::string subject;
    double value = 0;
};

// The subjects whose condition holds now, with their values.
std::vector<Observation> holding(const AlertRule& rule, const AlertInputs& inputs) {
    std::vector<Observation> out;
    switch (rule.kind) {
    case AlertKind::ErrorRate:
    case AlertKind::LatencyP99: {
        const auto it = inputs.traffic.find(rule.window);
        if (it == inputs.traffic.end() || it->second.requests < AlertEvaluator::kMinRequests) break;
        const TrafficSummary& t = it->second;
        const double value = rule.kind == AlertKind::ErrorRate
                                 ? static_cast<double>(t.errors) / static_cast<double>(t.requests)
                                 : t.p99_ms / 1000.0;
        if (value > rule.threshold) out.push_back({"", value});
        break;
    }
    case AlertKind::BudgetUsed:
        for (const auto& status : inputs.budgets)
            if (status.budget.limit_usd > 0 && status.fraction >= rule.threshold)
                out.push_back({status.budget.name, status.fraction});
        break;
    case AlertKind::CircuitOpen: {
        // A target in several tiers has one circuit: one alert for it.
        std::set<std::string> seen;
        for (const auto& target : inputs.targets) {
            if (target.circuit == CircuitState::Closed) continue;
            std::string subject = target.target.provider + "/" + target.target.model;
            if (seen.insert(subject).second) out.push_back({std::move(subject), static_cast<double>(target.circuit)});
        }
        break;
    }
    }
    return out;
}

}  // namespace

std::string_view to_string(AlertState state) {
    switch (state) {
    case AlertState::Pending: return "pending";
    case AlertState::Firing: return "firing";
    case AlertState::Resolved: return "resolved";
    }
    return "?";
}

AlertEvaluator::AlertEvaluator(std::vector<AlertRule> rules, std::size_t history_limit)
    : m_rules(std::move(rules)), m_history_limit(std::max<std::size_t>(history_limit, 1)) {}

std::expected<void, std::vector<ConfigError>> AlertEvaluator::set_rules(std::vector<AlertRule> rules) {
    if (auto errors = validate_alert_rules(rules); !errors.empty()) return std::unexpected(std::move(errors));
    std::lock_guard lock(m_mutex);
    m_rules = std::move(rules);
    return {};
}

std::vector<AlertRule> AlertEvaluator::rules() const {
    std::lock_guard lock(m_mutex);
    return m_rules;
}

std::vector<std::chrono::seconds> AlertEvaluator::windows() const {
    std::lock_guard lock(m_mutex);
    std::set<std::chrono::seconds> windows;
    for (const auto& rule : m_rules)
        if (rule.enabled && (rule.kind == AlertKind::ErrorRate || rule.kind == AlertKind::LatencyP99))
            windows.insert(rule.window);
    return {windows.begin(), windows.end()};
}

std::string AlertEvaluator::describe(const AlertRule& rule, const std::string& subject, double value) {
    const std::string over = " over " + format_alert_duration(rule.window);
    switch (rule.kind) {
    case AlertKind::ErrorRate:
        return "error rate " + percent(value) + over + " (threshold " + percent(rule.threshold) + ")";
    case AlertKind::LatencyP99:
        return "p99 latency " + trimmed(value, 2) + " s" + over + " (threshold " + trimmed(rule.threshold, 3) + " s)";
    case AlertKind::BudgetUsed:
        return "budget " + subject + " at " + percent(value) + " of its limit (threshold " + percent(rule.threshold) + ")";
    case AlertKind::CircuitOpen:
        return "circuit of " + subject + " is " + std::string(to_string(static_cast<CircuitState>(static_cast<int>(value))));
    }
    return {};
}

AlertEvent* AlertEvaluator::find_event(std::uint64_t id) {
    // Ids increase along the deque: a binary search.
    const auto it = std::lower_bound(m_events.begin(), m_events.end(), id,
                                     [](const AlertEvent& e, std::uint64_t wanted) { return e.id < wanted; });
    return it != m_events.end() && it->id == id ? &*it : nullptr;
}

void AlertEvaluator::resolve(Tracked& tracked, Clock::time_point now) {
    if (tracked.state != AlertState::Firing) return;
    if (AlertEvent* event = find_event(tracked.event_id)) {
        event->state = AlertState::Resolved;
        event->resolved_at = now;
        ++m_generation;
    }
}

void AlertEvaluator::trim_history() {
    while (m_events.size() > m_history_limit) {
        const auto resolved = std::find_if(m_events.begin(), m_events.end(),
                                           [](const AlertEvent& e) { return e.state == AlertState::Resolved; });
        m_events.erase(resolved != m_events.end() ? resolved : m_events.begin());
        ++m_generation;
    }
}

void AlertEvaluator::evaluate(const AlertInputs& inputs, Clock::time_point now) {
    std::vector<AlertEvent> fired;
    {
        std::lock_guard lock(m_mutex);
        // Two threads may evaluate (the tick, an Apply): time never runs backwards for the states.
        now = std::max(now, m_last_now);
        m_last_now = now;
        std::set<Key> holds;
        for (const auto& rule : m_rules) {
            if (!rule.enabled) continue;
            for (auto& observation : holding(rule, inputs)) {
                Key key{rule.name, observation.subject};
                holds.insert(key);
                auto [it, inserted] = m_tracked.try_emplace(std::move(key));
                Tracked& tracked = it->second;
                if (inserted) tracked.since = now;
                tracked.kind = rule.kind;
                tracked.severity = rule.severity;
                tracked.value = observation.value;
                tracked.message = describe(rule, observation.subject, observation.value);
                if (tracked.state == AlertState::Pending && now - tracked.since >= rule.for_duration) {
                    tracked.state = AlertState::Firing;
                    tracked.event_id = m_next_id++;
                    AlertEvent event;
                    event.id = tracked.event_id;
                    event.rule = rule.name;
                    event.kind = rule.kind;
                    event.subject = observation.subject;
                    event.severity = rule.severity;
                    event.fired_at = now;
                    event.value = observation.value;
                    event.threshold = rule.threshold;
                    event.message = tracked.message;
                    m_events.push_back(event);
                    fired.push_back(std::move(event));
                    ++m_generation;
                } else if (tracked.state == AlertState::Firing) {
                    AlertEvent* event = find_event(tracked.event_id);
                    if (event && (event->value != observation.value || event->message != tracked.message ||
                                  event->severity != rule.severity || event->threshold != rule.threshold)) {
                        event->value = observation.value;
                        event->message = tracked.message;
                        event->severity = rule.severity;
                        event->threshold = rule.threshold;
                        ++m_generation;
                    }
                }
            }
        }
        // Conditions gone (or their rule removed or disabled): firing ones resolve, pending ones are forgotten.
        for (auto it = m_tracked.begin(); it != m_tracked.end();) {
            if (holds.contains(it->first)) {
                ++it;
                continue;
            }
            resolve(it->second, now);
            it = m_tracked.erase(it);
        }
        trim_history();
    }
    if (fired.empty()) return;
    std::lock_guard lock(m_listeners_mutex);
    for (const auto& event : fired)
        for (const auto& [token, listener] : m_listeners) listener(event);
}

void AlertEvaluator::restore(std::vector<AlertEvent> past) {
    std::lock_guard lock(m_mutex);
    const std::uint64_t first_own = m_events.empty() ? UINT64_MAX : m_events.front().id;
    std::erase_if(past, [&](const AlertEvent& e) { return e.id >= first_own; });
    std::sort(past.begin(), past.end(), [](const AlertEvent& a, const AlertEvent& b) { return a.id < b.id; });
    if (past.empty()) return;
    m_next_id = std::max(m_next_id, past.back().id + 1);
    m_events.insert(m_events.begin(), std::make_move_iterator(past.begin()), std::make_move_iterator(past.end()));
    trim_history();
    ++m_generation;
}

std::vector<AlertEvent> AlertEvaluator::events() const {
    std::lock_guard lock(m_mutex);
    return {m_events.begin(), m_events.end()};
}

std::vector<ActiveAlert> AlertEvaluator::active() const {
    std::lock_guard lock(m_mutex);
    std::vector<ActiveAlert> out;
    out.reserve(m_tracked.size());
    for (const auto& [key, tracked] : m_tracked)
        out.push_back({key.first, tracked.kind, key.second, tracked.severity, tracked.state, tracked.since,
                       tracked.event_id, tracked.value, tracked.message});
    return out;
}

std::size_t AlertEvaluator::firing_count() const {
    std::lock_guard lock(m_mutex);
    return static_cast<std::size_t>(std::count_if(m_tracked.begin(), m_tracked.end(),
                                                  [](const auto& entry) { return entry.second.state == AlertState::Firing; }));
}

std::uint64_t AlertEvaluator::generation() const {
    std::lock_guard lock(m_mutex);
    return m_generation;
}

std::uint64_t AlertEvaluator::subscribe(FiredListener listener) {
    std::lock_guard lock(m_listeners_mutex);
    const auto token = m_next_token++;
    m_listeners.emplace(token, std::move(listener));
    return token;
}

void AlertEvaluator::unsubscribe(std::uint64_t token) {
    std::lock_guard lock(m_listeners_mutex);
    m_listeners.erase(token);
}

}  // namespace sb
