#include "simulator/sim_fate.h"

#include <cmath>
#include <numbers>

namespace sb {

std::uint64_t sim_hash(std::string_view bytes)
{
    std::uint64_t hash = 1469598103934665603ULL;  // FNV-1a
    for (unsigned char c : bytes) {
        hash ^= c;
        hash *= 1099511628211ULL;
    }
    return hash;
}

std::uint64_t sim_mix(std::uint64_t a, std::uint64_t b)
{
    SimRng rng(a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2)));
    return rng.next();
}

std::uint64_t SimRng::next()
{
    std::uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double SimRng::uniform()
{
    return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

double SimRng::normal()
{
    const double u1 = 1.0 - uniform();  // (0, 1]: log stays finite
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

SimFate draw_sim_fate(const SimulatorProfile& profile, std::uint64_t key, std::uint32_t attempt)
{
    SimRng rng(sim_mix(sim_mix(profile.seed, key), attempt));
    SimFate fate;

    const auto& e = profile.errors;
    const double u = rng.uniform();
    const std::pair<double, SimOutcome> table[] = {
        {e.rate_limited, SimOutcome::rate_limited},
        {e.rate_limited_no_header, SimOutcome::rate_limited_no_header},
        {e.server_error, SimOutcome::server_error},
        {e.bad_gateway, SimOutcome::bad_gateway_json},
        {e.unavailable, SimOutcome::unavailable},
        {e.overloaded, SimOutcome::overloaded},
        {e.hang, SimOutcome::hang},
        {e.reset, SimOutcome::reset},
        {e.malformed, SimOutcome::malformed},
    };
    double edge = 0;
    for (const auto& [p, outcome] : table) {
        edge += p;
        if (u < edge) {
            fate.outcome = outcome;
            break;
        }
    }
    // Real gateways send both shapes of 502, so the draw does too.
    const bool html = rng.uniform() < 0.5;
    if (fate.outcome == SimOutcome::bad_gateway_json && html)
        fate.outcome = SimOutcome::bad_gateway_html;

    const double z = rng.normal();
    if (profile.latency_median_ms > 0) {
        // p99 = median * exp(2.326 sigma) for a log-normal distribution.
        const double sigma = profile.latency_p99_ms > profile.latency_median_ms
            ? std::log(profile.latency_p99_ms / profile.latency_median_ms) / 2.326
            : 0.0;
        fate.latency_ms = std::min(profile.latency_median_ms * std::exp(sigma * z), 600'000.0);
    }
    fate.entropy = rng.next();
    return fate;
}

std::uint32_t SimAttemptCounter::next(std::uint64_t key)
{
    std::lock_guard lock(m_mutex);
    if (m_attempts.size() >= m_cap)
        m_attempts.clear();
    return m_attempts[key]++;
}

}  // namespace sb
