#pragma once
// Evaluates the alert rules against what the engine measures, once a second. Each rule is
// judged per subject — all traffic for error rate and p99, each budget by name, each target
// ("provider/model") for circuits — and each (rule, subject) moves
//   inactive → pending (condition holds) → firing (held for `for_duration`) → resolved
// (condition gone; back to inactive, the event keeps its resolved time). Error rate and p99
// are not judged on fewer than kMinRequests requests in the window: one failure of two is
// not a storm. Fired and resolved alerts are kept as a bounded history of events (resolved
// ones are dropped first). Inputs and the clock are passed in, so tests drive it directly;
// the engine feeds it from its metrics, budgets and router (AlertMonitor). Thread-safe.
#include <chrono>
#include <cstdint>
#include <deque>
#include <expected>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/alert_config.h"
#include "config/config.h"
#include "cost/budget_tracker.h"
#include "routing/router.h"

namespace sb {

// Traffic over one window, as the metrics registry sums it.
struct TrafficSummary {
    std::uint64_t requests = 0;
    std::uint64_t errors = 0;
    double p99_ms = 0;
};

struct AlertInputs {
    std::map<std::chrono::seconds, TrafficSummary> traffic;  // by window; a missing window is no traffic
    std::vector<BudgetStatus> budgets;
    std::vector<TargetState> targets;
};

enum class AlertState { Pending, Firing, Resolved };
std::string_view to_string(AlertState state);

// One alert that fired: still firing, or resolved.
struct AlertEvent {
    std::uint64_t id = 0;  // increasing, unique for the evaluator's life
    std::string rule;
    AlertKind kind = AlertKind::ErrorRate;
    std::string subject;  // "" (all traffic), a budget name, or "provider/model"
    std::string severity;
    AlertState state = AlertState::Firing;
    std::chrono::system_clock::time_point fired_at{};
    std::optional<std::chrono::system_clock::time_point> resolved_at;
    double value = 0;  // the latest value while firing, in the rule's threshold unit
    double threshold = 0;
    std::string message;  // "error rate 37.5% over 5 min (threshold 5%)"
    bool operator==(const AlertEvent&) const = default;
};

// A (rule, subject) whose condition holds now: pending (waiting out `for`) or firing.
struct ActiveAlert {
    std::string rule;
    AlertKind kind = AlertKind::ErrorRate;
    std::string subject;
    std::string severity;
    AlertState state = AlertState::Pending;
    std::chrono::system_clock::time_point since{};  // when the condition started to hold
    std::uint64_t event_id = 0;                     // 0 while pending
    double value = 0;
    std::string message;
};

class AlertEvaluator {
public:
    using Clock = std::chrono::system_clock;
    using FiredListener = std::function<void(const AlertEvent&)>;
    static constexpr std::uint64_t kMinRequests = 20;
    static constexpr std::size_t kDefaultHistory = 500;

    explicit AlertEvaluator(std::vector<AlertRule> rules = default_alert_rules(),
                            std::size_t history_limit = kDefaultHistory);

    // Validated, then swapped in whole; the next evaluate() follows them. Alerts of rules
    // removed or disabled resolve then. Errors are relative to the rules array ("[1].threshold").
    std::expected<void, std::vector<ConfigError>> set_rules(std::vector<AlertRule> rules);
    std::vector<AlertRule> rules() const;
    // The distinct windows the enabled traffic rules need summaries for.
    std::vector<std::chrono::seconds> windows() const;

    void evaluate(const AlertInputs& inputs, Clock::time_point now);

    // Events from before this process (the stored alert history, oldest first), listed before
    // any this evaluator makes; new ids continue after theirs. Call before the first evaluate().
    void restore(std::vector<AlertEvent> past);

    std::vector<AlertEvent> events() const;  // oldest first
    std::vector<ActiveAlert> active() const;  // pending and firing, by rule then subject
    std::size_t firing_count() const;
    // Bumped whenever the events change (fired, resolved, value updated): a cheap "anything new?".
    std::uint64_t generation() const;

    // Called on the evaluating thread for each alert that starts firing; keep it short.
    // unsubscribe() waits for a call in progress, so a listener may be destroyed after it.
    std::uint64_t subscribe(FiredListener listener);
    void unsubscribe(std::uint64_t token);

    // The message text for a rule's value ("p99 latency 2.4 s over 5 min (threshold 2 s)").
    static std::string describe(const AlertRule& rule, const std::string& subject, double value);

private:
    struct Tracked {
        AlertState state = AlertState::Pending;  // Pending or Firing
        Clock::time_point since{};
        std::uint64_t event_id = 0;
        AlertKind kind = AlertKind::ErrorRate;
        std::string severity;
        double value = 0;
        std::string message;
    };
    using Key = std::pair<std::string, std::string>;  // rule, subject

    AlertEvent* find_event(std::uint64_t id);  // m_mutex held
    void resolve(Tracked& tracked, Clock::time_point now);
    void trim_history();

    mutable std::mutex m_mutex;
    std::vector<AlertRule> m_rules;
    std::map<Key, Tracked> m_tracked;
    std::deque<AlertEvent> m_events;
    std::size_t m_history_limit;
    std::uint64_t m_next_id = 1;
    std::uint64_t m_generation = 0;
    Clock::time_point m_last_now{};

    std::mutex m_listeners_mutex;  // held while listeners run: unsubscribe waits for them
    std::map<std::uint64_t, FiredListener> m_listeners;
    std::uint64_t m_next_token = 1;
};

}  // namespace sb
