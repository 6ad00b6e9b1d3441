#pragma once
// When to try the same target again, and how long to wait first.
//   delay = min(initial · 2^retry · factor + U(0, jitter), max)
// where `factor` comes from the error class (502/503/529 double the delay). A 429 with a
// Retry-After waits exactly that long, if it is within the cap; a longer one is not waited
// for in place (another target may answer sooner). Nothing is retried past the deadline.
#include <chrono>
#include <functional>
#include <string>

#include "config/config.h"
#include "model/error.h"

namespace sb {

struct RetryDecision {
    bool retry = false;
    std::chrono::milliseconds delay{0};
    std::string reason;  // why not, or what the delay is based on; shown in logs and the UI
};

class RetryPolicy {
public:
    using Uniform01 = std::function<double()>;  // U[0,1); injectable so tests see exact delays

    explicit RetryPolicy(RetryConfig config, Uniform01 uniform = {});

    // `attempts_made` counts attempts on this target so far (1 after the first failure);
    // `elapsed` is the time since the request started; `deadline` its total budget
    // (0 = the configured retry.deadline).
    RetryDecision decide(const Error& error, int attempts_made, std::chrono::milliseconds elapsed,
                         std::chrono::milliseconds deadline = std::chrono::milliseconds(0)) const;

    // The backoff before retry number `retry_index` (0 = first retry) for a class factor.
    std::chrono::milliseconds backoff(int retry_index, double factor) const;

    const RetryConfig& config() const { return m_config; }

private:
    RetryConfig m_config;
    Uniform01 m_uniform;
};

}  // namespace sb
