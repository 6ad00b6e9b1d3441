#include "routing/weighted_choice.h"

#include <cmath>
#include <limits>

namespace sb {

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

// The top 53 bits, centred in their interval: never 0, never 1.
double open_unit(std::uint64_t h) {
    return (static_cast<double>(h >> 11) + 0.5) * 0x1.0p-53;
}

}  // namespace

std::uint64_t stable_hash(std::string_view text, std::uint64_t seed) {
    std::uint64_t h = 0xCBF29CE484222325ULL ^ splitmix64(seed);
    for (const char c : text) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001B3ULL;
    }
    return splitmix64(h);
}

double total_weight(std::span<const Candidate> candidates) {
    double total = 0;
    for (const auto& c : candidates) total += c.weight;
    return total;
}

std::size_t choose_weighted(std::span<const Candidate> candidates, double u) {
    double remaining = u * total_weight(candidates);
    std::size_t last_positive = 0;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        if (candidates[i].weight <= 0) continue;
        last_positive = i;
        if (remaining < candidates[i].weight) return i;
        remaining -= candidates[i].weight;
    }
    return last_positive;  // rounding left u·total at the very end
}

std::size_t choose_rendezvous(std::span<const Candidate> candidates, std::uint64_t key_hash) {
    std::size_t best = 0;
    double best_score = std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        if (candidates[i].weight <= 0) continue;
        const double u = open_unit(splitmix64(key_hash ^ candidates[i].key_hash));
        const double score = -std::log(u) / candidates[i].weight;
        if (score < best_score) {
            best_score = score;
            best = i;
        }
    }
    return best;
}

std::size_t choose_heaviest(std::span<const Candidate> candidates) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < candidates.size(); ++i)
        if (candidates[i].weight > candidates[best].weight) best = i;
    return best;
}

}  // namespace sb
