#pragma once
// HTTP header list shared by transport, providers and the error taxonomy.
// Names are stored lower-case (HTTP/2 style) so lookups are simple and exact.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sb {

using Headers = std::vector<std::pair<std::string, std::string>>;

std::string to_lower(std::string_view text);

// Whether two header names are the same name (ASCII case-insensitive).
bool same_header_name(std::string_view a, std::string_view b);

// First value of a header, matched case-insensitively.
std::optional<std::string_view> header_value(const Headers& headers, std::string_view name);

}  // namespace sb
