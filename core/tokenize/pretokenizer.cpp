#include "tokenize/pretokenizer.h"

#include <cstdint>
#include <optional>

#include "tokenize/unicode_class.h"

namespace sb {

namespace {

struct Char {
    std::uint32_t offset;  // byte offset in the text
    char32_t cp;           // 0xFFFFFFFF for a byte that is not valid UTF-8
    std::uint8_t flags;    // unicode::Class bits
};

constexpr char32_t kInvalid = 0xFFFFFFFF;

// Strict UTF-8 (no overlongs, surrogates or values past U+10FFFF); anything else is one
// invalid byte, so splitting never reads past the end or stalls.
char32_t decode(std::string_view s, std::size_t& i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char lead = byte(i);
    if (lead < 0x80) {
        ++i;
        return lead;
    }
    std::size_t length = 0;
    char32_t cp = 0;
    char32_t minimum = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2, cp = lead & 0x1F, minimum = 0x80;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3, cp = lead & 0x0F, minimum = 0x800;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4, cp = lead & 0x07, minimum = 0x10000;
    }
    if (length == 0 || i + length > s.size()) {
        ++i;
        return kInvalid;
    }
    for (std::size_t k = 1; k < length; ++k) {
        const unsigned char next = byte(i + k);
        if ((next & 0xC0) != 0x80) {
            ++i;
            return kInvalid;
        }
        cp = (cp << 6) | (next & 0x3F);
    }
    if (cp < minimum || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        ++i;
        return kInvalid;
    }
    i += length;
    return cp;
}

std::vector<Char> decode_all(std::string_view text) {
    std::vector<Char> chars;
    chars.reserve(text.size() + 1);
    std::size_t i = 0;
    while (i < text.size()) {
        const auto offset = static_cast<std::uint32_t>(i);
        const char32_t cp = decode(text, i);
        chars.push_back({offset, cp, cp == kInvalid ? std::uint8_t{0} : unicode::classify(cp)});
    }
    return chars;
}

// Scans one text; positions are indices into the decoded characters. Out-of-range
// positions answer "no" to every class test, which stands in for the end of input.
class Splitter final {
public:
    Splitter(std::string_view text, std::vector<std::string_view>& pieces)
        : m_text(text), m_chars(decode_all(text)), m_pieces(pieces) {}

    void run(Encoding encoding) {
        std::size_t i = 0;
        while (i < m_chars.size()) {
            const std::size_t end = encoding == Encoding::O200kBase ? next_o200k(i) : next_cl100k(i);
            const std::size_t from = m_chars[i].offset;
            const std::size_t to = end < m_chars.size() ? m_chars[end].offset : m_text.size();
            m_pieces.push_back(m_text.substr(from, to - from));
            i = end;
        }
    }

private:
    bool has(std::size_t k, std::uint8_t flag) const { return k < m_chars.size() && (m_chars[k].flags & flag); }
    bool letter(std::size_t k) const { return has(k, unicode::Letter); }
    bool number(std::size_t k) const { return has(k, unicode::Number); }
    bool space(std::size_t k) const { return has(k, unicode::Space); }
    bool newline(std::size_t k) const { return has(k, unicode::Newline); }
    bool upperish(std::size_t k) const { return has(k, unicode::Upperish); }
    bool lowerish(std::size_t k) const { return has(k, unicode::Lowerish); }
    char32_t cp(std::size_t k) const { return k < m_chars.size() ? m_chars[k].cp : 0; }
    // [^\s\p{L}\p{N}]
    bool punct(std::size_t k) const {
        return k < m_chars.size() && !(m_chars[k].flags & (unicode::Space | unicode::Letter | unicode::Number));
    }
    // [^\r\n\p{L}\p{N}]
    bool prefix(std::size_t k) const {
        return k < m_chars.size() && !(m_chars[k].flags & (unicode::Newline | unicode::Letter | unicode::Number));
    }

    // (?i:'s|'t|'re|'ve|'m|'ll|'d) at k: its length in characters, 0 if none. Case folding
    // is Unicode's, so the long s (U+017F) matches 's' as it does in the reference.
    std::size_t contraction(std::size_t k) const {
        if (cp(k) != '\'') return 0;
        const auto lower = [&](std::size_t at) -> char32_t {
            const char32_t c = cp(at);
            if (c == 0x17F) return 's';
            return (c >= 'A' && c <= 'Z') ? c + 32 : c;
        };
        const char32_t a = lower(k + 1);
        if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
        const char32_t b = lower(k + 2);
        if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
        return 0;
    }

    // The whitespace alternatives shared by both encodings, at a whitespace character:
    // \s*[\r\n]+ | \s+(?!\S) | \s+
    std::size_t whitespace(std::size_t i) const {
        std::size_t end = i;
        std::optional<std::size_t> last_newline;
        while (space(end)) {
            if (newline(end)) last_newline = end;
            ++end;
        }
        if (last_newline) return *last_newline + 1;  // \s* backs off to the last newline
        if (end == i) return i + 1;  // not whitespace: unreachable, but never stall
        if (end == m_chars.size() || end - i == 1) return end;
        return end - 1;  // leave one space to lead the next word
    }

    // cl100k_base:
    // (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
    // \s*[\r\n]+|\s+(?!\S)|\s+
    std::size_t next_cl100k(std::size_t i) const {
        if (const std::size_t n = contraction(i)) return i + n;
        if (letter(i) || (prefix(i) && letter(i + 1))) {
            std::size_t end = i + 1;
            while (letter(end)) ++end;
            return end;
        }
        if (number(i)) return digits(i);
        if (const auto end = punctuation(i, false)) return *end;
        return whitespace(i);
    }

    std::size_t digits(std::size_t i) const {
        std::size_t end = i + 1;
        while (end < i + 3 && number(end)) ++end;
        return end;
    }

    //  ?[^\s\p{L}\p{N}]+[\r\n]*   (o200k also takes '/' in the tail)
    std::optional<std::size_t> punctuation(std::size_t i, bool slash_tail) const {
        std::size_t end = i;
        if (cp(i) == ' ' && punct(i + 1)) {
            end = i + 1;
        } else if (!punct(i)) {
            return std::nullopt;
        }
        while (punct(end)) ++end;
        while (newline(end) || (slash_tail && cp(end) == '/')) ++end;
        return end;
    }

    // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(contraction)? from `start`.
    // The greedy upper run gives characters back until a lower-class one can start the
    // lower run, exactly as backtracking does.
    std::optional<std::size_t> lower_word(std::size_t start) const {
        std::size_t upper_end = start;
        while (upperish(upper_end)) ++upper_end;
        std::size_t end = 0;
        if (lowerish(upper_end)) {
            end = upper_end + 1;
            while (lowerish(end)) ++end;
        } else {
            std::size_t k = upper_end;
            while (k > start && !lowerish(k - 1)) --k;
            if (k == start) return std::nullopt;
            end = k;  // the character before k is lower-class, the one at k (if any) is not
        }
        return end + contraction(end);
    }

    // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(contraction)? from `start`.
    std::optional<std::size_t> upper_word(std::size_t start) const {
        std::size_t end = start;
        while (upperish(end)) ++end;
        if (end == start) return std::nullopt;
        while (lowerish(end)) ++end;
        return end + contraction(end);
    }

    // o200k_base:
    // [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|…)?|
    // [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|…)?|
    // \p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
    std::size_t next_o200k(std::size_t i) const {
        const bool can_prefix = prefix(i);
        // Each alternative first tries with the optional prefix character, then without.
        if (can_prefix) {
            if (const auto end = lower_word(i + 1)) return *end;
        }
        if (const auto end = lower_word(i)) return *end;
        if (can_prefix) {
            if (const auto end = upper_word(i + 1)) return *end;
        }
        if (const auto end = upper_word(i)) return *end;
        if (number(i)) return digits(i);
        if (const auto end = punctuation(i, true)) return *end;
        return whitespace(i);
    }

    std::string_view m_text;
    std::vector<Char> m_chars;
    std::vector<std::string_view>& m_pieces;
};

}  // namespace

void pretokenize(Encoding encoding, std::string_view text, std::vector<std::string_view>& pieces) {
    Splitter(text, pieces).run(encoding);
}

std::vector<std::string_view> pretokenize(Encoding encoding, std::string_view text) {
    std::vector<std::string_view> pieces;
    pretokenize(encoding, text, pieces);
    return pieces;
}

}  // namespace sb
