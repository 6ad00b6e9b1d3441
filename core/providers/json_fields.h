#pragma once
// Small readers for wire JSON shared by the translations and stream decoders. They never
// throw: a missing or wrong-typed field reads as "absent".
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "model/error.h"

namespace sb::wire {

inline const nlohmann::json* field(const nlohmann::json& object, std::string_view key) {
    if (!object.is_object()) return nullptr;
    auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
}

inline std::string string_or_empty(const nlohmann::json& object, std::string_view key) {
    auto* value = field(object, key);
    return value && value->is_string() ? value->get<std::string>() : std::string{};
}

inline std::int64_t int_or_zero(const nlohmann::json& object, std::string_view key) {
    auto* value = field(object, key);
    return value && value->is_number_integer() ? value->get<std::int64_t>() : 0;
}

inline std::optional<double> number(const nlohmann::json& object, std::string_view key) {
    auto* value = field(object, key);
    if (!value || !value->is_number()) return std::nullopt;
    return value->get<double>();
}

// A JSON number as an int (fractions cut off), when an int can hold it: casting a double
// outside int's range is undefined behaviour.
inline std::optional<int> to_int(double value) {
    constexpr double below = static_cast<double>(std::numeric_limits<int>::min()) - 1.0;
    constexpr double above = static_cast<double>(std::numeric_limits<int>::max()) + 1.0;
    if (!(value > below && value < above)) return std::nullopt;
    return static_cast<int>(value);
}

inline Error make_error(ErrorClass cls, std::string message) {
    Error error;
    error.cls = cls;
    error.message = std::move(message);
    return error;
}

// A client's request refused for one field: "messages[2].role: unknown role \"x\"".
inline Error bad_request(const std::string& path, std::string_view problem) {
    return make_error(ErrorClass::BadRequest, path + ": " + std::string(problem));
}

inline std::string in_quotes(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

}  // namespace sb::wire
