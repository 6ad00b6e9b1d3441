#pragma once
// The Unicode properties the pre-tokeniser patterns ask about (\p{L}, \p{N}, \p{M}, the
// case-aware letter classes of o200k, \s = White_Space), from ICU so they follow the same
// Unicode version as the reference regex engine rather than a hand-kept table.
#include <cstdint>

namespace sb::unicode {

enum Class : std::uint8_t {
    Letter = 1 << 0,      // \p{L}
    Number = 1 << 1,      // \p{N}
    Space = 1 << 2,       // \s (White_Space)
    Newline = 1 << 3,     // \r or \n
    Upperish = 1 << 4,    // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
    Lowerish = 1 << 5,    // [\p{Ll}\p{Lm}\p{Lo}\p{M}]
};

std::uint8_t classify(char32_t cp);

}  // namespace sb::unicode
