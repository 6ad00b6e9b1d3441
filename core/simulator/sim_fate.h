#pragma once
// The fate of one attempt: outcome and latency, a pure function of (seed, request key, attempt),
// so a run is repeatable whatever order requests arrive in across connections.
#include <cstdint>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "simulator/sim_outcome.h"
#include "simulator/simulator_profile.h"

namespace sb {

std::uint64_t sim_hash(std::string_view bytes);
std::uint64_t sim_mix(std::uint64_t a, std::uint64_t b);

// splitmix64: tiny, fast and good enough for drawing fates.
class SimRng {
public:
    explicit SimRng(std::uint64_t state) : m_state(state) {}
    std::uint64_t next();
    double uniform();  // [0, 1)
    double normal();   // standard normal (Box-Muller)

private:
    std::uint64_t m_state;
};

struct SimFate {
    SimOutcome outcome = SimOutcome::ok;
    double latency_ms = 0;
    std::uint64_t entropy = 0;  // for ids and other per-attempt choices
};

SimFate draw_sim_fate(const SimulatorProfile& profile, std::uint64_t key, std::uint32_t attempt);

// Counts attempts per request key. Memory is bounded: the map is cleared past a cap,
// which only restarts attempt numbering for keys seen before.
class SimAttemptCounter {
public:
    explicit SimAttemptCounter(std::size_t cap = 1'000'000) : m_cap(cap) {}
    // Returns the zero-based attempt number of this key and records the attempt.
    std::uint32_t next(std::uint64_t key);

private:
    std::mutex m_mutex;
    std::unordered_map<std::uint64_t, std::uint32_t> m_attempts;
    std::size_t m_cap;
};

}  // namespace sb
