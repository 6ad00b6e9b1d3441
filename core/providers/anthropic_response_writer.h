#pragma once
// Answers in Anthropic's Messages format, for the /v1/messages ingress: a whole Message, the
// pieces a streamed one shares with it (stop_reason, usage), and the error body.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "model/chat.h"

namespace sb {

// A neutral finish_reason as Anthropic's stop_reason: stop → end_turn, length → max_tokens,
// tool_calls → tool_use, content_filter → refusal; anything else end_turn.
std::string_view anthropic_stop_reason(std::string_view finish_reason);

// Anthropic counts cache reads apart from input_tokens; the neutral input_tokens holds them.
// Cache writes are not told apart in the neutral usage: they stay in input_tokens.
nlohmann::ordered_json anthropic_usage_json(const Usage& usage);

// The Message JSON text of `response` (its first choice: Anthropic answers one). `id` is the
// message's id ("msg_…").
std::string chat_response_to_anthropic(const ChatResponse& response, std::string_view id);

// The error type Anthropic sends with an HTTP status (400 invalid_request_error, 429
// rate_limit_error, 529 overloaded_error…).
std::string_view anthropic_error_type_for_status(int status);

// {"type":"error","error":{"type":…,"message":…}}
nlohmann::json anthropic_error_json(std::string_view type, std::string_view message);

}  // namespace sb
