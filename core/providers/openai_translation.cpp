#include "providers/openai_translation.h"

#include <algorithm>
#include <array>

#include "model/json_depth.h"
#include "model/json_string.h"
#include "providers/json_fields.h"
#include "providers/openai_content_parts.h"
#include "providers/openai_response_writer.h"

namespace sb {
namespace {

using wire::field;
using wire::in_quotes;
using wire::string_or_empty;

// Fields the translation owns; everything else in a client's body is passed through.
constexpr std::array<std::string_view, 14> kOpenAiOwnedFields = {
    "model",  "messages",       "temperature", "top_p", "max_tokens",  "max_completion_tokens", "stop",
    "stream", "stream_options", "n",           "tools", "tool_choice", "parallel_tool_calls",   "response_format"};

// content: a string, null, or an array of parts. Text parts are joined into `content`;
// any other part keeps the whole list, in order, in `parts`. Only user turns carry media.
std::expected<void, Error> read_content(const nlohmann::json& item, const std::string& path, Message& message) {
    auto* content = field(item, "content");
    if (!content) return {};
    if (content->is_string()) {
        message.content = content->get<std::string>();
        return {};
    }
    if (!content->is_array())
        return std::unexpected(wire::bad_request(path + ".content", "must be a string or an array"));
    std::vector<ContentPart> parts;
    bool media = false;
    for (std::size_t i = 0; i < content->size(); ++i) {
        const auto part_path = path + ".content[" + std::to_string(i) + "]";
        if (message.role == Role::Assistant && string_or_empty((*content)[i], "type") == "refusal") {
            message.content += string_or_empty((*content)[i], "refusal");
            continue;
        }
        auto part = content_part_from_openai((*content)[i], part_path);
        if (!part) return std::unexpected(part.error());
        if (part->kind != ContentPart::Kind::Text) {
            if (message.role != Role::User)
                return std::unexpected(wire::bad_request(part_path + ".type", "only user messages carry " +
                                                                                  in_quotes(to_string(part->kind)) +
                                                                                  " parts"));
            media = true;
        }
        message.content += part->text;
        parts.push_back(std::move(*part));
    }
    if (media) message.parts = std::move(parts);
    return {};
}

// tools, tool_choice, parallel_tool_calls, response_format and n: kept in the neutral shape,
// which is OpenAI chat's own; checked enough that a translation can rely on their shape.
std::expected<void, Error> read_tool_fields(const nlohmann::json& body, ChatRequest& request) {
    if (auto* tools = field(body, "tools")) {
        if (!tools->is_array()) return std::unexpected(wire::bad_request("tools", "must be an array"));
        for (std::size_t i = 0; i < tools->size(); ++i) {
            const auto& tool = (*tools)[i];
            const auto path = "tools[" + std::to_string(i) + "]";
            const auto type = string_or_empty(tool, "type");
            if (type == "custom") continue;  // passed to OpenAI; the capability check keeps it there
            auto* function = field(tool, "function");
            if (type != "function")
                return std::unexpected(wire::bad_request(path + ".type", "must be \"function\" or \"custom\""));
            if (!function || !function->is_object() || string_or_empty(*function, "name").empty())
                return std::unexpected(wire::bad_request(path + ".function.name", "is missing"));
            if (auto* parameters = field(*function, "parameters"); parameters && !parameters->is_object())
                return std::unexpected(wire::bad_request(path + ".function.parameters", "must be a JSON Schema object"));
        }
        request.tools = *tools;
    }
    if (auto* choice = field(body, "tool_choice")) {
        const bool named = choice->is_object() && string_or_empty(*choice, "type") == "function" &&
                           field(*choice, "function") && !string_or_empty((*choice)["function"], "name").empty();
        const bool word = choice->is_string() && (*choice == "auto" || *choice == "none" || *choice == "required");
        if (!named && !word && !choice->is_object())
            return std::unexpected(wire::bad_request(
                "tool_choice", "must be \"auto\", \"none\", \"required\" or {\"type\":\"function\",…}"));
        request.tool_choice = *choice;
    }
    if (auto* parallel = field(body, "parallel_tool_calls")) {
        if (!parallel->is_boolean())
            return std::unexpected(wire::bad_request("parallel_tool_calls", "must be true or false"));
        request.parallel_tool_calls = parallel->get<bool>();
    }
    if (auto* format = field(body, "response_format")) {
        const auto type = string_or_empty(*format, "type");
        if (type != "text" && type != "json_object" && type != "json_schema")
            return std::unexpected(wire::bad_request(
                "response_format.type", "must be \"text\", \"json_object\" or \"json_schema\""));
        if (type == "json_schema") {
            auto* schema = field(*format, "json_schema");
            if (!schema || !schema->is_object() || string_or_empty(*schema, "name").empty())
                return std::unexpected(wire::bad_request("response_format.json_schema.name", "is missing"));
        }
        if (type != "text") request.response_format = *format;
    }
    if (auto* n = field(body, "n")) {
        if (!n->is_number_integer() || n->get<std::int64_t>() < 1 || n->get<std::int64_t>() > 128)
            return std::unexpected(wire::bad_request("n", "must be an integer from 1 to 128"));
        request.n = static_cast<int>(n->get<std::int64_t>());
    }
    return {};
}

void append_json_field(std::string& out, std::string_view name, const nlohmann::json& value) {
    out.push_back(',');
    append_json_string(out, name);
    out.push_back(':');
    out.append(json_text(value));
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
    if (message.parts.empty()) {
        append_openai_content(out, message.content, message.tool_calls);
    } else {
        out.append("\"content\":[");
        for (std::size_t i = 0; i < message.parts.size(); ++i) {
            if (i > 0) out.push_back(',');
            append_openai_part(out, message.parts[i]);
        }
        out.push_back(']');
    }
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

std::vector<ChatChoice> more_openai_choices(std::string_view body) {
    std::vector<ChatChoice> choices;
    const auto answer = nlohmann::json::parse(body, nullptr, false);
    auto* list = field(answer, "choices");
    if (!list || !list->is_array()) return choices;
    for (std::size_t i = 1; i < list->size(); ++i) {
        const auto& choice = (*list)[i];
        ChatChoice read;
        if (auto* message = field(choice, "message")) {
            Message content;
            content.role = Role::Assistant;
            if (read_content(*message, "choices[" + std::to_string(i) + "].message", content)) read.content = content.content;
            if (auto calls = read_tool_calls(*message, "choices")) read.tool_calls = std::move(*calls);
        }
        read.finish_reason = normalise_openai_finish_reason(string_or_empty(choice, "finish_reason"));
        choices.push_back(std::move(read));
    }
    return choices;
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
        if (auto content = read_content(item, path, message); !content) return std::unexpected(content.error());
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
    if (auto tools = read_tool_fields(body, request); !tools) return std::unexpected(tools.error());
    for (const auto& [key, value] : body.items())
        if (std::find(kOpenAiOwnedFields.begin(), kOpenAiOwnedFields.end(), key) == kOpenAiOwnedFields.end())
            request.extra[key] = value;
    return request;
}

std::string chat_request_to_openai(const ChatRequest& request, const OpenAIRequestOptions& options) {
    std::string out;
    std::size_t text_bytes = 0;
    for (const auto& message : request.messages) {
        text_bytes += message.content.size() + 32;
        for (const auto& part : message.parts) text_bytes += part.data_base64.size() + part.url.size() + 64;
    }
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
    if (!request.tools.is_null()) {
        append_json_field(out, "tools", request.tools);
        written.push_back("tools");
    }
    if (!request.tool_choice.is_null()) {
        append_json_field(out, "tool_choice", request.tool_choice);
        written.push_back("tool_choice");
    }
    if (request.parallel_tool_calls) {
        out.append(*request.parallel_tool_calls ? ",\"parallel_tool_calls\":true" : ",\"parallel_tool_calls\":false");
        written.push_back("parallel_tool_calls");
    }
    if (!request.response_format.is_null()) {
        append_json_field(out, "response_format", request.response_format);
        written.push_back("response_format");
    }
    if (request.n > 1) {
        out.append(",\"n\":").append(std::to_string(request.n));
        written.push_back("n");
    }
    // The caller's other fields pass through to the format they came in; the fields written
    // above always win.
    if (request.wire == WireApi::OpenAIChat && request.extra.is_object())
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
