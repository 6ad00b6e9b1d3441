#include "providers/responses_translation.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "model/json_depth.h"
#include "model/json_string.h"
#include "providers/json_fields.h"
#include "providers/openai_content_parts.h"

namespace sb {
namespace {

using ojson = nlohmann::ordered_json;
using wire::field;
using wire::in_quotes;
using wire::string_or_empty;

// Fields the translation owns; the others go to `extra`, which no chat target is sent.
constexpr std::array<std::string_view, 11> kResponsesOwnedFields = {"model",        "input",
                                                                    "instructions", "tools",
                                                                    "tool_choice",  "parallel_tool_calls",
                                                                    "text",         "max_output_tokens",
                                                                    "temperature",  "top_p",
                                                                    "stream"};

std::string indexed_path(std::string_view base, std::size_t index) {
    return std::string(base) + "[" + std::to_string(index) + "]";
}

std::unexpected<Error> refuse_responses_field(const std::string& path, std::string_view problem) {
    return std::unexpected(wire::bad_request(path, problem));
}

// How an input item translates. Items only OpenAI knows (item references, built-in tool
// calls and their outputs, and the kinds added after this was written) are kept for OpenAI
// targets and named by responses_untranslatable. Reasoning items are dropped for the others:
// they are OpenAI's own (often encrypted) working, which no other model can read.
enum class ResponsesItemKind { Message, FunctionCall, FunctionCallOutput, Reasoning, OpenAIOnly };

ResponsesItemKind responses_item_kind(const nlohmann::json& item) {
    const auto type = string_or_empty(item, "type");
    if (type == "message" || (type.empty() && field(item, "role"))) return ResponsesItemKind::Message;
    if (type == "function_call") return ResponsesItemKind::FunctionCall;
    if (type == "function_call_output") return ResponsesItemKind::FunctionCallOutput;
    if (type == "reasoning") return ResponsesItemKind::Reasoning;
    return ResponsesItemKind::OpenAIOnly;
}

std::expected<ContentPart, Error> responses_image_part(const nlohmann::json& part, const std::string& path) {
    ContentPart read;
    read.kind = ContentPart::Kind::Image;
    read.detail = string_or_empty(part, "detail");
    read.file_id = string_or_empty(part, "file_id");
    const auto url = string_or_empty(part, "image_url");
    if (auto data = parse_data_url(url)) {
        read.media_type = std::move(data->media_type);
        read.data_base64 = std::move(data->data_base64);
    } else if (is_web_url(url)) {
        read.url = url;
    } else if (!url.empty()) {
        return refuse_responses_field(path + ".image_url", "must be an http(s) URL or a base64 data: URL");
    } else if (read.file_id.empty()) {
        return refuse_responses_field(path, "input_image needs image_url or file_id");
    }
    return read;
}

std::expected<ContentPart, Error> responses_file_part(const nlohmann::json& part, const std::string& path) {
    ContentPart read;
    read.kind = ContentPart::Kind::File;
    read.filename = string_or_empty(part, "filename");
    read.file_id = string_or_empty(part, "file_id");
    const auto url = string_or_empty(part, "file_url");
    const auto data = string_or_empty(part, "file_data");
    if (auto parsed = parse_data_url(data)) {
        read.media_type = std::move(parsed->media_type);
        read.data_base64 = std::move(parsed->data_base64);
    } else if (!data.empty()) {
        if (!is_base64_text(data))
            return refuse_responses_field(path + ".file_data", "must be base64 or a data: URL");
        read.data_base64 = data;
        if (read.filename.ends_with(".pdf")) read.media_type = "application/pdf";
    } else if (is_web_url(url)) {
        read.url = url;
    } else if (!url.empty()) {
        return refuse_responses_field(path + ".file_url", "must be an http(s) URL");
    } else if (read.file_id.empty()) {
        return refuse_responses_field(path, "input_file needs file_data, file_id or file_url");
    }
    return read;
}

std::expected<ContentPart, Error> responses_content_part(const nlohmann::json& part,
                                                         const std::string& path) {
    if (!part.is_object()) return refuse_responses_field(path, "must be an object");
    const auto type = string_or_empty(part, "type");
    if (type == "input_text" || type == "output_text") {
        ContentPart text;
        text.text = string_or_empty(part, "text");
        return text;
    }
    if (type == "input_image") return responses_image_part(part, path);
    if (type == "input_file") return responses_file_part(part, path);
    return refuse_responses_field(path + ".type", "unsupported content part " + in_quotes(type));
}

// A message item: role user / assistant / system / developer, content a string or parts. Text
// parts are joined into `content`; media keeps the whole list in `parts` (user turns only).
std::expected<Message, Error> responses_message(const nlohmann::json& item, const std::string& path) {
    const auto role_text = string_or_empty(item, "role");
    const auto role = role_text == "tool" ? std::nullopt : role_from_string(role_text);
    if (!role) return refuse_responses_field(path + ".role", "unknown role " + in_quotes(role_text));
    Message message;
    message.role = *role;
    auto* content = field(item, "content");
    if (!content) return message;
    if (content->is_string()) {
        message.content = content->get<std::string>();
        return message;
    }
    if (!content->is_array())
        return refuse_responses_field(path + ".content", "must be a string or an array");
    std::vector<ContentPart> parts;
    bool media = false;
    for (std::size_t i = 0; i < content->size(); ++i) {
        const auto& entry = (*content)[i];
        const auto part_path = indexed_path(path + ".content", i);
        if (message.role == Role::Assistant && string_or_empty(entry, "type") == "refusal") {
            message.content += string_or_empty(entry, "refusal");
            continue;
        }
        auto part = responses_content_part(entry, part_path);
        if (!part) return std::unexpected(part.error());
        if (part->kind != ContentPart::Kind::Text) {
            if (message.role != Role::User)
                return refuse_responses_field(
                    part_path + ".type",
                    "only user messages carry " + in_quotes(to_string(part->kind)) + " parts");
            media = true;
        }
        message.content += part->text;
        parts.push_back(std::move(*part));
    }
    if (media) message.parts = std::move(parts);
    return message;
}

std::expected<ToolCall, Error> responses_function_call(const nlohmann::json& item, const std::string& path) {
    ToolCall call{string_or_empty(item, "call_id"), string_or_empty(item, "name"), {}};
    if (call.id.empty()) return refuse_responses_field(path + ".call_id", "is missing");
    if (call.name.empty()) return refuse_responses_field(path + ".name", "is missing");
    auto* arguments = field(item, "arguments");
    if (!arguments || !arguments->is_string())
        return refuse_responses_field(path + ".arguments", "must be a string of JSON");
    call.arguments_json = arguments->get<std::string>();
    return call;
}

// A function_call_output: the text of its output. Parts that are not text are sent to OpenAI
// targets only (responses_untranslatable names them).
std::expected<Message, Error> responses_tool_result(const nlohmann::json& item, const std::string& path) {
    Message message;
    message.role = Role::Tool;
    message.tool_call_id = string_or_empty(item, "call_id");
    if (message.tool_call_id.empty()) return refuse_responses_field(path + ".call_id", "is missing");
    auto* output = field(item, "output");
    if (output && output->is_string()) {
        message.content = output->get<std::string>();
    } else if (output && output->is_array()) {
        for (const auto& part : *output)
            if (string_or_empty(part, "type") == "input_text")
                message.content += string_or_empty(part, "text");
    } else {
        return refuse_responses_field(path + ".output", "must be a string or an array of parts");
    }
    return message;
}

std::expected<void, Error> translate_input_items(const nlohmann::json& input, ChatRequest& request) {
    if (input.is_string()) {
        request.messages.push_back(Message{.role = Role::User, .content = input.get<std::string>()});
        return {};
    }
    if (!input.is_array()) return refuse_responses_field("input", "must be a string or an array of items");
    for (std::size_t i = 0; i < input.size(); ++i) {
        const auto& item = input[i];
        const auto path = indexed_path("input", i);
        if (!item.is_object()) return refuse_responses_field(path, "must be an object");
        if (auto* type = field(item, "type"); type && !type->is_string())
            return refuse_responses_field(path + ".type", "must be a string");
        if (!field(item, "type") && !field(item, "role"))
            return refuse_responses_field(path + ".type", "is missing");
        switch (responses_item_kind(item)) {
            case ResponsesItemKind::Message: {
                auto message = responses_message(item, path);
                if (!message) return std::unexpected(message.error());
                request.messages.push_back(std::move(*message));
                break;
            }
            case ResponsesItemKind::FunctionCall: {
                auto call = responses_function_call(item, path);
                if (!call) return std::unexpected(call.error());
                // A turn's calls (and the text before them) are one assistant message in chat.
                auto& messages = request.messages;
                if (messages.empty() || messages.back().role != Role::Assistant ||
                    !messages.back().parts.empty())
                    messages.push_back(Message{.role = Role::Assistant});
                messages.back().tool_calls.push_back(std::move(*call));
                break;
            }
            case ResponsesItemKind::FunctionCallOutput: {
                auto result = responses_tool_result(item, path);
                if (!result) return std::unexpected(result.error());
                request.messages.push_back(std::move(*result));
                break;
            }
            case ResponsesItemKind::Reasoning:
            case ResponsesItemKind::OpenAIOnly:
                break;
        }
    }
    return {};
}

// Function tools in chat's shape; built-in tools are left to OpenAI targets.
std::expected<void, Error> translate_function_tools(const nlohmann::json& tools, ChatRequest& request) {
    if (!tools.is_array()) return refuse_responses_field("tools", "must be an array");
    auto translated = nlohmann::json::array();
    for (std::size_t i = 0; i < tools.size(); ++i) {
        const auto& tool = tools[i];
        const auto path = indexed_path("tools", i);
        if (!tool.is_object()) return refuse_responses_field(path, "must be an object");
        const auto type = string_or_empty(tool, "type");
        if (type.empty()) return refuse_responses_field(path + ".type", "is missing");
        if (type != "function") continue;
        nlohmann::json function = {{"name", string_or_empty(tool, "name")}};
        if (function["name"].get_ref<const std::string&>().empty())
            return refuse_responses_field(path + ".name", "is missing");
        if (auto* description = field(tool, "description")) function["description"] = *description;
        if (auto* parameters = field(tool, "parameters")) {
            if (!parameters->is_object())
                return refuse_responses_field(path + ".parameters", "must be a JSON Schema object");
            function["parameters"] = *parameters;
        }
        if (auto* strict = field(tool, "strict")) function["strict"] = *strict;
        translated.push_back({{"type", "function"}, {"function", std::move(function)}});
    }
    if (!translated.empty()) request.tools = std::move(translated);
    return {};
}

// "auto" / "none" / "required" and {type:function,name} in chat's shape; a built-in tool's
// choice is left to OpenAI targets.
std::expected<void, Error> translate_tool_choice(const nlohmann::json& choice, ChatRequest& request) {
    if (choice.is_string()) {
        if (choice != "auto" && choice != "none" && choice != "required")
            return refuse_responses_field("tool_choice",
                                          "must be \"auto\", \"none\", \"required\" or an object");
        request.tool_choice = choice;
        return {};
    }
    if (!choice.is_object()) return refuse_responses_field("tool_choice", "must be a string or an object");
    const auto type = string_or_empty(choice, "type");
    if (type.empty()) return refuse_responses_field("tool_choice.type", "is missing");
    if (type != "function") return {};
    const auto name = string_or_empty(choice, "name");
    if (name.empty()) return refuse_responses_field("tool_choice.name", "is missing");
    request.tool_choice = {{"type", "function"}, {"function", {{"name", name}}}};
    return {};
}

// text.format, flat in the Responses API, as chat's response_format.
std::expected<void, Error> translate_text_format(const nlohmann::json& text, ChatRequest& request) {
    if (!text.is_object()) return refuse_responses_field("text", "must be an object");
    auto* format = field(text, "format");
    if (!format) return {};
    const auto type = string_or_empty(*format, "type");
    if (type == "text") return {};
    if (type == "json_object") {
        request.response_format = {{"type", "json_object"}};
        return {};
    }
    if (type != "json_schema")
        return refuse_responses_field("text.format.type",
                                      "must be \"text\", \"json_object\" or \"json_schema\"");
    nlohmann::json schema = {{"name", string_or_empty(*format, "name")}};
    if (schema["name"].get_ref<const std::string&>().empty())
        return refuse_responses_field("text.format.name", "is missing");
    if (auto* description = field(*format, "description")) schema["description"] = *description;
    auto* body = field(*format, "schema");
    if (!body || !body->is_object())
        return refuse_responses_field("text.format.schema", "must be a JSON Schema object");
    schema["schema"] = *body;
    if (auto* strict = field(*format, "strict")) schema["strict"] = *strict;
    request.response_format = {{"type", "json_schema"}, {"json_schema", std::move(schema)}};
    return {};
}

std::expected<void, Error> translate_scalar_fields(const nlohmann::json& body, ChatRequest& request) {
    if (auto* model = field(body, "model")) {
        if (!model->is_string()) return refuse_responses_field("model", "must be a string");
        request.model = model->get<std::string>();
    }
    for (const char* name : {"temperature", "top_p", "max_output_tokens"})
        if (auto* value = field(body, name); value && !value->is_number())
            return refuse_responses_field(name, "must be a number");
    request.temperature = wire::number(body, "temperature");
    request.top_p = wire::number(body, "top_p");
    if (auto max_tokens = wire::number(body, "max_output_tokens")) {
        request.max_tokens = wire::to_int(*max_tokens);
        if (!request.max_tokens || *request.max_tokens < 1)
            return refuse_responses_field("max_output_tokens", "must be from 1 to 2147483647");
    }
    if (auto* stream = field(body, "stream")) {
        if (!stream->is_boolean()) return refuse_responses_field("stream", "must be a boolean");
        request.stream = stream->get<bool>();
    }
    if (auto* parallel = field(body, "parallel_tool_calls")) {
        if (!parallel->is_boolean())
            return refuse_responses_field("parallel_tool_calls", "must be true or false");
        request.parallel_tool_calls = parallel->get<bool>();
    }
    return {};
}

// The parts of a function_call_output that are not text, which only OpenAI takes.
std::optional<std::string> untranslatable_tool_result(const nlohmann::json& item, const std::string& path) {
    auto* output = field(item, "output");
    if (!output || !output->is_array()) return std::nullopt;
    for (std::size_t j = 0; j < output->size(); ++j) {
        const auto type = string_or_empty((*output)[j], "type");
        if (type != "input_text")
            return indexed_path(path + ".output", j) + ": " + in_quotes(type) +
                   " tool results need an OpenAI target";
    }
    return std::nullopt;
}

// ---- reading an upstream answer ----

Error malformed_responses_answer(std::string problem, int http_status) {
    auto error =
        wire::make_error(ErrorClass::MalformedResponse, "OpenAI Responses answer " + std::move(problem));
    error.http_status = http_status;
    return error;
}

Usage usage_from_responses(const nlohmann::json& usage) {
    Usage out;
    out.input_tokens = wire::int_or_zero(usage, "input_tokens");
    out.output_tokens = wire::int_or_zero(usage, "output_tokens");
    if (auto* details = field(usage, "input_tokens_details"))
        out.cached_input_tokens = wire::int_or_zero(*details, "cached_tokens");
    if (auto* details = field(usage, "output_tokens_details"))
        out.reasoning_tokens = wire::int_or_zero(*details, "reasoning_tokens");
    return out;
}

std::string finish_reason_of_responses(const nlohmann::json& response, bool calls_tools) {
    if (calls_tools) return "tool_calls";
    if (string_or_empty(response, "status") != "incomplete") return "stop";
    const auto* details = field(response, "incomplete_details");
    const auto reason = details ? string_or_empty(*details, "reason") : std::string();
    if (reason == "max_output_tokens") return "length";
    if (reason == "content_filter") return "content_filter";
    return "stop";
}

// ---- writing the Responses object ----

ojson responses_usage_json(const Usage& usage) {
    return ojson{{"input_tokens", usage.input_tokens},
                 {"input_tokens_details", {{"cached_tokens", usage.cached_input_tokens}}},
                 {"output_tokens", usage.output_tokens},
                 {"output_tokens_details", {{"reasoning_tokens", usage.reasoning_tokens}}},
                 {"total_tokens", usage.total()}};
}

// The request's function tools (chat's shape) as the Responses API echoes them.
ojson responses_tools_json(const nlohmann::json& tools) {
    auto out = ojson::array();
    if (!tools.is_array()) return out;
    for (const auto& tool : tools) {
        auto* function = field(tool, "function");
        if (string_or_empty(tool, "type") != "function" || !function) continue;
        ojson echoed = {{"type", "function"}, {"name", string_or_empty(*function, "name")}};
        if (auto* description = field(*function, "description")) echoed["description"] = ojson(*description);
        auto* parameters = field(*function, "parameters");
        echoed["parameters"] = parameters ? ojson(*parameters) : ojson(nullptr);
        auto* strict = field(*function, "strict");
        echoed["strict"] = strict ? ojson(*strict) : ojson(nullptr);
        out.push_back(std::move(echoed));
    }
    return out;
}

ojson responses_tool_choice_json(const nlohmann::json& choice) {
    if (choice.is_string()) return ojson(choice);
    if (auto* function = field(choice, "function"))
        return ojson{{"type", "function"}, {"name", string_or_empty(*function, "name")}};
    return ojson("auto");
}

ojson responses_text_json(const nlohmann::json& format) {
    const auto type = string_or_empty(format, "type");
    ojson out = {{"type", type.empty() ? "text" : type}};
    if (auto* schema = field(format, "json_schema"))
        for (const auto& [key, value] : schema->items()) out[key] = ojson(value);
    return ojson{{"format", std::move(out)}};
}

}  // namespace

std::expected<ChatRequest, Error> chat_request_from_responses(const nlohmann::json& body) {
    if (!body.is_object()) return refuse_responses_field("body", "must be a JSON object");
    if (json_deeper_than(body))
        return refuse_responses_field("body",
                                      "must not nest more than " + std::to_string(kMaxJsonDepth) + " levels");
    ChatRequest request;
    request.wire = WireApi::OpenAIResponses;
    request.passthrough_body = body;
    if (auto read = translate_scalar_fields(body, request); !read) return std::unexpected(read.error());
    if (auto* instructions = field(body, "instructions")) {
        if (!instructions->is_string()) return refuse_responses_field("instructions", "must be a string");
        request.messages.push_back(
            Message{.role = Role::System, .content = instructions->get<std::string>()});
    }
    if (auto* input = field(body, "input"))
        if (auto read = translate_input_items(*input, request); !read) return std::unexpected(read.error());
    if (auto* tools = field(body, "tools"))
        if (auto read = translate_function_tools(*tools, request); !read)
            return std::unexpected(read.error());
    if (auto* choice = field(body, "tool_choice"))
        if (auto read = translate_tool_choice(*choice, request); !read) return std::unexpected(read.error());
    if (auto* text = field(body, "text"))
        if (auto read = translate_text_format(*text, request); !read) return std::unexpected(read.error());
    for (const auto& [key, value] : body.items())
        if (std::find(kResponsesOwnedFields.begin(), kResponsesOwnedFields.end(), key) ==
            kResponsesOwnedFields.end())
            request.extra[key] = value;
    return request;
}

std::optional<std::string> responses_untranslatable(const ChatRequest& request) {
    const auto& body = request.passthrough_body;
    if (!body.is_object()) return std::nullopt;
    for (const char* name : {"previous_response_id", "conversation"})
        if (field(body, name))
            return std::string(name) + ": stored conversation state needs an OpenAI target";
    if (auto* background = field(body, "background");
        background && background->is_boolean() && background->get<bool>())
        return "background: background responses need an OpenAI target";
    if (field(body, "prompt")) return "prompt: stored prompts need an OpenAI target";
    if (auto* input = field(body, "input"); input && input->is_array())
        for (std::size_t i = 0; i < input->size(); ++i) {
            const auto& item = (*input)[i];
            const auto path = indexed_path("input", i);
            const auto kind = responses_item_kind(item);
            if (kind == ResponsesItemKind::OpenAIOnly)
                return path + ": " + in_quotes(string_or_empty(item, "type")) +
                       " items need an OpenAI target";
            if (kind == ResponsesItemKind::FunctionCallOutput)
                if (auto why = untranslatable_tool_result(item, path)) return why;
        }
    if (auto* tools = field(body, "tools"); tools && tools->is_array())
        for (std::size_t i = 0; i < tools->size(); ++i)
            if (const auto type = string_or_empty((*tools)[i], "type"); type != "function")
                return indexed_path("tools", i) + ": built-in tool " + in_quotes(type) +
                       " needs an OpenAI target";
    if (auto* choice = field(body, "tool_choice"); choice && choice->is_object())
        if (const auto type = string_or_empty(*choice, "type"); type != "function")
            return "tool_choice: " + in_quotes(type) + " needs an OpenAI target";
    return std::nullopt;
}

std::expected<ChatResponse, Error> chat_response_from_responses_object(const nlohmann::json& response,
                                                                       int http_status) {
    if (!response.is_object())
        return std::unexpected(malformed_responses_answer("is not a JSON object", http_status));
    if (string_or_empty(response, "status") == "failed") {
        auto* error = field(response, "error");
        if (!error || !error->is_object())
            return std::unexpected(malformed_responses_answer("failed without an error", http_status));
        auto classified = classify_stream_error(json_text(nlohmann::json{{"error", *error}}));
        classified.http_status = http_status;
        return std::unexpected(std::move(classified));
    }
    auto* output = field(response, "output");
    if (!output || !output->is_array())
        return std::unexpected(malformed_responses_answer("has no output array", http_status));
    ChatResponse answer;
    answer.id = string_or_empty(response, "id");
    answer.model = string_or_empty(response, "model");
    for (std::size_t i = 0; i < output->size(); ++i) {
        const auto& item = (*output)[i];
        const auto type = string_or_empty(item, "type");
        if (type == "message") {
            if (auto* content = field(item, "content"); content && content->is_array())
                for (const auto& part : *content)
                    if (string_or_empty(part, "type") == "output_text")
                        answer.content += string_or_empty(part, "text");
        } else if (type == "function_call") {
            ToolCall call{string_or_empty(item, "call_id"), string_or_empty(item, "name"),
                          string_or_empty(item, "arguments")};
            if (call.id.empty() || call.name.empty())
                return std::unexpected(malformed_responses_answer(
                    indexed_path("output", i) + " is a function_call without call_id or name", http_status));
            answer.tool_calls.push_back(std::move(call));
        }
    }
    answer.finish_reason = finish_reason_of_responses(response, !answer.tool_calls.empty());
    if (auto* usage = field(response, "usage")) answer.usage = usage_from_responses(*usage);
    return answer;
}

std::expected<ChatResponse, Error> chat_response_from_responses(std::string_view body, int http_status) {
    const auto response = nlohmann::json::parse(body, nullptr, false);
    if (response.is_discarded())
        return std::unexpected(malformed_responses_answer("is not JSON (HTTP " + std::to_string(http_status) +
                                                              ", " + std::to_string(body.size()) + " bytes)",
                                                          http_status));
    auto answer = chat_response_from_responses_object(response, http_status);
    if (answer) answer->passthrough_body = std::string(body);
    return answer;
}

std::string responses_item_id(std::string_view kind, std::string_view response_id, int ordinal) {
    if (response_id.starts_with("resp_")) response_id.remove_prefix(5);
    return std::string(kind) + "_" + std::string(response_id) + "_" + std::to_string(ordinal);
}

ojson responses_output_text_part(std::string_view text) {
    return ojson{{"type", "output_text"},
                 {"annotations", ojson::array()},
                 {"logprobs", ojson::array()},
                 {"text", text}};
}

ojson responses_message_item(std::string_view id, std::string_view status, ojson content) {
    return ojson{{"id", id},
                 {"type", "message"},
                 {"status", status},
                 {"content", std::move(content)},
                 {"role", "assistant"}};
}

ojson responses_function_call_item(std::string_view id, std::string_view call_id, std::string_view name,
                                   std::string_view arguments, std::string_view status) {
    return ojson{{"id", id},           {"type", "function_call"},
                 {"status", status},   {"arguments", arguments},
                 {"call_id", call_id}, {"name", name}};
}

std::string chat_response_to_responses(const ChatResponse& r, const ChatRequest& request,
                                       std::string_view response_id, std::int64_t created_at) {
    if (!r.passthrough_body.empty()) return r.passthrough_body;
    auto output = ojson::array();
    if (!r.content.empty())
        output.push_back(responses_message_item(responses_item_id("msg", response_id, 0), "completed",
                                                ojson::array({responses_output_text_part(r.content)})));
    for (std::size_t i = 0; i < r.tool_calls.size(); ++i) {
        const auto& call = r.tool_calls[i];
        const int ordinal = static_cast<int>(i);
        output.push_back(responses_function_call_item(
            responses_item_id("fc", response_id, ordinal),
            call.id.empty() ? responses_item_id("call", response_id, ordinal) : call.id, call.name,
            call.arguments_json, "completed"));
    }
    auto object = responses_in_progress(request, {response_id, created_at, r.model});
    finish_responses_object(object, r.model, r.finish_reason, r.usage, std::move(output));
    return json_text(object);
}

ojson responses_in_progress(const ChatRequest& request, const ResponsesHead& head) {
    const auto& body = request.passthrough_body;
    const auto* instructions = field(body, "instructions");
    const auto* metadata = field(body, "metadata");
    return ojson{
        {"id", head.response_id},
        {"object", "response"},
        {"created_at", head.created_at},
        {"status", "in_progress"},
        {"background", false},
        {"error", nullptr},
        {"incomplete_details", nullptr},
        {"instructions", instructions && instructions->is_string() ? ojson(*instructions) : ojson(nullptr)},
        {"max_output_tokens", request.max_tokens ? ojson(*request.max_tokens) : ojson(nullptr)},
        {"metadata", metadata && metadata->is_object() ? ojson(*metadata) : ojson::object()},
        {"model", head.model.empty() ? std::string_view(request.model) : head.model},
        {"output", ojson::array()},
        {"parallel_tool_calls", request.parallel_tool_calls.value_or(true)},
        {"previous_response_id", nullptr},
        // Nothing is stored here: a later previous_response_id naming this answer cannot be served.
        {"store", false},
        {"temperature", request.temperature.value_or(1.0)},
        {"text", responses_text_json(request.response_format)},
        {"tool_choice", responses_tool_choice_json(request.tool_choice)},
        {"tools", responses_tools_json(request.tools)},
        {"top_p", request.top_p.value_or(1.0)},
        {"truncation", "disabled"},
        {"usage", nullptr},
    };
}

void finish_responses_object(ojson& object, std::string_view model, std::string_view finish_reason,
                             const Usage& usage, ojson output) {
    ojson incomplete = nullptr;
    if (finish_reason == "length") incomplete = {{"reason", "max_output_tokens"}};
    if (finish_reason == "content_filter") incomplete = {{"reason", "content_filter"}};
    object["status"] = incomplete.is_null() ? "completed" : "incomplete";
    object["incomplete_details"] = std::move(incomplete);
    if (!model.empty()) object["model"] = model;
    object["output"] = std::move(output);
    object["usage"] = responses_usage_json(usage);
}

}  // namespace sb
