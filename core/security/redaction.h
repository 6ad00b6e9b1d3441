#pragma once
// Masks personal data and key-shaped secrets (everything find_pii finds) before text is
// logged or stored: "[card number]", "[e-mail]", "[phone]", "[api key]". The rest of the text
// is kept as it was, so an operator can still read what the request was about. Also how a
// key is shown when it must be shown at all.
#include <string>
#include <string_view>

namespace sb {

std::string redact(std::string_view text);

// How a key is shown on screen: its first and last four characters and its length
// ("sk-p…x9Qz, 56 characters"); a key too short for that shows its length only.
std::string mask_key(std::string_view key);

}  // namespace sb
