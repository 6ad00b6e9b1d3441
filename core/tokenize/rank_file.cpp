#include "tokenize/rank_file.h"

#include <algorithm>
#include <charconv>
#include <fstream>

namespace sb {

namespace {

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

}  // namespace

std::uint64_t RankMap::hash(std::string_view bytes) {
    // FNV-1a, then a multiply-xorshift so the low bits used for the slot index mix well.
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    h ^= h >> 32;
    h *= 0x9E3779B97F4A7C15ULL;
    return h ^ (h >> 29);
}

void RankMap::rehash(std::size_t slots) {
    m_slots.assign(slots, 0);
    const std::size_t mask = slots - 1;
    for (std::size_t i = 0; i < m_entries.size(); ++i) {
        std::size_t slot = hash(bytes_of(m_entries[i])) & mask;
        while (m_slots[slot] != 0) slot = (slot + 1) & mask;
        m_slots[slot] = static_cast<std::uint32_t>(i + 1);
    }
}

void RankMap::reserve(std::size_t entries) {
    m_entries.reserve(entries);
    std::size_t slots = 16;
    while (slots < entries * 2) slots *= 2;
    if (slots > m_slots.size()) rehash(slots);
}

bool RankMap::insert(std::string_view bytes, std::uint32_t rank) {
    if (contains(bytes)) return false;
    if ((m_entries.size() + 1) * 2 > m_slots.size()) rehash(std::max<std::size_t>(16, m_slots.size() * 2));
    m_entries.push_back({static_cast<std::uint32_t>(m_bytes.size()), static_cast<std::uint32_t>(bytes.size()), rank});
    m_bytes.append(bytes);
    const std::size_t mask = m_slots.size() - 1;
    std::size_t slot = hash(bytes) & mask;
    while (m_slots[slot] != 0) slot = (slot + 1) & mask;
    m_slots[slot] = static_cast<std::uint32_t>(m_entries.size());
    return true;
}

std::uint32_t RankMap::rank(std::string_view bytes) const {
    if (m_slots.empty()) return kNoRank;
    const std::size_t mask = m_slots.size() - 1;
    for (std::size_t slot = hash(bytes) & mask; m_slots[slot] != 0; slot = (slot + 1) & mask) {
        const Entry& entry = m_entries[m_slots[slot] - 1];
        if (entry.length == bytes.size() && bytes_of(entry) == bytes) return entry.rank;
    }
    return kNoRank;
}

std::expected<std::string, std::string> decode_base64(std::string_view text) {
    if (text.empty() || text.size() % 4 != 0) return std::unexpected("base64 length is not a multiple of 4");
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        int values[4];
        int padding = 0;
        for (int k = 0; k < 4; ++k) {
            const char c = text[i + static_cast<std::size_t>(k)];
            if (c == '=' && last && k >= 2) {
                values[k] = 0;
                ++padding;
                continue;
            }
            if (padding > 0) return std::unexpected("base64 data after padding");
            values[k] = base64_value(c);
            if (values[k] < 0) return std::unexpected("invalid base64 character");
        }
        const std::uint32_t triple = (static_cast<std::uint32_t>(values[0]) << 18) |
                                     (static_cast<std::uint32_t>(values[1]) << 12) |
                                     (static_cast<std::uint32_t>(values[2]) << 6) |
                                     static_cast<std::uint32_t>(values[3]);
        out.push_back(static_cast<char>((triple >> 16) & 0xFF));
        if (padding < 2) out.push_back(static_cast<char>((triple >> 8) & 0xFF));
        if (padding < 1) out.push_back(static_cast<char>(triple & 0xFF));
    }
    return out;
}

std::expected<RankMap, std::string> load_rank_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::unexpected("cannot open rank file " + path.string());
    RankMap ranks;
    ranks.reserve(210'000);  // o200k_base has 199,998 entries; avoids rehashing while loading
    std::string line;
    std::size_t number = 0;
    const auto malformed = [&](std::string_view why) {
        return std::unexpected(path.string() + ":" + std::to_string(number) + ": " + std::string(why));
    };
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        const auto space = line.find(' ');
        if (space == std::string::npos) return malformed("expected '<base64 token> <rank>'");
        auto token = decode_base64(std::string_view(line).substr(0, space));
        if (!token) return malformed(token.error());
        std::uint32_t rank = 0;
        const char* first = line.data() + space + 1;
        const char* last = line.data() + line.size();
        const auto [end, error] = std::from_chars(first, last, rank);
        if (error != std::errc{} || end != last || first == last) return malformed("rank is not a number");
        if (!ranks.insert(*token, rank)) return malformed("duplicate token");
    }
    if (in.bad()) return std::unexpected("error reading rank file " + path.string());
    if (ranks.empty()) return std::unexpected("rank file " + path.string() + " is empty");
    return ranks;
}

}  // namespace sb
