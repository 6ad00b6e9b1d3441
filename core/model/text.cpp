// Trimming shared by the parsers of headers, configs and wire formats.
#include "model/text.h"

namespace sb {
namespace {

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

}  // namespace sb
