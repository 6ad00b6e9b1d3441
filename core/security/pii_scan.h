#pragma once
// Finds personal data in text: payment card numbers (13–19 digits, spaces or dashes
// allowed, Luhn-checked so order numbers are not flagged), e-mail addresses and phone
// numbers (international "+" form, or 10+ digits grouped by spaces, dashes, dots or
// brackets) — and the shapes of API keys and tokens (OpenAI and Anthropic "sk-…", our own
// gateway keys, AWS access key ids, GitHub and Slack tokens, Google API keys, "Bearer …").
// Used to keep such conversations out of the cache and, with redaction, out of logs and the
// history. Spans are byte offsets into the UTF-8 text.
#include <cstddef>
#include <string_view>
#include <vector>

namespace sb {

enum class PiiKind { CardNumber, Email, Phone, ApiKey };
std::string_view to_string(PiiKind kind);

struct PiiSpan {
    PiiKind kind;
    std::size_t begin = 0, end = 0;
};

std::vector<PiiSpan> find_pii(std::string_view text);
bool luhn_valid(std::string_view digits);  // digits only

}  // namespace sb
