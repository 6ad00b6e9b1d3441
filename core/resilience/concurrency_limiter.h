#pragma once
// Adaptive concurrency limit for one provider (AIMD, as TCP congestion control):
// while latency holds near its baseline the limit grows by about one per round trip;
// a 429, an overload, a timeout or a latency spike cuts it by `decrease_factor`, at most
// once per round trip, never below min nor above max. This is the batch size that adjusts
// itself to recent response times. Thread-safe.
#include <chrono>
#include <mutex>

#include "config/config.h"

namespace sb {

class ConcurrencyLimiter {
public:
    using Clock = std::chrono::steady_clock;

    explicit ConcurrencyLimiter(ConcurrencyConfig config, double decrease_factor = 0.7);

    // Takes a slot if one is free under the current limit.
    bool try_acquire();

    // Returns a slot. `congested` marks 429 / overload / timeout. Latency of successful
    // calls feeds the baseline; a latency above spike_factor × baseline counts as congestion.
    void release(std::chrono::microseconds latency, bool congested, Clock::time_point now = Clock::now());
    // Returns a slot without a signal (cancelled, failed before the network).
    void release_neutral();

    int limit() const;
    int in_flight() const;
    double baseline_ms() const;

private:
    void decrease(Clock::time_point now);

    mutable std::mutex m_mutex;
    ConcurrencyConfig m_config;
    double m_decrease_factor;
    double m_limit;
    int m_in_flight = 0;
    int m_peak_in_flight = 0;  // highest in_flight since the limit last changed step
    double m_baseline_ms = 0;  // slow-moving EWMA of successful latencies
    Clock::time_point m_last_decrease{};
};

}  // namespace sb
