#pragma once
// Enums in config files are written by name, and the names come from each enum's
// to_string, so the file format follows the one list of names.
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "config/config_reader.h"

namespace sb {

template <typename Enum, std::size_t N>
std::optional<Enum> enum_from_name(const std::array<Enum, N>& all, std::string_view text) {
    for (Enum value : all)
        if (to_string(value) == text) return value;
    return std::nullopt;
}

// "must be one of a, b, c"
template <typename Enum, std::size_t N>
std::string must_be_one_of(const std::array<Enum, N>& all) {
    std::string names;
    for (Enum value : all) names += (names.empty() ? "" : ", ") + std::string(to_string(value));
    return "must be one of " + names;
}

// Reads `key` when present; an unknown name is reported with the names allowed.
template <typename Enum, std::size_t N>
void read_enum(ConfigReader& reader, std::string_view key, const std::array<Enum, N>& all, Enum& out) {
    if (!reader.has(key)) return;
    std::string name;
    reader.read(key, name);
    if (const auto value = enum_from_name(all, name)) out = *value;
    else reader.fail(key, must_be_one_of(all));
}

}  // namespace sb
