#pragma once
// Adaptive concurrency limit for one provider (AIMD, as TCP congestion control).
// Until the provider's first answer, demand raises the limit up to max: nothing is known yet to
// limit on, and a fresh engine must not queue what plain calls would send (a failure is no
// answer: a fast 429 or 503 says nothing of how many calls a provider takes, unless enough of
// them cut the limit). Then slow start: the limit doubles per round trip while it is used, or
// jumps to what the provider's rate-limit headers say its rate sustains. After a cut it climbs
// back half the way to the limit it was cut from per round trip (binary search, as TCP BIC
// does), and beyond that probes by 1, 2, 4… more per round trip while round trips stay clean.
// A window is judged once it spans a round trip and holds at least 20 calls: if more than 10%
// of its completions (and at least two) were congestion (429, overload, timeout) and that count
// is significantly above the provider's background rate, or its mean latency rose above
// spike_factor × the baseline it opened with (trusted from 32 answers on), the limit is cut by
// `decrease_factor`; never below min nor above max. Judging windows rather than single calls
// matters: providers fail a few percent of calls at random and have a long latency tail at any
// load, and cutting on each such call drove the limit to a handful while requests queued for
// seconds. So do the window's size and the trusted baseline: at a cold start, 3 failures in a
// window of 8, or a round trip judged against the first (fastest) answers, cut a healthy limit
// in the first second and it took the replay's warm-up a dozen seconds to win it back. The
// background rate matters for the same reason: with a steady 6% of 429s/503s/timeouts, a fixed
// 10% threshold was crossed by chance every minute or so. Thread-safe.
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
    // The request rate the provider says it allows (its rate-limit headers), per minute. In slow
    // start the limit jumps to the concurrency that rate sustains at the baseline latency
    // (Little's law: rate × latency), so a fresh engine starts where the provider says it may
    // rather than doubling its way there; congestion still cuts it as usual.
    void learn_rate_limit(double requests_per_minute);
    bool learns_rate_limit() const;  // in slow start, below max: what learn_rate_limit() could move

    int limit() const;
    int in_flight() const;
    double baseline_ms() const;
    double background_share() const;  // the learnt share of 429s/overloads/timeouts a provider shows anyway

private:
    void close_window(Clock::time_point now);

    mutable std::mutex m_mutex;
    ConcurrencyConfig m_config;
    double m_decrease_factor;
    double m_limit;
    int m_in_flight = 0;
    int m_peak_in_flight = 0;  // highest in_flight since the limit last changed step
    double m_baseline_ms = 0;  // slow-moving EWMA of successful latencies
    int m_baseline_samples = 0;  // successes it has learnt from (counted up to the point it is trusted)
    double m_background;       // learnt share of congestion signals (see kMaxBackground)
    bool m_slow_start = true;  // until the first cut
    bool m_answered = false;   // a first answer, or a cut: until then demand sets the limit
    double m_last_max = 0;     // the limit the last cut started from
    double m_probe = 1.0;      // growth per round trip above m_last_max
    bool m_window_grew = false;  // the limit grew in the current window (it was in use)
    // The current round-trip window.
    Clock::time_point m_window_start{};
    int m_window_calls = 0;
    int m_window_congested = 0;
    int m_window_successes = 0;
    double m_window_latency_ms = 0;  // sum over the successes
    double m_window_baseline_ms = 0;  // the baseline when the window opened (0: not yet trusted)
};

}  // namespace sb
