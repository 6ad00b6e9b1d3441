#pragma once
// Trimming and ASCII case shared by the parsers of headers, configs and wire formats.
#include <cstddef>
#include <string>
#include <string_view>

namespace sb {

// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
std::string_view trim_blanks(std::string_view text);

// Without leading and trailing ASCII whitespace (space, \t, \n, \v, \f, \r).
std::string_view trim_space(std::string_view text);

// Case as the protocols and the config mean it: only A-Z and a-z are case pairs. Other bytes,
// UTF-8 sequences among them, are compared and kept as they are, and no locale changes a
// result (a Turkish locale would lower 'I' to a dotless i).
std::string to_lower(std::string_view text);
bool iequals(std::string_view a, std::string_view b);
// Where `needle` first occurs in `haystack` at or after `from`, ignoring case; npos if nowhere.
std::size_t ifind(std::string_view haystack, std::string_view needle, std::size_t from = 0);

}  // namespace sb
