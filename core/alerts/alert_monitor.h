#pragma once
// Runs an AlertEvaluator on a small thread of its own, once per interval, over inputs
// gathered by a function the owner supplies (the engine reads its metrics registry, budget
// tracker and router). Its own thread, not the engine's scheduler: tests that put the
// engine on virtual time must not also move the alerts' clock, and a slow evaluation must
// never delay a retry.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "alerts/alert_evaluator.h"

namespace sb {

class MetricsRegistry;

class AlertMonitor {
public:
    using Collect = std::function<AlertInputs(const std::vector<std::chrono::seconds>& windows)>;

    AlertMonitor(std::vector<AlertRule> rules, Collect collect,
                 std::chrono::milliseconds interval = std::chrono::milliseconds(1000));
    ~AlertMonitor();  // stop()
    AlertMonitor(const AlertMonitor&) = delete;
    AlertMonitor& operator=(const AlertMonitor&) = delete;

    AlertEvaluator& evaluator() { return m_evaluator; }
    const AlertEvaluator& evaluator() const { return m_evaluator; }
    void evaluate_now();  // on the caller's thread
    void stop();          // joins the thread; later ticks never run

private:
    void run();

    AlertEvaluator m_evaluator;
    Collect m_collect;
    std::chrono::milliseconds m_interval;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::thread m_thread;  // last: starts once everything it uses exists
};

// What the engine's alert rules look at: each window's requests, errors and p99 from the
// registry (cache hits included, as the console's error figures count them), budgets and targets.
AlertInputs collect_alert_inputs(const MetricsRegistry& metrics, const std::vector<std::chrono::seconds>& windows,
                                 std::vector<BudgetStatus> budgets, std::vector<TargetState> targets);

}  // namespace sb
