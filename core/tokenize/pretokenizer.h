#pragma once
// The pre-tokenisation split of cl100k_base and o200k_base: the pieces their `pat_str`
// regexes cut text into before byte-pair merging. Hand-written rather than a regex engine
// because the patterns need Unicode classes and a negative lookahead (std::regex has
// neither); each alternative is resolved with the same leftmost-first, greedy-with-
// backtracking outcome the reference (fancy-regex) produces.
#include <string_view>
#include <vector>

#include "tokenize/encoding.h"

namespace sb {

// Appends the pieces of `text` to `pieces`; the pieces are views into `text` and cover it
// exactly, in order. Invalid UTF-8 is not an error: each bad byte reads as one
// punctuation-like character, so a broken prompt still splits (and counts) as bytes.
void pretokenize(Encoding encoding, std::string_view text, std::vector<std::string_view>& pieces);

std::vector<std::string_view> pretokenize(Encoding encoding, std::string_view text);

}  // namespace sb
