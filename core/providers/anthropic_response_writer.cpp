#include "providers/anthropic_response_writer.h"

#include <algorithm>

#include "model/json_string.h"
#include "providers/anthropic_translation.h"

namespace sb {

std::string_view anthropic_stop_reason(std::string_view finish_reason) {
    if (finish_reason == "length") return "max_tokens";
    if (finish_reason == "tool_calls") return "tool_use";
    if (finish_reason == "content_filter") return "refusal";
    return "end_turn";
}

nlohmann::ordered_json anthropic_usage_json(const Usage& usage) {
    return {{"input_tokens", std::max<std::int64_t>(usage.input_tokens - usage.cached_input_tokens, 0)},
            {"output_tokens", usage.output_tokens},
            {"cache_creation_input_tokens", 0},
            {"cache_read_input_tokens", usage.cached_input_tokens}};
}

std::string chat_response_to_anthropic(const ChatResponse& response, std::string_view id) {
    auto content = nlohmann::ordered_json::array();
    // A turn of tool calls alone has no text block; any other turn has one, empty or not.
    if (!response.content.empty() || response.tool_calls.empty())
        content.push_back({{"type", "text"}, {"text", response.content}});
    for (const auto& call : response.tool_calls)
        content.push_back({{"type", "tool_use"},
                           {"id", call.id},
                           {"name", call.name},
                           {"input", nlohmann::ordered_json(anthropic_tool_input(call.arguments_json))}});
    const nlohmann::ordered_json message = {
        {"id", std::string(id)},
        {"type", "message"},
        {"role", "assistant"},
        {"model", response.model},
        {"content", std::move(content)},
        {"stop_reason", std::string(anthropic_stop_reason(response.finish_reason))},
        {"stop_sequence", nullptr},
        {"usage", anthropic_usage_json(response.usage)}};
    return json_text(message);
}

std::string_view anthropic_error_type_for_status(int status) {
    switch (status) {
        case 401:
            return "authentication_error";
        case 403:
            return "permission_error";
        case 404:
            return "not_found_error";
        case 413:
            return "request_too_large";
        case 429:
            return "rate_limit_error";
        case 503:
        case 529:
            return "overloaded_error";
        case 504:
            return "timeout_error";
        default:
            return status >= 500 ? "api_error" : "invalid_request_error";
    }
}

nlohmann::json anthropic_error_json(std::string_view type, std::string_view message) {
    return {{"type", "error"}, {"error", {{"type", std::string(type)}, {"message", std::string(message)}}}};
}

}  // namespace sb
