#pragma once
// Trimming shared by the parsers of headers, configs and wire formats.
#include <string_view>

namespace sb {

// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
std::string_view trim_blanks(std::string_view text);

// Without leading and trailing ASCII whitespace (space, \t, \n, \v, \f, \r).
std::string_view trim_space(std::string_view text);

}  // namespace sb
