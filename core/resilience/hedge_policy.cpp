#include "resilience/hedge_policy.h"

#include <algorithm>
#include <vector>

namespace sb {

HedgePolicy::HedgePolicy(HedgeConfig config) : m_config(config) {}

std::optional<std::chrono::milliseconds> HedgePolicy::delay_for(const std::string& target) {
    std::lock_guard lock(m_mutex);
    m_budget = std::min(kBudgetBurst, m_budget + m_config.max_share);
    if (m_config.quantile <= 0) return std::max(m_config.after, m_config.min_after);
    const auto it = m_targets.find(target);
    if (it == m_targets.end() || it->second.count < kMinSamples) return std::nullopt;
    Latencies& latencies = it->second;
    // Recomputed once per eighth of the window: a quantile moves slowly, a sort per request would not.
    if (latencies.quantile_at == 0 || latencies.count - latencies.quantile_at >= kWindow / 8) {
        const std::size_t held = std::min(latencies.count, kWindow);
        std::vector<float> sorted(latencies.ms.begin(), latencies.ms.begin() + static_cast<std::ptrdiff_t>(held));
        const auto nth = sorted.begin() + static_cast<std::ptrdiff_t>(m_config.quantile * static_cast<double>(held - 1));
        std::nth_element(sorted.begin(), nth, sorted.end());
        latencies.quantile_ms = *nth;
        latencies.quantile_at = latencies.count;
    }
    const auto delay = std::chrono::milliseconds(static_cast<long long>(latencies.quantile_ms + 0.5));
    return std::max(delay, m_config.min_after);
}

bool HedgePolicy::take() {
    std::lock_guard lock(m_mutex);
    if (m_budget < 1) return false;
    m_budget -= 1;
    return true;
}

void HedgePolicy::observe(const std::string& target, std::chrono::microseconds latency) {
    std::lock_guard lock(m_mutex);
    Latencies& latencies = m_targets[target];
    latencies.ms[latencies.count % kWindow] = static_cast<float>(latency.count()) / 1000.0f;
    ++latencies.count;
}

}  // namespace sb
