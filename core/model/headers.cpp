#include "model/headers.h"

#include <algorithm>
#include <cctype>

namespace sb {

std::string to_lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool same_header_name(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::optional<std::string_view> header_value(const Headers& headers, std::string_view name) {
    for (const auto& [key, value] : headers)
        if (same_header_name(key, name)) return value;
    return std::nullopt;
}

}  // namespace sb
