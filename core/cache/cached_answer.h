#pragma once
// A cached answer as it is stored: JSON text, readable by any instance and any language
// (never a language-specific serialisation). Carries what the answer cost when it was
// bought, so each hit can count the money it saved.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/chat.h"

namespace sb {

struct CachedAnswer {
    ChatResponse response;
    std::string provider;            // who answered originally
    std::optional<double> cost_usd;  // what it cost then; nullopt when the model had no price
    std::int64_t stored_unix_ms = 0;
};

std::string to_json_text(const CachedAnswer& answer);
// nullopt when the text is not a cached answer this version understands (counted as a miss).
std::optional<CachedAnswer> parse_cached_answer(std::string_view json_text);

}  // namespace sb
