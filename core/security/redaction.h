#pragma once
// Masks personal data and key-shaped secrets (everything find_pii finds) before text is
// logged or stored: "[card number]", "[e-mail]", "[phone]", "[api key]". The rest of the text
// is kept as it was, so an operator can still read what the request was about.
#include <string>
#include <string_view>

namespace sb {

std::string redact(std::string_view text);

}  // namespace sb
