#include "resilience/concurrency_limiter.h"

#include <algorithm>
#include <cmath>

namespace sb {

bool ConcurrencyLimiter::try_acquire() {
    std::lock_guard lock(m_mutex);
    if (m_in_flight >= static_cast<int>(std::floor(m_limit))) {
        // Until the provider has answered once there is nothing to judge a limit by: demand raises
        // it, up to max (the calls would go out at once without the engine). The first answers
        // then judge it as usual: a burst of 429s cuts it.
        if (m_answered || !m_config.cold_start_follows_demand || m_limit >= m_config.max) return false;
        m_limit = std::min<double>(m_config.max, std::floor(m_limit) + 1.0);
    }
    ++m_in_flight;
    m_peak_in_flight = std::max(m_peak_in_flight, m_in_flight);
    return true;
}

namespace {
constexpr double kCongestedShare = 0.10;  // of a window's calls
constexpr int kMinCongested = 2;          // one 429 in a quiet window is noise, not congestion
// The background share of congestion signals is learnt per call (a horizon of about five
// hundred calls), starting from what a healthy provider shows and never above kMaxBackground:
// more than that is congestion, however steady.
constexpr double kBackgroundPrior = 0.05;
constexpr double kBackgroundRate = 0.002;
constexpr double kMaxBackground = 0.10;
constexpr double kSignificance = 3.5;  // standard deviations above the background
// A latency baseline learnt from fewer answers is not one: the first answers of a cold engine
// are its fastest, and judging the next round trips against them cut a healthy limit at start.
constexpr int kMinBaselineSamples = 32;
constexpr int kMinJudgedCalls = 20;
}  // namespace

ConcurrencyLimiter::ConcurrencyLimiter(ConcurrencyConfig config, double decrease_factor)
    : m_config(config), m_decrease_factor(decrease_factor), m_limit(config.initial), m_background(kBackgroundPrior) {}

void ConcurrencyLimiter::close_window(Clock::time_point now) {
    // Congested: more 429s, overloads and timeouts than the provider's background rate explains
    // (a binomial count kSignificance standard deviations above it), and at least kCongestedShare.
    const double calls = m_window_calls;
    const double expected = m_background * calls;
    const double spread = kSignificance * std::sqrt(calls * m_background * (1.0 - m_background));
    const bool congested = m_window_congested >= kMinCongested &&
                           m_window_congested > std::max(kCongestedShare * calls, expected + spread);
    // Against the baseline as the window found it: its own slow calls have pulled the baseline up.
    const bool slow = m_window_successes > 0 && m_window_baseline_ms > 0 &&
                      m_window_latency_ms / m_window_successes > m_window_baseline_ms * m_config.latency_spike_factor;
    if (congested || slow) {
        // Where to climb back to: the limit before this cut, or — cut again before getting
        // there — a little below it, so a limit that keeps meeting congestion settles lower.
        m_last_max = m_limit < m_last_max ? m_limit * (1.0 + m_decrease_factor) / 2.0 : m_limit;
        m_limit = std::max<double>(m_config.min, m_limit * m_decrease_factor);
        m_peak_in_flight = m_in_flight;
        m_slow_start = false;
        m_answered = true;
        m_probe = 1.0;
    } else if (m_window_grew && m_limit >= m_last_max) {
        // Past the last cut and still needed: probe faster each round trip that stays clean.
        m_probe = std::min(m_probe * 2.0, std::max(1.0, m_limit / 2.0));
    }
    m_window_grew = false;
    if (calls > 0) {
        const double keep = std::pow(1.0 - kBackgroundRate, calls);
        m_background = std::min(kMaxBackground, keep * m_background + (1.0 - keep) * (m_window_congested / calls));
    }
    m_window_start = now;
    m_window_calls = m_window_congested = m_window_successes = 0;
    m_window_latency_ms = 0;
    m_window_baseline_ms = m_baseline_samples >= kMinBaselineSamples ? m_baseline_ms : 0.0;
}

void ConcurrencyLimiter::release(std::chrono::microseconds latency, bool congested, Clock::time_point now) {
    std::lock_guard lock(m_mutex);
    m_in_flight = std::max(0, m_in_flight - 1);
    if (m_window_calls == 0 && m_window_start == Clock::time_point{}) m_window_start = now;
    ++m_window_calls;
    if (congested) {
        ++m_window_congested;
    } else {
        const double latency_ms = static_cast<double>(latency.count()) / 1000.0;
        m_answered = true;
        ++m_window_successes;
        m_window_latency_ms += latency_ms;
        // The baseline follows even slow calls, slowly, so a provider that settles at a new
        // latency is not treated as congested forever.
        // Until kMinBaselineSamples, the plain mean (an EWMA would weigh the first, fastest answer).
        if (m_baseline_samples < kMinBaselineSamples) {
            ++m_baseline_samples;
            m_baseline_ms += (latency_ms - m_baseline_ms) / m_baseline_samples;
        } else {
            m_baseline_ms = 0.95 * m_baseline_ms + 0.05 * latency_ms;
        }
        // Grow only while the limit is actually used; an idle limit proves nothing.
        const int whole = static_cast<int>(std::floor(m_limit));
        if (m_peak_in_flight >= whole - 1) {
            // Slow start: one per call. Below the limit of the last cut: half the way back per
            // round trip (a cut that was noise costs a few round trips, not dozens). Above it:
            // 1, 2, 4… more per round trip while round trips stay clean (BIC's max probing), so
            // a limit cut early, below the traffic, finds it again in a few round trips too.
            const double per_round_trip = m_slow_start          ? m_limit
                                          : m_limit < m_last_max ? std::max(1.0, (m_last_max - m_limit) / 2.0)
                                                                 : m_probe;
            m_window_grew = true;
            m_limit = std::min<double>(m_config.max, m_limit + per_round_trip / m_limit);
            if (static_cast<int>(std::floor(m_limit)) > whole) m_peak_in_flight = m_in_flight;
        }
    }
    const auto round_trip = std::chrono::microseconds(static_cast<long long>(std::max(m_baseline_ms, 1.0) * 1000.0));
    // A window is judged once it spans a round trip and holds enough calls to tell congestion
    // from chance: in windows of a few calls, 3 failures of 8 or one slow answer cut a healthy
    // limit (at a cold start, with a provider's usual few percent of 429s). Before the first
    // success there is no round trip yet: the calls alone decide.
    if (m_window_calls >= kMinJudgedCalls && (m_baseline_samples == 0 || now - m_window_start >= round_trip))
        close_window(now);
}

void ConcurrencyLimiter::release_neutral() {
    std::lock_guard lock(m_mutex);
    m_in_flight = std::max(0, m_in_flight - 1);
}

void ConcurrencyLimiter::learn_rate_limit(double requests_per_minute) {
    std::lock_guard lock(m_mutex);
    if (!m_slow_start || m_baseline_ms <= 0 || requests_per_minute <= 0) return;
    const double sustained = requests_per_minute / 60'000.0 * m_baseline_ms;
    const double start = std::min<double>(m_config.max, sustained);
    if (start > m_limit) m_limit = start;
}

bool ConcurrencyLimiter::learns_rate_limit() const {
    std::lock_guard lock(m_mutex);
    return m_slow_start && m_limit < m_config.max;
}

int ConcurrencyLimiter::limit() const {
    std::lock_guard lock(m_mutex);
    return static_cast<int>(std::floor(m_limit));
}

int ConcurrencyLimiter::in_flight() const {
    std::lock_guard lock(m_mutex);
    return m_in_flight;
}

double ConcurrencyLimiter::baseline_ms() const {
    std::lock_guard lock(m_mutex);
    return m_baseline_ms;
}

double ConcurrencyLimiter::background_share() const {
    std::lock_guard lock(m_mutex);
    return m_background;
}

}  // namespace sb
