// Trimming and ASCII case shared by the parsers of headers, configs and wire formats.
#include "model/text.h"

#include <algorithm>

namespace sb {
namespace {

char lower_letter(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool same_letter(char a, char b) { return lower_letter(a) == lower_letter(b); }

template <typename Predicate>
std::string_view trim_if(std::string_view text, Predicate drop) {
    while (!text.empty() && drop(text.front())) text.remove_prefix(1);
    while (!text.empty() && drop(text.back())) text.remove_suffix(1);
    return text;
}

}  // namespace

std::string_view trim_blanks(std::string_view text) {
    return trim_if(text, [](char c) { return c == ' ' || c == '\t'; });
}

std::string_view trim_space(std::string_view text) {
    return trim_if(text, [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); });
}

std::string to_lower(std::string_view text) {
    std::string out(text);
    std::ranges::transform(out, out.begin(), lower_letter);
    return out;
}

bool iequals(std::string_view a, std::string_view b) { return std::ranges::equal(a, b, same_letter); }

std::size_t ifind(std::string_view haystack, std::string_view needle, std::size_t from) {
    if (from > haystack.size()) return std::string_view::npos;
    const auto found = std::search(haystack.begin() + static_cast<std::ptrdiff_t>(from), haystack.end(), needle.begin(),
                                   needle.end(), same_letter);
    return found == haystack.end() && !needle.empty() ? std::string_view::npos
                                                        : static_cast<std::size_t>(found - haystack.begin());
}

}  // namespace sb
