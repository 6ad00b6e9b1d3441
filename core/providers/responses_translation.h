#pragma once
// OpenAI's Responses API (POST /v1/responses) and the neutral chat types, both ways. A request
// is always read into a ChatRequest (routing, limits, cost and history work on that) and keeps
// its body for OpenAI targets, which get it passed through; every other target gets the chat
// translation, and the gateway writes the Responses object from the ChatResponse.
#include <cstdint>
#include <expected>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "model/chat.h"
#include "model/error.h"

namespace sb {

// A client's body. What has a chat translation is translated; what only OpenAI can do
// (built-in tools, stored state, item references) is kept in passthrough_body and named by
// responses_untranslatable. Errors are BadRequest and name the field ("input[2].content[0].type:
// unsupported content part \"x\"").
std::expected<ChatRequest, Error> chat_request_from_responses(const nlohmann::json& body);

// For a target that is not OpenAI: the first field of the request's Responses body that has no
// chat translation ("tools[1]: built-in tool \"web_search\" needs an OpenAI target"), or nullopt.
std::optional<std::string> responses_untranslatable(const ChatRequest& request);

// An upstream Responses object: its output text, function calls, finish reason and usage,
// with passthrough_body = `body` as it came. Errors are MalformedResponse (and carry
// `http_status`), or the classified error of a response that says it failed.
std::expected<ChatResponse, Error> chat_response_from_responses(std::string_view body, int http_status = 200);
// The same for a parsed Responses object; passthrough_body stays empty.
std::expected<ChatResponse, Error> chat_response_from_responses_object(const nlohmann::json& response,
                                                                       int http_status = 200);

// The Responses object answering `request`: r.passthrough_body as it came when the answer was
// passed through, else written from the chat answer (`created_at` in Unix seconds).
std::string chat_response_to_responses(const ChatResponse& r, const ChatRequest& request,
                                       std::string_view response_id, std::int64_t created_at);

// Pieces of a written Responses object, shared with the stream writer so that the events and
// the final object agree.
// The id of an output item: `kind` "msg", "fc" or "call", unique within `response_id`.
std::string responses_item_id(std::string_view kind, std::string_view response_id, int ordinal);
// An assistant message item; `content` its parts (empty while it is being added).
nlohmann::ordered_json responses_message_item(std::string_view id, std::string_view status,
                                              nlohmann::ordered_json content);
nlohmann::ordered_json responses_function_call_item(std::string_view id, std::string_view call_id,
                                                    std::string_view name, std::string_view arguments,
                                                    std::string_view status);
nlohmann::ordered_json responses_output_text_part(std::string_view text);
// What the object says of its answer besides the output.
struct ResponsesHead {
    std::string_view response_id;
    std::int64_t created_at = 0;
    std::string_view model;
};
// status "in_progress", output [] and usage null: the object a stream starts with.
nlohmann::ordered_json responses_in_progress(const ChatRequest& request, const ResponsesHead& head);
// That object finished: status "completed", or "incomplete" with incomplete_details for a
// finish_reason of length or content_filter; its output, usage and (unless empty) model.
void finish_responses_object(nlohmann::ordered_json& object, std::string_view model,
                             std::string_view finish_reason, const Usage& usage,
                             nlohmann::ordered_json output);

}  // namespace sb
