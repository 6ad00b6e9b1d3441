#include "security/base64url.h"

#include <array>
#include <cstdint>

namespace sb {

namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<std::int8_t, 256> make_decode_table() {
    std::array<std::int8_t, 256> table{};
    table.fill(-1);
    for (std::size_t i = 0; i < kAlphabet.size(); ++i)
        table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
    return table;
}
constexpr auto kDecode = make_decode_table();

std::unexpected<std::string> bad(std::string what) {
    return std::unexpected(std::move(what));
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t group = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                                    static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1]))
                                        << 8 |
                                    static_cast<unsigned char>(bytes[i + 2]);
        out += kAlphabet[group >> 18 & 63];
        out += kAlphabet[group >> 12 & 63];
        out += kAlphabet[group >> 6 & 63];
        out += kAlphabet[group & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        std::uint32_t group = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
        if (rest == 2) group |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
        out += kAlphabet[group >> 18 & 63];
        out += kAlphabet[group >> 12 & 63];
        out += rest == 2 ? kAlphabet[group >> 6 & 63] : '=';
        out += '=';
    }
    return out;
}

std::expected<std::string, std::string> base64url_decode(std::string_view text) {
    if (text.size() % 4 != 0) return bad("length " + std::to_string(text.size()) + " is not a multiple of 4");
    std::size_t padding = 0;
    if (!text.empty() && text.back() == '=')
        padding = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
    const std::string_view data = text.substr(0, text.size() - padding);

    std::string out;
    out.reserve(data.size() * 3 / 4);
    std::uint32_t bits = 0;
    int bit_count = 0;
    for (std::size_t i = 0; i < data.size(); ++i) {
        const std::int8_t value = kDecode[static_cast<unsigned char>(data[i])];
        if (value < 0) {
            if (data[i] == '=') return bad("padding '=' inside the text at character " + std::to_string(i));
            return bad("character " + std::to_string(i) + " is not in the url-safe alphabet");
        }
        bits = bits << 6 | static_cast<std::uint32_t>(value);
        bit_count += 6;
        if (bit_count >= 8) {
            bit_count -= 8;
            out += static_cast<char>(bits >> bit_count & 0xff);
            bits &= (1u << bit_count) - 1;
        }
    }
    // 2 or 4 bits left over in the last group must be zero, or two texts would decode alike.
    if (bits != 0) return bad("unused bits of the last character are not zero");
    return out;
}

}  // namespace sb
