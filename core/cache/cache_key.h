#pragma once
// The response cache key: SHA-256 over exactly what changes the answer —
//   the target (a concrete model, or the tier when routing picks the model),
//   output-relevant parameters (temperature, top_p, max_tokens, stop, seed, penalties,
//   tools, tool_choice, response_format),
//   the system prompt, and the last N turns (default 3) with their roles.
// Everything else is ignored: request id, ingress, streaming or not, the conversation id,
// upstream headers, deadlines. What a smaller N trades away: turns older than the last N do
// not reach the key, so two conversations that end the same way but began differently share
// an answer — more hits, and a wrong answer when an early turn (a name, an order number)
// changes what the right answer is. N = 1 keys on the last question alone (FAQ-style
// traffic); keep N at 3 or more where answers depend on context.
#include <string>
#include <string_view>

#include "model/chat.h"

namespace sb {

inline constexpr int kDefaultCacheTurns = 3;

// "sb1:" + 64 hex digits. `target`: the concrete model, or the tier name for routed requests.
std::string cache_key(const ChatRequest& request, std::string_view target, int turns = kDefaultCacheTurns);

// The canonical JSON the key hashes, for the Cache page's "why this key" view.
std::string cache_key_material(const ChatRequest& request, std::string_view target, int turns = kDefaultCacheTurns);

}  // namespace sb
