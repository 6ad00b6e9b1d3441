#pragma once
// Reads a tiktoken rank file ("<base64 token> <rank>" per line) into a bytes → rank map.
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sb {

// Transparent hashing so a piece of the input (a string_view) is looked up without a copy.
struct RankHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view bytes) const noexcept {
        return std::hash<std::string_view>{}(bytes);
    }
};

using RankMap = std::unordered_map<std::string, std::uint32_t, RankHash, std::equal_to<>>;

// Errors name the path, and the line for malformed content.
std::expected<RankMap, std::string> load_rank_file(const std::filesystem::path& path);

// Strict standard base64 with padding; the error says what is wrong.
std::expected<std::string, std::string> decode_base64(std::string_view text);

}  // namespace sb
