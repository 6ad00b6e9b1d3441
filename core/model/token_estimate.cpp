#include "model/token_estimate.h"

#include "model/chat.h"

namespace sb {

namespace {

// Decodes one UTF-8 sequence at `i`; malformed input reads as one code point per byte
// (U+FFFD), so a broken prompt still gets a sensible count.
char32_t decode(std::string_view s, std::size_t& i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char lead = byte(i);
    int length = 0;
    char32_t cp = 0;
    if (lead >= 0xF0 && lead < 0xF8) {
        length = 4;
        cp = lead & 0x07;
    } else if (lead >= 0xE0) {
        length = lead < 0xF0 ? 3 : 0;
        cp = lead & 0x0F;
    } else if (lead >= 0xC0) {
        length = 2;
        cp = lead & 0x1F;
    }
    if (length == 0 || i + static_cast<std::size_t>(length) > s.size()) {
        ++i;
        return 0xFFFD;
    }
    for (int k = 1; k < length; ++k) {
        const unsigned char next = byte(i + static_cast<std::size_t>(k));
        if ((next & 0xC0) != 0x80) {
            ++i;
            return 0xFFFD;
        }
        cp = (cp << 6) | (next & 0x3F);
    }
    i += static_cast<std::size_t>(length);
    return cp;
}

}  // namespace

std::int64_t estimate_tokens(std::string_view utf8) {
    std::int64_t tokens = 0;
    std::int64_t letters = 0;  // current word; a non-ASCII letter weighs 2 (other scripts split finer)
    std::int64_t digits = 0;   // current number
    std::int64_t marks = 0;    // current punctuation run
    char run_mark = 0;         // the one ASCII mark the run repeats, 0 once it mixes marks
    bool after_space = false;  // previous character was whitespace
    const auto end_word = [&] {
        if (letters > 0) tokens += 1 + (letters - 1) / 5;
        letters = 0;
    };
    const auto end_number = [&] {
        tokens += (digits + 2) / 3;
        digits = 0;
    };
    const auto end_marks = [&] {
        // A rule like "=====" or "-----" merges into a few long tokens, not one per pair.
        if (marks >= 4 && run_mark != 0) {
            tokens += 1 + marks / 16;
        } else {
            tokens += (marks + 1) / 2;
        }
        marks = 0;
        run_mark = 0;
    };
    const auto is_ascii_letter = [](unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    std::size_t i = 0;
    while (i < utf8.size()) {
        const unsigned char c = static_cast<unsigned char>(utf8[i]);
        if (c < 0x80) {
            ++i;
            const bool space = c <= ' ' || c == 0x7F;
            if (is_ascii_letter(c) || c == '_') {
                end_number();
                end_marks();
                // camelCase humps and random IDs (base64, hashes) split where case rises.
                if (c >= 'A' && c <= 'Z' && i >= 2 && utf8[i - 2] >= 'a' && utf8[i - 2] <= 'z') end_word();
                ++letters;
            } else if (c == '\'' && letters > 0 && i < utf8.size() &&
                       is_ascii_letter(static_cast<unsigned char>(utf8[i]))) {
                ++letters;  // contractions ("don't", "it's") stay about one token
            } else if (c >= '0' && c <= '9') {
                end_word();
                end_marks();
                // BPE never glues a space onto digits: " 2024" is a space token, then digits.
                if (digits == 0 && after_space && tokens > 0) ++tokens;
                ++digits;
            } else if (space) {
                end_word();
                end_number();
                end_marks();
            } else {
                end_word();
                end_number();
                if (marks == 0) {
                    run_mark = static_cast<char>(c);
                } else if (run_mark != static_cast<char>(c)) {
                    run_mark = 0;
                }
                ++marks;
            }
            after_space = space;
            continue;
        }
        after_space = false;
        const char32_t cp = decode(utf8, i);
        if (cp >= 0x1F000 && cp < 0x1FB00) {  // emoji and pictographs: four bytes, usually 2 tokens
            end_word();
            end_number();
            end_marks();
            tokens += 2;
        } else if (cp >= 0x2E80) {  // CJK radicals onwards: ideographs, kana, hangul, fullwidth forms
            end_word();
            end_number();
            end_marks();
            ++tokens;
        } else if ((cp >= 0x2000 && cp < 0x2070) ||
                   (cp >= 0x80 && cp < 0xC0)) {  // general / Latin-1 punctuation
            end_word();
            end_number();
            run_mark = 0;
            ++marks;
        } else {
            end_number();
            end_marks();
            letters += 2;
        }
    }
    end_word();
    end_number();
    end_marks();
    return tokens;
}

std::int64_t estimate_prompt_tokens(std::span<const Message> messages) {
    std::int64_t tokens = 0;
    for (const auto& message : messages) {
        tokens += estimate_tokens(message.content);
        for (const auto& call : message.tool_calls) tokens += estimate_tokens(call.arguments_json);
    }
    return tokens;
}

}  // namespace sb
