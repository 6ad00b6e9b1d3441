#pragma once
// base64url (RFC 4648 §5): the URL- and filename-safe alphabet, with '=' padding. Decoding
// is strict — padding required, no whitespace, unused trailing bits zero — so every byte
// string has exactly one accepted text form and an altered character never decodes to the
// same bytes.
#include <expected>
#include <string>
#include <string_view>

namespace sb {

std::string base64url_encode(std::string_view bytes);
// The error says what is wrong and where (a character offset), never the text itself.
std::expected<std::string, std::string> base64url_decode(std::string_view text);

}  // namespace sb
