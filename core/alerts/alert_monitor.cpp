#include "alerts/alert_monitor.h"

#include <algorithm>

#include "metrics/metrics_registry.h"

namespace sb {

AlertMonitor::AlertMonitor(std::vector<AlertRule> rules, Collect collect, std::chrono::milliseconds interval)
    : m_evaluator(std::move(rules)), m_collect(std::move(collect)), m_interval(interval), m_thread([this] { run(); }) {}

AlertMonitor::~AlertMonitor() { stop(); }

void AlertMonitor::stop() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

void AlertMonitor::evaluate_now() {
    m_evaluator.evaluate(m_collect(m_evaluator.windows()), AlertEvaluator::Clock::now());
}

void AlertMonitor::run() {
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        if (m_wake.wait_for(lock, m_interval, [this] { return m_stopping; })) break;
        lock.unlock();
        evaluate_now();
        lock.lock();
    }
}

AlertInputs collect_alert_inputs(const MetricsRegistry& metrics, const std::vector<std::chrono::seconds>& windows,
                                 std::vector<BudgetStatus> budgets, std::vector<TargetState> targets) {
    AlertInputs inputs;
    for (const auto window : windows) {
        // The snapshot starts at a multiple of its resolution: a fine one keeps the span the
        // rule judges within 2% of its window, and a few dozen frames keep it cheap.
        const std::chrono::milliseconds resolution = std::max<std::chrono::seconds>(std::chrono::seconds(1), window / 60);
        const auto snapshot = metrics.recent(window, resolution);
        inputs.traffic[window] = TrafficSummary{snapshot.requests, snapshot.errors, snapshot.p99_ms};
    }
    inputs.budgets = std::move(budgets);
    inputs.targets = std::move(targets);
    return inputs;
}

}  // namespace sb
