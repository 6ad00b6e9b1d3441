#include "resilience/retry_policy.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace sb {

namespace {
double thread_local_uniform() {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}
}  // namespace

RetryPolicy::RetryPolicy(RetryConfig config, Uniform01 uniform)
    : m_config(config), m_uniform(uniform ? std::move(uniform) : Uniform01(thread_local_uniform)) {}

std::chrono::milliseconds RetryPolicy::backoff(int retry_index, double factor) const {
    const double exponent = std::ldexp(1.0, std::clamp(retry_index, 0, 30));
    const double base_ms = static_cast<double>(m_config.initial_delay.count()) * exponent * factor;
    const double jitter_ms = static_cast<double>(m_config.jitter.count()) * m_uniform();
    const double capped = std::min(base_ms + jitter_ms, static_cast<double>(m_config.max_delay.count()));
    return std::chrono::milliseconds(static_cast<long long>(std::llround(capped)));
}

RetryDecision RetryPolicy::decide(const Error& error, int attempts_made, std::chrono::milliseconds elapsed,
                                  std::chrono::milliseconds deadline) const {
    if (deadline.count() <= 0) deadline = m_config.deadline;
    if (!should_retry_in_place(error)) {
        // A transport rule (a bad certificate, a body over the size limit) or the server itself.
        if (error.should_retry == false && error.curl_code != 0)
            return {false, {}, "the same target would fail the same way"};
        if (error.should_retry == false) return {false, {}, "server said x-should-retry: false"};
        return {false, {}, std::string(to_string(error.cls)) + " is not retried in place"};
    }
    if (attempts_made >= m_config.max_attempts)
        return {false, {}, "gave up after " + std::to_string(attempts_made) + " attempts"};

    RetryDecision decision{true, {}, {}};
    if (error.retry_after) {
        if (*error.retry_after > m_config.retry_after_cap)
            return {false, {}, "Retry-After " + std::to_string(error.retry_after->count()) + " ms exceeds the cap"};
        decision.delay = std::max(*error.retry_after, std::chrono::milliseconds(0));
        decision.reason = "Retry-After";
    } else {
        decision.delay = backoff(attempts_made - 1, policy_for(error.cls).backoff_factor);
        decision.reason = "backoff";
    }
    if (elapsed + decision.delay >= deadline)
        return {false, {}, "the deadline of " + std::to_string(deadline.count()) + " ms would pass"};
    return decision;
}

}  // namespace sb
