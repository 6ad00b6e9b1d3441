#include "providers/anthropic_translation.h"

#include <algorithm>
#include <array>

#include "model/json_depth.h"
#include "providers/json_fields.h"

namespace sb {
namespace {

using wire::field;
using wire::in_quotes;
using wire::string_or_empty;

constexpr std::array<std::string_view, 8> kAnthropicOwnedFields = {
    "model", "messages", "system", "max_tokens", "temperature", "top_p", "stop_sequences", "stream"};

Error malformed(std::string_view problem) {
    return wire::make_error(ErrorClass::MalformedResponse, "Anthropic response " + std::string(problem));
}

void append_text(std::string& text, std::string_view more) {
    if (!text.empty() && !more.empty()) text += "\n\n";
    text += more;
}

// Text of a `system` field or a tool_result's content: a string or a list of text blocks.
std::string text_of(const nlohmann::json& value) {
    if (value.is_string()) return value.get<std::string>();
    std::string text;
    if (value.is_array())
        for (const auto& block : value)
            if (string_or_empty(block, "type") == "text") append_text(text, string_or_empty(block, "text"));
    return text;
}

std::string_view wire_role(Role role) {
    return role == Role::Assistant ? "assistant" : "user";
}

nlohmann::json blocks_of(const Message& message) {
    auto blocks = nlohmann::json::array();
    if (message.role == Role::Tool) {
        blocks.push_back(
            {{"type", "tool_result"}, {"tool_use_id", message.tool_call_id}, {"content", message.content}});
        return blocks;
    }
    if (!message.content.empty()) blocks.push_back({{"type", "text"}, {"text", message.content}});
    for (const auto& call : message.tool_calls) {
        auto input = nlohmann::json::parse(call.arguments_json, nullptr, false);
        // Anthropic wants an object; arguments that are not one are kept as text rather than lost.
        if (!input.is_object())
            input = call.arguments_json.empty() ? nlohmann::json::object()
                                                : nlohmann::json{{"arguments", call.arguments_json}};
        blocks.push_back({{"type", "tool_use"}, {"id", call.id}, {"name", call.name}, {"input", input}});
    }
    return blocks;
}

// One Anthropic turn back into neutral messages: tool results become Tool messages (in
// block order, before the turn's own text), text and tool_use blocks one message.
std::expected<void, Error> read_turn(const nlohmann::json& turn, const std::string& path,
                                     std::vector<Message>& out) {
    auto role_text = string_or_empty(turn, "role");
    if (role_text != "user" && role_text != "assistant")
        return std::unexpected(
            wire::bad_request(path + ".role", "must be \"user\" or \"assistant\", not " + in_quotes(role_text)));
    Message message;
    message.role = role_text == "user" ? Role::User : Role::Assistant;
    auto* content = field(turn, "content");
    if (!content) return std::unexpected(wire::bad_request(path + ".content", "is missing"));
    if (content->is_string()) {
        message.content = content->get<std::string>();
        out.push_back(std::move(message));
        return {};
    }
    if (!content->is_array())
        return std::unexpected(wire::bad_request(path + ".content", "must be a string or an array"));
    for (std::size_t i = 0; i < content->size(); ++i) {
        const auto& block = (*content)[i];
        auto type = string_or_empty(block, "type");
        if (type == "text") {
            append_text(message.content, string_or_empty(block, "text"));
        } else if (type == "tool_use") {
            auto* input = field(block, "input");
            message.tool_calls.push_back({string_or_empty(block, "id"), string_or_empty(block, "name"),
                                          input ? input->dump() : std::string("{}")});
        } else if (type == "tool_result") {
            Message result;
            result.role = Role::Tool;
            result.tool_call_id = string_or_empty(block, "tool_use_id");
            if (auto* result_content = field(block, "content")) result.content = text_of(*result_content);
            out.push_back(std::move(result));
        } else {
            return std::unexpected(wire::bad_request(path + ".content[" + std::to_string(i) + "].type",
                                               "unsupported content block " + in_quotes(type)));
        }
    }
    if (!message.content.empty() || !message.tool_calls.empty()) out.push_back(std::move(message));
    return {};
}

}  // namespace

std::string normalise_anthropic_stop_reason(std::string_view reason) {
    if (reason == "end_turn" || reason == "stop_sequence" || reason == "pause_turn") return "stop";
    if (reason == "max_tokens" || reason == "model_context_window_exceeded") return "length";
    if (reason == "tool_use") return "tool_calls";
    if (reason == "refusal") return "content_filter";
    return std::string(reason);
}

Usage usage_from_anthropic(const nlohmann::json& usage) {
    Usage out;
    auto cache_read = wire::int_or_zero(usage, "cache_read_input_tokens");
    out.input_tokens = wire::int_or_zero(usage, "input_tokens") + cache_read +
                       wire::int_or_zero(usage, "cache_creation_input_tokens");
    out.cached_input_tokens = cache_read;
    out.output_tokens = wire::int_or_zero(usage, "output_tokens");
    return out;
}

std::expected<ChatRequest, Error> chat_request_from_anthropic(const nlohmann::json& body) {
    if (!body.is_object()) return std::unexpected(wire::bad_request("body", "must be a JSON object"));
    if (json_deeper_than(body))
        return std::unexpected(
            wire::bad_request("body", "must not nest more than " + std::to_string(kMaxJsonDepth) + " levels"));
    ChatRequest request;
    request.model = string_or_empty(body, "model");
    if (auto* system = field(body, "system")) {
        Message message;
        message.role = Role::System;
        message.content = text_of(*system);
        request.messages.push_back(std::move(message));
    }
    auto* messages = field(body, "messages");
    if (!messages || !messages->is_array() || messages->empty())
        return std::unexpected(wire::bad_request("messages", "must be a non-empty array"));
    for (std::size_t i = 0; i < messages->size(); ++i) {
        auto read = read_turn((*messages)[i], "messages[" + std::to_string(i) + "]", request.messages);
        if (!read) return std::unexpected(read.error());
    }
    if (auto max_tokens = wire::number(body, "max_tokens")) {
        request.max_tokens = wire::to_int(*max_tokens);
        if (!request.max_tokens)
            return std::unexpected(wire::bad_request("max_tokens", "must be from 1 to 2147483647"));
    }
    request.temperature = wire::number(body, "temperature");
    request.top_p = wire::number(body, "top_p");
    if (auto* stop = field(body, "stop_sequences"); stop && stop->is_array())
        for (const auto& item : *stop)
            if (item.is_string()) request.stop.push_back(item.get<std::string>());
    if (auto* stream = field(body, "stream"); stream && stream->is_boolean())
        request.stream = stream->get<bool>();
    for (const auto& [key, value] : body.items())
        if (std::find(kAnthropicOwnedFields.begin(), kAnthropicOwnedFields.end(), key) == kAnthropicOwnedFields.end())
            request.extra[key] = value;
    return request;
}

nlohmann::json chat_request_to_anthropic(const ChatRequest& request, std::string_view model) {
    nlohmann::json body = request.extra.is_object() ? request.extra : nlohmann::json::object();
    body["model"] = model.empty() ? request.model : std::string(model);
    body["max_tokens"] = request.max_tokens.value_or(kAnthropicDefaultMaxTokens);
    std::string system;
    auto turns = nlohmann::json::array();
    for (const auto& message : request.messages) {
        if (message.role == Role::System) {
            append_text(system, message.content);
            continue;
        }
        auto role = wire_role(message.role);
        auto blocks = blocks_of(message);
        if (!turns.empty() && turns.back()["role"] == role) {
            for (auto& block : blocks) turns.back()["content"].push_back(std::move(block));
        } else {
            turns.push_back({{"role", role}, {"content", std::move(blocks)}});
        }
    }
    // A turn that is one text block is sent in the documented short form, a plain string.
    for (auto& turn : turns) {
        auto& content = turn["content"];
        if (content.size() == 1 && content[0]["type"] == "text") content = content[0]["text"];
    }
    if (!system.empty()) body["system"] = system;
    body["messages"] = std::move(turns);
    if (request.temperature) body["temperature"] = *request.temperature;
    if (request.top_p) body["top_p"] = *request.top_p;
    if (!request.stop.empty()) body["stop_sequences"] = request.stop;
    body["stream"] = request.stream;
    return body;
}

std::expected<ChatResponse, Error> chat_response_from_anthropic(const nlohmann::json& body) {
    if (!body.is_object()) return std::unexpected(malformed("is not a JSON object"));
    // tool_use inputs are dumped to text below.
    if (json_deeper_than(body))
        return std::unexpected(malformed("nests more than " + std::to_string(kMaxJsonDepth) + " levels"));
    auto* content = field(body, "content");
    if (!content || !content->is_array()) return std::unexpected(malformed("has no content array"));
    ChatResponse response;
    response.id = string_or_empty(body, "id");
    response.model = string_or_empty(body, "model");
    for (const auto& block : *content) {
        auto type = string_or_empty(block, "type");
        if (type == "text") {
            response.content += string_or_empty(block, "text");
        } else if (type == "tool_use") {
            auto* input = field(block, "input");
            response.tool_calls.push_back(
                {string_or_empty(block, "id"), string_or_empty(block, "name"), input ? input->dump() : "{}"});
        }
    }
    response.finish_reason = normalise_anthropic_stop_reason(string_or_empty(body, "stop_reason"));
    auto* usage = field(body, "usage");
    if (!usage || !usage->is_object()) return std::unexpected(malformed("has no usage object"));
    response.usage = usage_from_anthropic(*usage);
    return response;
}

}  // namespace sb
