#pragma once
// Latency learning for latency-aware tiers: a time-based EWMA per target, and how it scales
// weights. The half-life is in time, not samples, so a target that slows down loses share
// within seconds whatever its traffic, and wins it back as recovery samples arrive.
#include <chrono>
#include <span>

#include "routing/weighted_choice.h"

namespace sb {

class LatencyEwma {
public:
    using Clock = std::chrono::steady_clock;

    // alpha = 1 - exp(-ln2 · dt / half_life), dt since the previous sample, at least 0.05
    // so a burst of samples at one instant still moves the average.
    void add(double sample_ms, Clock::time_point now, std::chrono::milliseconds half_life);
    bool measured() const { return m_measured; }
    double value_ms() const { return m_value_ms; }  // 0 until measured

private:
    double m_value_ms = 0;
    bool m_measured = false;
    Clock::time_point m_last{};
};

// weight × (best / ewma)², best = the lowest EWMA among measured candidates (unmeasured ones
// keep their weight); then every candidate with weight keeps at least `min_share` of the
// total, so a slow target still gets the traffic that shows its recovery.
void apply_latency_weights(std::span<Candidate> candidates, double min_share);

}  // namespace sb
