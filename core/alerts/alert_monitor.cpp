#include "alerts/alert_monitor.h"

#include <algorithm>

#include "metrics/metrics_registry.h"

namespace sb {

namespace {

bool same_record(const AlertEvent& a, const AlertEvent& b) {
    return a.state == b.state && a.resolved_at == b.resolved_at && a.value == b.value && a.message == b.message;
}

}  // namespace

AlertMonitor::AlertMonitor(std::vector<AlertRule> rules, Collect collect, std::chrono::milliseconds interval,
                           AlertHistory history)
    : m_evaluator(std::move(rules)),
      m_collect(std::move(collect)),
      m_save(std::move(history.save)),
      m_interval(interval) {
    // The past goes in before the thread's first tick, so new ids continue after it.
    for (const auto& event : history.past) m_saved.emplace(event.id, event);
    m_evaluator.restore(std::move(history.past));
    m_saved_generation = m_evaluator.generation();
    m_thread = std::thread([this] { run(); });
}

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
    if (m_save) save_changes();
}

void AlertMonitor::save_changes() {
    std::lock_guard lock(m_save_mutex);
    const std::uint64_t generation = m_evaluator.generation();
    if (generation == m_saved_generation) return;
    const auto events = m_evaluator.events();
    std::vector<AlertEvent> changed;
    for (const auto& event : events) {
        const auto saved = m_saved.find(event.id);
        if (saved == m_saved.end() || !same_record(saved->second, event)) changed.push_back(event);
    }
    if (!changed.empty() && !m_save(changed)) return;
    m_saved.clear();  // only what the evaluator still holds can change again
    for (const auto& event : events) m_saved.emplace(event.id, event);
    m_saved_generation = generation;
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
