#pragma once
// How text that lasts (history rows, saved Playground conversations, batch outputs) is
// written at rest under the privacy rules: privacy.redact_history masks personal data and
// key shapes, privacy.encrypt_history seals it with the history key ("sbenc1:" + Fernet).
// One policy for every store, so a rule an operator turns on covers all of them.
#include <expected>
#include <string>
#include <string_view>

namespace sb {

class FieldCipher;

struct StoredTextPolicy {
    bool redact = false;                  // personal data and key shapes masked
    const FieldCipher* cipher = nullptr;  // non-null: text stored encrypted
};

// Redacted and/or sealed as the policy says; text that cannot be sealed is not kept (empty),
// never written in plain text instead.
std::string protect_text(std::string text, const StoredTextPolicy& policy);

// The text as written before protect_text sealed it. Plain (unsealed) values pass through; a
// sealed one with no cipher, or one no key opens, is an error that says which.
std::expected<std::string, std::string> reveal_text(std::string_view stored, const FieldCipher* cipher);

// Masks personal data in every string of a JSON document (keys, numbers and structure
// untouched, so it stays valid JSON). Text that is not JSON is redacted as text.
std::string redact_json_strings(std::string_view json);

}  // namespace sb
