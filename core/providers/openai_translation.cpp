#include "providers/openai_translation.h"

#include <algorithm>
#include <array>

#include "model/json_depth.h"
#include "model/json_string.h"
#include "providers/json_fields.h"
#include "providers/openai_response_writer.h"

namespace sb {
namespace {

using wire::field;
using wire::in_quotes;
using wire::string_or_empty;

// Fields the translation owns; everything else in a client's body is passed through.
constexpr std::array<std::string_view, 10> kOpenAiOwnedFields = {
    "model", "messages", "temperature",    "top_p", "max_tokens", "max_completion_tokens",
    "stop",  "stream",   "stream_options", "n"};

// content: a string, null, or an array of parts of which only text can be kept losslessly.
std::expected<std::string, Error> read_content(const nlohmann::json& message, const std::string& path) {
    auto* content = field(message, "content");
    if (!content) return std::string{};
    if (content->is_string()) return content->get<std::string>();
    if (!content->is_array())
        return std::unexpected(wire::bad_request(path + ".content", "must be a string or an array"));
    std::string text;
    for (std::size_t i = 0; i < content->size(); ++i) {
        const auto& part = (*content)[i];
        auto type = string_or_empty(part, "type");
        if (type != "text")
            return std::unexpected(wire::bad_request(path + ".content[" + std::to_string(i) + "].type",
                                               "unsupported content part " + in_quotes(type)));
        text += string_or_empty(part, "text");
    }
    return text;
}

std::expected<std::vector<ToolCall>, Error> read_tool_calls(const nlohmann::json& holder,
                                                            const std::string& path) {
    std::vector<ToolCall> calls;
    auto* list = field(holder, "tool_calls");
    if (!list) return calls;
    if (!list->is_array()) return std::unexpected(wire::bad_request(path + ".tool_calls", "must be an array"));
    for (std::size_t i = 0; i < list->size(); ++i) {
        const auto& call = (*list)[i];
        auto* function = field(call, "function");
        if (!function || !function->is_object())
            return std::unexpected(
                wire::bad_request(path + ".tool_calls[" + std::to_string(i) + "].function", "is missing"));
        calls.push_back({string_or_empty(call, "id"), string_or_empty(*function, "name"),
                         string_or_empty(*function, "arguments")});
    }
    return calls;
}

void append_message(std::string& out, const Message& message) {
    out.append("{\"role\":");
    append_json_string(out, to_string(message.role));
    out.push_back(',');
    append_openai_content(out, message.content, message.tool_calls);
    if (!message.name.empty()) {
        out.append(",\"name\":");
        append_json_string(out, message.name);
    }
    if (!message.tool_call_id.empty()) {
        out.append(",\"tool_call_id\":");
        append_json_string(out, message.tool_call_id);
    }
    out.push_back('}');
}

}  // namespace

std::string normalise_openai_finish_reason(std::string_view reason) {
    if (reason == "function_call") return "tool_calls";
    return std::string(reason);
}

Usage usage_from_openai(const nlohmann::json& usage) {
    Usage out;
    out.input_tokens = wire::int_or_zero(usage, "prompt_tokens");
    out.output_tokens = wire::int_or_zero(usage, "completion_tokens");
    if (auto* details = field(usage, "prompt_tokens_details"))
        out.cached_input_tokens = wire::int_or_zero(*details, "cached_tokens");
    if (auto* details = field(usage, "completion_tokens_details"))
        out.reasoning_tokens = wire::int_or_zero(*details, "reasoning_tokens");
    return out;
}

std::expected<ChatRequest, Error> chat_request_from_openai(const nlohmann::json& body) {
    if (!body.is_object()) return std::unexpected(wire::bad_request("body", "must be a JSON object"));
    if (json_deeper_than(body))
        return std::unexpected(
            wire::bad_request("body", "must not nest more than " + std::to_string(kMaxJsonDepth) + " levels"));
    ChatRequest request;
    request.model = string_or_empty(body, "model");
    auto* messages = field(body, "messages");
    if (!messages || !messages->is_array() || messages->empty())
        return std::unexpected(wire::bad_request("messages", "must be a non-empty array"));
    for (std::size_t i = 0; i < messages->size(); ++i) {
        const auto& item = (*messages)[i];
        auto path = "messages[" + std::to_string(i) + "]";
        if (!item.is_object()) return std::unexpected(wire::bad_request(path, "must be an object"));
        auto role = role_from_string(string_or_empty(item, "role"));
        if (!role)
            return std::unexpected(
                wire::bad_request(path + ".role", "unknown role " + in_quotes(string_or_empty(item, "role"))));
        Message message;
        message.role = *role;
        auto content = read_content(item, path);
        if (!content) return std::unexpected(content.error());
        message.content = std::move(*content);
        message.name = string_or_empty(item, "name");
        auto calls = read_tool_calls(item, path);
        if (!calls) return std::unexpected(calls.error());
        message.tool_calls = std::move(*calls);
        message.tool_call_id = string_or_empty(item, "tool_call_id");
        request.messages.push_back(std::move(message));
    }
    request.temperature = wire::number(body, "temperature");
    request.top_p = wire::number(body, "top_p");
    std::string max_name = "max_completion_tokens";
    auto max_tokens = wire::number(body, max_name);
    if (!max_tokens) {
        max_name = "max_tokens";
        max_tokens = wire::number(body, max_name);
    }
    if (max_tokens) {
        request.max_tokens = wire::to_int(*max_tokens);
        if (!request.max_tokens)
            return std::unexpected(wire::bad_request(max_name, "must be from 1 to 2147483647"));
    }
    if (auto* stop = field(body, "stop")) {
        if (stop->is_string())
            request.stop.push_back(stop->get<std::string>());
        else if (stop->is_array())
            for (const auto& item : *stop)
                if (item.is_string()) request.stop.push_back(item.get<std::string>());
    }
    if (auto* stream = field(body, "stream"); stream && stream->is_boolean())
        request.stream = stream->get<bool>();
    for (const auto& [key, value] : body.items())
        if (std::find(kOpenAiOwnedFields.begin(), kOpenAiOwnedFields.end(), key) == kOpenAiOwnedFields.end())
            request.extra[key] = value;
    return request;
}

std::string chat_request_to_openai(const ChatRequest& request, const OpenAIRequestOptions& options) {
    std::string out;
    std::size_t text_bytes = 0;
    for (const auto& message : request.messages) text_bytes += message.content.size() + 32;
    out.reserve(256 + text_bytes);
    std::vector<std::string_view> written = {"model", "messages", "stream"};
    out.append("{\"model\":");
    append_json_string(out, options.model.empty() ? std::string_view(request.model) : options.model);
    out.append(",\"messages\":[");
    for (std::size_t i = 0; i < request.messages.size(); ++i) {
        if (i > 0) out.push_back(',');
        append_message(out, request.messages[i]);
    }
    out.push_back(']');
    auto number = [&](std::string_view name, const std::string& text) {
        out.append(",\"").append(name).append("\":").append(text);
        written.push_back(name);
    };
    if (request.temperature) number("temperature", json_text(nlohmann::json(*request.temperature)));
    if (request.top_p) number("top_p", json_text(nlohmann::json(*request.top_p)));
    if (request.max_tokens)
        number(options.use_legacy_max_tokens ? "max_tokens" : "max_completion_tokens",
               std::to_string(*request.max_tokens));
    if (!request.stop.empty()) {
        out.append(",\"stop\":[");
        for (std::size_t i = 0; i < request.stop.size(); ++i) {
            if (i > 0) out.push_back(',');
            append_json_string(out, request.stop[i]);
        }
        out.push_back(']');
        written.push_back("stop");
    }
    out.append(request.stream ? ",\"stream\":true" : ",\"stream\":false");
    if (request.stream) {
        out.append(",\"stream_options\":{\"include_usage\":true}");
        written.push_back("stream_options");
    }
    // The caller's other fields pass through; the fields written above always win.
    if (request.extra.is_object())
        for (const auto& [key, value] : request.extra.items()) {
            if (std::find(written.begin(), written.end(), key) != written.end()) continue;
            out.push_back(',');
            append_json_string(out, key);
            out.push_back(':');
            out.append(json_text(value));
        }
    out.push_back('}');
    return out;
}

}  // namespace sb
