#include "routing/latency_tracker.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace sb {

namespace {
constexpr double kMinAlpha = 0.05;
// Below a millisecond the differences are noise, and a 0 ms simulator must not divide by zero.
constexpr double kLatencyFloorMs = 1.0;
}  // namespace

void LatencyEwma::add(double sample_ms, Clock::time_point now, std::chrono::milliseconds half_life) {
    sample_ms = std::max(sample_ms, 0.0);
    if (!m_measured) {
        m_value_ms = sample_ms;
        m_measured = true;
        m_last = now;
        return;
    }
    double alpha = 1.0;
    if (half_life.count() > 0) {
        const double dt = std::max(std::chrono::duration<double, std::milli>(now - m_last).count(), 0.0);
        alpha = 1.0 - std::exp(-std::numbers::ln2 * dt / static_cast<double>(half_life.count()));
    }
    alpha = std::clamp(alpha, kMinAlpha, 1.0);
    m_value_ms += alpha * (sample_ms - m_value_ms);
    m_last = std::max(m_last, now);
}

void apply_latency_weights(std::span<Candidate> candidates, double min_share) {
    double best = std::numeric_limits<double>::infinity();
    for (const auto& c : candidates)
        if (c.latency_ms >= 0) best = std::min(best, std::max(c.latency_ms, kLatencyFloorMs));
    if (!std::isfinite(best)) return;  // nothing measured yet: configured weights
    double total = 0;
    for (auto& c : candidates) {
        if (c.latency_ms >= 0) {
            const double ratio = best / std::max(c.latency_ms, kLatencyFloorMs);
            c.weight *= ratio * ratio;
        }
        total += c.weight;
    }
    const double floor = std::clamp(min_share, 0.0, 1.0) * total;
    for (auto& c : candidates)
        if (c.weight > 0) c.weight = std::max(c.weight, floor);
}

}  // namespace sb
