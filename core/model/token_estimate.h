#pragma once
// A tokenizer-free token estimate for routing decisions (token-threshold rules) and the
// base of the self-calibrating count for models without a public tokenizer
// (tokenize/token_counter.h), not for billing: about one token per short word (contractions
// included), a long word per 5 letters, digits in threes plus the space BPE keeps apart
// from them, punctuation runs in pairs (long runs of one character, like "=====", far
// fewer), one token per CJK character, two per emoji. Within ~30% of cl100k/o200k on
// English prose and Chinese text; one pass, no allocation.
#include <cstdint>
#include <span>
#include <string_view>

namespace sb {

struct Message;

std::int64_t estimate_tokens(std::string_view utf8);

// Every message's text (content and tool-call arguments) of a prompt.
std::int64_t estimate_prompt_tokens(std::span<const Message> messages);

}  // namespace sb
