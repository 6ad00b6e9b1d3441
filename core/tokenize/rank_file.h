#pragma once
// Reads a tiktoken rank file ("<base64 token> <rank>" per line) into a bytes → rank map.
#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace sb {

// bytes → rank, built once and then only read. An open-addressing table over one byte arena:
// the counter does several lookups per input byte, and node-based std::unordered_map spent
// most of its time on cache misses there (about 1.5 MB/s against about 10 with this).
class RankMap final {
public:
    static constexpr std::uint32_t kNoRank = 0xFFFFFFFF;

    void reserve(std::size_t entries);
    // False when `bytes` is already present (the table keeps the first rank).
    bool insert(std::string_view bytes, std::uint32_t rank);
    // kNoRank when absent.
    std::uint32_t rank(std::string_view bytes) const;
    bool contains(std::string_view bytes) const { return rank(bytes) != kNoRank; }
    std::size_t size() const { return m_entries.size(); }
    bool empty() const { return m_entries.empty(); }

private:
    struct Entry {
        std::uint32_t offset;  // into m_bytes
        std::uint32_t length;
        std::uint32_t rank;
    };

    static std::uint64_t hash(std::string_view bytes);
    std::string_view bytes_of(const Entry& entry) const { return std::string_view(m_bytes).substr(entry.offset, entry.length); }
    void rehash(std::size_t slots);

    std::string m_bytes;
    std::vector<Entry> m_entries;
    std::vector<std::uint32_t> m_slots;  // entry index + 1; 0 = empty. Power-of-two size, at most half full.
};

// Errors name the path, and the line for malformed content.
std::expected<RankMap, std::string> load_rank_file(const std::filesystem::path& path);

// Strict standard base64 with padding; the error says what is wrong.
std::expected<std::string, std::string> decode_base64(std::string_view text);

}  // namespace sb
