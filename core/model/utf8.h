#pragma once
// UTF-8 checking and repair at the wire boundary. JSON must be UTF-8 (RFC 8259), yet an
// upstream may still send a stray byte inside an answer. One bad byte must not cost a paid
// answer, and it must not travel on into the history, the cache or a client's JSON either:
// every ill-formed sequence becomes U+FFFD, as a WHATWG "UTF-8 decode" (fetch's
// response.text()/json()) does, and the rest of the text is kept byte for byte.
#include <cstddef>
#include <string>
#include <string_view>

namespace sb {

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool is_valid_utf8(std::string_view text);

// `text` with each maximal ill-formed subpart replaced by U+FFFD (Unicode 15, §3.9 "U+FFFD
// substitution of maximal subparts"). `replaced`, when given, receives how many were replaced.
std::string repair_utf8(std::string_view text, std::size_t* replaced = nullptr);

// `text` itself when it is valid; else a repaired copy kept in `storage`. No copy on the hot path.
std::string_view valid_utf8_view(std::string_view text, std::string& storage);

}  // namespace sb
