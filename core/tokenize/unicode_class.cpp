#include "tokenize/unicode_class.h"

#include <array>

#include <unicode/uchar.h>

namespace sb::unicode {

namespace {

std::uint8_t classify_slow(char32_t cp) {
    const auto c = static_cast<UChar32>(cp);
    const std::int32_t mask = U_GET_GC_MASK(c);
    std::uint8_t flags = 0;
    if (mask & U_GC_L_MASK) flags |= Letter;
    if (mask & U_GC_N_MASK) flags |= Number;
    if (u_isUWhiteSpace(c)) flags |= Space;
    if (cp == '\r' || cp == '\n') flags |= Newline;
    if (mask & (U_GC_LU_MASK | U_GC_LT_MASK | U_GC_LM_MASK | U_GC_LO_MASK | U_GC_M_MASK)) flags |= Upperish;
    if (mask & (U_GC_LL_MASK | U_GC_LM_MASK | U_GC_LO_MASK | U_GC_M_MASK)) flags |= Lowerish;
    return flags;
}

// The BMP is most of real text; a 64 KiB table keeps ICU out of the inner loop.
const std::array<std::uint8_t, 0x10000>& bmp_table() {
    static const auto table = [] {
        std::array<std::uint8_t, 0x10000> t{};
        for (char32_t cp = 0; cp < 0x10000; ++cp) t[cp] = classify_slow(cp);
        return t;
    }();
    return table;
}

}  // namespace

std::uint8_t classify(char32_t cp) {
    if (cp < 0x10000) return bmp_table()[cp];
    return classify_slow(cp);
}

}  // namespace sb::unicode
