#include "engine/request_validation.h"

#include <string>

namespace sb {

std::optional<Error> validate_request(const ChatRequest& request) {
    auto bad = [](std::string message) { return Error{ErrorClass::BadRequest, std::move(message)}; };
    if (request.messages.empty()) return bad("messages: must contain at least one message");
    bool has_non_system = false;
    for (std::size_t i = 0; i < request.messages.size(); ++i) {
        const auto& message = request.messages[i];
        const std::string where = "messages[" + std::to_string(i) + "]";
        if (message.role != Role::System) has_non_system = true;
        if (message.role == Role::Tool && message.tool_call_id.empty())
            return bad(where + ".tool_call_id: a tool message must name the call it answers");
        if (message.content.empty() && message.tool_calls.empty() && message.parts.empty() &&
            message.role != Role::Assistant)
            return bad(where + ".content: must not be empty");
    }
    if (!has_non_system) return bad("messages: must contain a user message, not only system prompts");
    if (request.temperature && (*request.temperature < 0.0 || *request.temperature > 2.0))
        return bad("temperature: must be from 0 to 2");
    if (request.top_p && (*request.top_p <= 0.0 || *request.top_p > 1.0)) return bad("top_p: must be in (0, 1]");
    if (request.max_tokens && *request.max_tokens < 1) return bad("max_tokens: must be at least 1");
    return std::nullopt;
}

}  // namespace sb
