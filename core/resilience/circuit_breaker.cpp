#include "resilience/circuit_breaker.h"

#include <algorithm>

namespace sb {

namespace {

enum class Outcome { Success, Failure, AuthFailure, Neutral, Cancelled };

// What an attempt's error class says about the target's health.
Outcome outcome_of(ErrorClass error) {
    switch (error) {
    case ErrorClass::None: return Outcome::Success;
    case ErrorClass::RateLimited:
    case ErrorClass::Overloaded:
    case ErrorClass::ServerTransient:
    case ErrorClass::Timeout:
    case ErrorClass::Network:
    case ErrorClass::MalformedResponse:
    case ErrorClass::QuotaExhausted: return Outcome::Failure;
    case ErrorClass::Auth:
    case ErrorClass::Permission: return Outcome::AuthFailure;
    case ErrorClass::Cancelled: return Outcome::Cancelled;
    case ErrorClass::BadRequest:
    case ErrorClass::ContextLength:
    case ErrorClass::RequestTooLarge:
    case ErrorClass::NotFound:
    case ErrorClass::ContentFilter:
    case ErrorClass::Budget:
    case ErrorClass::Internal: return Outcome::Neutral;
    }
    return Outcome::Neutral;
}

}  // namespace

std::string_view to_string(CircuitState state) {
    switch (state) {
    case CircuitState::Closed: return "closed";
    case CircuitState::Open: return "open";
    case CircuitState::HalfOpen: return "half_open";
    case CircuitState::AuthFailed: return "auth_failed";
    }
    return "closed";
}

CircuitBreaker::CircuitBreaker(CircuitConfig config) : m_config(config) {}

void CircuitBreaker::set_config(const CircuitConfig& config) {
    m_config = config;
}

bool CircuitBreaker::allow(Clock::time_point now) {
    switch (state(now)) {
    case CircuitState::Closed: return true;
    case CircuitState::Open:
    case CircuitState::AuthFailed: return false;
    case CircuitState::HalfOpen:
        m_state = CircuitState::HalfOpen;
        if (m_probe_in_flight) return false;
        m_probe_in_flight = true;
        return true;
    }
    return false;
}

bool CircuitBreaker::available(Clock::time_point now) const {
    switch (state(now)) {
    case CircuitState::Closed: return true;
    case CircuitState::HalfOpen: return !m_probe_in_flight;
    case CircuitState::Open:
    case CircuitState::AuthFailed: return false;
    }
    return false;
}

CircuitState CircuitBreaker::state(Clock::time_point now) const {
    if (m_state == CircuitState::Open && now - m_opened_at >= m_config.cooldown)
        return CircuitState::HalfOpen;
    return m_state;
}

void CircuitBreaker::record(ErrorClass error, Clock::time_point now) {
    const Outcome outcome = outcome_of(error);
    if (outcome == Outcome::AuthFailure) {
        m_state = CircuitState::AuthFailed;
        m_opened_at = now;
        m_probe_in_flight = false;
        return;
    }
    switch (state(now)) {
    case CircuitState::AuthFailed: return;  // only reset() (a new key) closes it
    case CircuitState::Open:
        // Outcomes of requests sent before the circuit opened; the cooldown stands.
        return;
    case CircuitState::HalfOpen:
        switch (outcome) {
        case Outcome::Success:
            m_state = CircuitState::Closed;
            m_probe_in_flight = false;
            m_consecutive = 0;
            m_window.clear();
            m_window_failures = 0;
            return;
        case Outcome::Failure:
            ++m_consecutive;
            open(now);
            return;
        default:
            // Said nothing about health: the next request may probe.
            m_state = CircuitState::HalfOpen;
            m_probe_in_flight = false;
            return;
        }
    case CircuitState::Closed: break;
    }
    if (outcome != Outcome::Success && outcome != Outcome::Failure) return;
    const bool failed = outcome == Outcome::Failure;
    m_window.push_back({now, failed});
    if (failed) ++m_window_failures;
    trim(now);
    if (!failed) {
        m_consecutive = 0;
        return;
    }
    ++m_consecutive;
    const auto size = m_window.size();
    const bool too_many_in_a_row =
        m_config.consecutive_failures > 0 && m_consecutive >= m_config.consecutive_failures;
    const bool rate_too_high =
        size >= static_cast<std::size_t>(std::max(m_config.min_requests, 1)) &&
        static_cast<double>(m_window_failures) / static_cast<double>(size) > m_config.error_rate;
    if (too_many_in_a_row || rate_too_high) open(now);
}

void CircuitBreaker::reset() {
    m_state = CircuitState::Closed;
    m_opened_at = {};
    m_probe_in_flight = false;
    m_consecutive = 0;
    m_window.clear();
    m_window_failures = 0;
}

void CircuitBreaker::open(Clock::time_point now) {
    m_state = CircuitState::Open;
    m_opened_at = now;
    m_probe_in_flight = false;
}

void CircuitBreaker::trim(Clock::time_point now) {
    const auto oldest = now - m_config.window;
    while (!m_window.empty() && m_window.front().at < oldest) {
        if (m_window.front().failed) --m_window_failures;
        m_window.pop_front();
    }
}

}  // namespace sb
