#include "model/utf8.h"

namespace sb {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the well-formed sequence at `i` (Unicode Table 3-7), or, when it is
// ill-formed, 0 with `bad` set to the length of its maximal subpart (at least 1).
std::size_t sequence_at(std::string_view text, std::size_t i, std::size_t& bad) {
    const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(text[at]); };
    const unsigned char lead = byte(i);
    if (lead < 0x80) return 1;
    std::size_t length = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0) lo = 0xA0;  // no overlongs
        if (lead == 0xED) hi = 0x9F;  // no surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0) lo = 0x90;  // no overlongs
        if (lead == 0xF4) hi = 0x8F;  // nothing past U+10FFFF
    } else {
        bad = 1;  // a continuation byte, C0, C1 or F5..FF on its own
        return 0;
    }
    for (std::size_t k = 1; k < length; ++k) {
        const bool in_range =
            i + k < text.size() && byte(i + k) >= (k == 1 ? lo : 0x80) && byte(i + k) <= (k == 1 ? hi : 0xBF);
        if (!in_range) {
            bad = k;
            return 0;
        }
    }
    return length;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        // ASCII runs are the common case.
        if (static_cast<unsigned char>(text[i]) < 0x80) {
            ++i;
            continue;
        }
        std::size_t bad = 0;
        const std::size_t length = sequence_at(text, i, bad);
        if (length == 0) return false;
        i += length;
    }
    return true;
}

std::string repair_utf8(std::string_view text, std::size_t* replaced) {
    std::string out;
    out.reserve(text.size() + 8);
    std::size_t count = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t bad = 0;
        const std::size_t length = sequence_at(text, i, bad);
        if (length > 0) {
            out.append(text.substr(i, length));
            i += length;
        } else {
            out.append(kReplacement);
            ++count;
            i += bad;
        }
    }
    if (replaced) *replaced = count;
    return out;
}

std::string_view valid_utf8_view(std::string_view text, std::string& storage) {
    if (is_valid_utf8(text)) return text;
    storage = repair_utf8(text);
    return storage;
}

}  // namespace sb
