#pragma once
// A bound on how deeply JSON from outside may nest. nlohmann::json parses any depth, but
// copying, comparing or dumping a value recurses once per level: a few hundred kilobytes of
// "[[[[…" overflow the stack. Whatever keeps, copies or dumps a received value checks first.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

namespace sb {

inline constexpr std::size_t kMaxJsonDepth = 256;

// Whether arrays and objects nest more than `limit` levels deep in `value`. Iterative, so it
// is safe on any value.
inline bool json_deeper_than(const nlohmann::json& value, std::size_t limit = kMaxJsonDepth) {
    std::vector<std::pair<const nlohmann::json*, std::size_t>> pending{{&value, 1}};
    while (!pending.empty()) {
        const auto [item, depth] = pending.back();
        pending.pop_back();
        if (!item->is_structured()) continue;
        if (depth > limit) return true;
        for (const auto& child : *item) pending.emplace_back(&child, depth + 1);
    }
    return false;
}

}  // namespace sb
