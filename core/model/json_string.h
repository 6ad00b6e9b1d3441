#pragma once
// JSON as text that never throws: string literals written straight into a body built
// without a tree, and the text of a tree.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace sb {

// A tree's text; invalid UTF-8 (echoed paths, a caller's or an upstream's text) is replaced.
std::string json_text(const nlohmann::json& json);
std::string json_text(const nlohmann::ordered_json& json);

// Appends `text` as a quoted JSON string, escaped as nlohmann's dump() escapes it; an
// ill-formed UTF-8 sequence becomes U+FFFD (model/utf8.h), so the result is always valid JSON.
void append_json_string(std::string& out, std::string_view text);

}  // namespace sb
