#include "model/headers.h"

namespace sb {

std::optional<std::string_view> header_value(const Headers& headers, std::string_view name) {
    for (const auto& [key, value] : headers)
        if (iequals(key, name)) return value;
    return std::nullopt;
}

}  // namespace sb
