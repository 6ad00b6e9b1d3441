#pragma once
// The one translation between provider-neutral chat types and Anthropic's Messages JSON.
//
// Anthropic differs from the neutral (OpenAI chat) model in these ways, handled here:
// - system turns live in a top-level `system` field (several are joined with "\n\n");
// - turns must alternate user/assistant: consecutive same-role turns are merged into one
//   turn whose content is the concatenated block list (text blocks stay separate blocks,
//   so nothing is rewritten; reading it back joins adjacent text blocks with "\n\n");
// - tool calls are `tool_use` blocks of the assistant turn and tool results are
//   `tool_result` blocks of the following user turn. The neutral model has no flag for a
//   result marked `is_error`: its text says so instead, beginning "Error: ";
// - images and documents are blocks with a `source`: base64, a URL, or (documents) plain
//   text, which the neutral model holds as a base64 text/plain file;
// - tools are {name, description, input_schema}; tool_choice is an object that also carries
//   the parallel-calls flag (disable_parallel_tool_use); a JSON answer that follows a schema
//   is asked for with output_config.format.
#include <expected>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "model/chat.h"
#include "model/error.h"

namespace sb {

// Anthropic requires max_tokens; this is sent when the request has none.
inline constexpr int kAnthropicDefaultMaxTokens = 1024;

// A client's request body (the /v1/messages ingress): wire = AnthropicMessages, and the
// fields the neutral model does not hold go to `extra`. Errors are BadRequest and name the
// offending field. max_tokens is required, as Anthropic requires it; server tools (web
// search, code execution…) are refused: the gateway cannot run them.
std::expected<ChatRequest, Error> chat_request_from_anthropic(const nlohmann::json& body);

// Why Anthropic cannot take `request` as it is, naming the field
// ("messages[1].content[2]: Anthropic takes no input_audio part"); nullopt when everything
// translates. The capability check before routing asks this.
std::optional<std::string> anthropic_unsupported(const ChatRequest& request);

// `model` is the upstream model name; empty = request.model. `extra` is sent only when the
// request came in Anthropic's format (it holds that format's fields); the fields written here
// win over it. What anthropic_unsupported refuses is left out.
nlohmann::json chat_request_to_anthropic(const ChatRequest& request, std::string_view model = {});

// A tool call's arguments as a tool_use block's `input`. Anthropic wants an object:
// arguments that are not one are kept as text ({"arguments": "<text>"}) rather than lost.
nlohmann::json anthropic_tool_input(std::string_view arguments_json);

// An upstream 2xx body. Errors are MalformedResponse and name what is missing.
std::expected<ChatResponse, Error> chat_response_from_anthropic(const nlohmann::json& body);

// end_turn/stop_sequence → stop, max_tokens → length, tool_use → tool_calls, refusal → content_filter.
std::string normalise_anthropic_stop_reason(std::string_view reason);
// input_tokens counts cache reads and writes too, as OpenAI's prompt_tokens does.
Usage usage_from_anthropic(const nlohmann::json& usage);

}  // namespace sb
