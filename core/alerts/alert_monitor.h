#pragma once
// Runs an AlertEvaluator on a small thread of its own, once per interval, over inputs
// gathered by a function the owner supplies (the engine reads its metrics registry, budget
// tracker and router). Its own thread, not the engine's scheduler: tests that put the
// engine on virtual time must not also move the alerts' clock, and a slow evaluation must
// never delay a retry.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "alerts/alert_evaluator.h"

namespace sb {

class MetricsRegistry;

// Where the alert history lasts (the engine's history database), if anywhere.
struct AlertHistory {
    std::vector<AlertEvent> past;  // restored before the first tick
    // Called on the evaluating thread with the events that fired, changed or resolved since
    // the last successful call; false: it failed, and they are offered again next time.
    std::function<bool(const std::vector<AlertEvent>& changed)> save;
};

class AlertMonitor {
public:
    using Collect = std::function<AlertInputs(const std::vector<std::chrono::seconds>& windows)>;

    AlertMonitor(std::vector<AlertRule> rules, Collect collect,
                 std::chrono::milliseconds interval = std::chrono::milliseconds(1000), AlertHistory history = {});
    ~AlertMonitor();  // stop()
    AlertMonitor(const AlertMonitor&) = delete;
    AlertMonitor& operator=(const AlertMonitor&) = delete;

    AlertEvaluator& evaluator() { return m_evaluator; }
    const AlertEvaluator& evaluator() const { return m_evaluator; }
    void evaluate_now();  // on the caller's thread
    void stop();          // joins the thread; later ticks never run

private:
    void run();
    void save_changes();

    AlertEvaluator m_evaluator;
    Collect m_collect;
    std::function<bool(const std::vector<AlertEvent>&)> m_save;
    std::mutex m_save_mutex;  // evaluate_now() runs on the tick and on an Apply
    std::map<std::uint64_t, AlertEvent> m_saved;  // as last saved, by id
    std::uint64_t m_saved_generation = 0;
    std::chrono::milliseconds m_interval;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::thread m_thread;  // started last in the constructor, once the past is restored
};

// What the engine's alert rules look at: each window's requests, errors and p99 from the
// registry (cache hits included, as the console's error figures count them), budgets and targets.
AlertInputs collect_alert_inputs(const MetricsRegistry& metrics, const std::vector<std::chrono::seconds>& windows,
                                 std::vector<BudgetStatus> budgets, std::vector<TargetState> targets);

}  // namespace sb
