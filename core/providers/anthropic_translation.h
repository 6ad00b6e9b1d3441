#pragma once
// The one translation between provider-neutral chat types and Anthropic's Messages JSON.
//
// Anthropic differs from the neutral model in three ways, handled here:
// - system turns live in a top-level `system` field (several are joined with "\n\n");
// - turns must alternate user/assistant: consecutive same-role turns are merged into one
//   turn whose content is the concatenated block list (text blocks stay separate blocks,
//   so nothing is rewritten; reading it back joins adjacent text blocks with "\n\n");
// - tool calls are `tool_use` blocks of the assistant turn and tool results are
//   `tool_result` blocks of the following user turn.
#include <expected>
#include <nlohmann/json.hpp>
#include <string_view>

#include "model/chat.h"
#include "model/error.h"

namespace sb {

// Anthropic requires max_tokens; this is sent when the request has none.
inline constexpr int kAnthropicDefaultMaxTokens = 1024;

// A client's request body. Errors are BadRequest and name the offending field.
std::expected<ChatRequest, Error> chat_request_from_anthropic(const nlohmann::json& body);
// `model` is the upstream model name; empty = request.model.
nlohmann::json chat_request_to_anthropic(const ChatRequest& request, std::string_view model = {});

// An upstream 2xx body. Errors are MalformedResponse and name what is missing.
std::expected<ChatResponse, Error> chat_response_from_anthropic(const nlohmann::json& body);

// end_turn/stop_sequence → stop, max_tokens → length, tool_use → tool_calls, refusal → content_filter.
std::string normalise_anthropic_stop_reason(std::string_view reason);
// input_tokens counts cache reads and writes too, as OpenAI's prompt_tokens does.
Usage usage_from_anthropic(const nlohmann::json& usage);

}  // namespace sb
