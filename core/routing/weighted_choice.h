#pragma once
// Choosing one of a tier's candidate targets by effective weight: weighted random, weighted
// rendezvous hashing (sticky conversations) and the deterministic heaviest (previews).
// Pure functions over a caller-owned span; no allocation.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sb {

struct Candidate {
    std::size_t index = 0;       // the caller's (slot in the tier)
    double weight = 0;           // effective weight, >= 0
    std::uint64_t key_hash = 0;  // stable_hash of provider/model, for rendezvous hashing
    double latency_ms = -1;      // EWMA; < 0 = not measured yet
};

// FNV-1a with a splitmix64 finish: stable across runs, builds and platforms (std::hash is
// not), so a conversation keeps its target across restarts.
std::uint64_t stable_hash(std::string_view text, std::uint64_t seed = 0);

double total_weight(std::span<const Candidate> candidates);

// Position in `candidates` for u in [0, 1). Requires total_weight > 0.
std::size_t choose_weighted(std::span<const Candidate> candidates, double u);

// Weighted rendezvous hashing: score = -ln(u) / w with u from hash(key, target) in (0, 1);
// the lowest score wins. Target i wins with probability w_i / Σw, and a weight change only
// moves keys to or from the target whose weight changed. Requires total_weight > 0.
std::size_t choose_rendezvous(std::span<const Candidate> candidates, std::uint64_t key_hash);

// The highest weight; the first of equals (config order).
std::size_t choose_heaviest(std::span<const Candidate> candidates);

}  // namespace sb
