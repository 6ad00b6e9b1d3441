#pragma once
// JSON string literals written straight into a text, for bodies built without a JSON tree.
#include <string>
#include <string_view>

namespace sb {

// Appends `text` as a quoted JSON string, escaped as nlohmann's dump() escapes it; an
// ill-formed UTF-8 sequence becomes U+FFFD (model/utf8.h), so the result is always valid JSON.
void append_json_string(std::string& out, std::string_view text);

}  // namespace sb
