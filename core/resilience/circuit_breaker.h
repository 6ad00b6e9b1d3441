#pragma once
// A circuit breaker for one target. Closed: traffic flows; it opens after N consecutive
// failures or a failure ratio above X% over a sliding window (once the window holds enough
// requests). Open: traffic is shed. After a cooldown it lets one probe through (half-open):
// success closes it, failure opens it again for another cooldown. Auth failures (401/403)
// open it until reset() — a new key, not time, fixes those. Client errors (400, context
// length, content filter) say nothing about the target's health and are ignored.
// Not thread-safe: the router calls it under its lock.
#include <chrono>
#include <cstdint>
#include <deque>
#include <string_view>

#include "config/routing_config.h"
#include "model/error.h"

namespace sb {

enum class CircuitState { Closed, Open, HalfOpen, AuthFailed };
std::string_view to_string(CircuitState state);

class CircuitBreaker {
public:
    using Clock = std::chrono::steady_clock;

    explicit CircuitBreaker(CircuitConfig config = {});
    void set_config(const CircuitConfig& config);

    // May a request go to the target now? In half-open, true for one probe at a time.
    bool allow(Clock::time_point now);
    // Would allow() say yes, without taking the probe slot.
    bool available(Clock::time_point now) const;
    void record(ErrorClass error, Clock::time_point now);  // None = success; Cancelled frees a probe
    void reset();

    CircuitState state(Clock::time_point now) const;  // Open reads as HalfOpen once the cooldown passed
    Clock::time_point opened_at() const { return m_opened_at; }
    int consecutive_failures() const { return m_consecutive; }

private:
    void open(Clock::time_point now);
    void trim(Clock::time_point now);

    CircuitConfig m_config;
    CircuitState m_state = CircuitState::Closed;
    Clock::time_point m_opened_at{};
    bool m_probe_in_flight = false;
    int m_consecutive = 0;
    struct Sample {
        Clock::time_point at;
        bool failed;
    };
    std::deque<Sample> m_window;
    std::uint64_t m_window_failures = 0;
};

}  // namespace sb
