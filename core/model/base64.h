#pragma once
// Standard base64 (RFC 4648 §4, '=' padding), as media parts carry their bytes. Decoding
// stops where the text stops being base64.
#include <string>
#include <string_view>

namespace sb {

std::string base64_encode(std::string_view bytes);
std::string base64_decode(std::string_view text);

}  // namespace sb
