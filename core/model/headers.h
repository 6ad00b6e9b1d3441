#pragma once
// HTTP header list shared by transport, providers and the error taxonomy.
// Names are stored lower-case (HTTP/2 style) so lookups are simple and exact.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/text.h"  // to_lower and iequals, which header names are compared with

namespace sb {

using Headers = std::vector<std::pair<std::string, std::string>>;

// First value of a header, matched case-insensitively.
std::optional<std::string_view> header_value(const Headers& headers, std::string_view name);

}  // namespace sb
