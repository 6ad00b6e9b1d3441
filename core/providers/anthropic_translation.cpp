#include "providers/anthropic_translation.h"

#include <algorithm>
#include <array>

#include "model/base64.h"
#include "model/json_depth.h"
#include "providers/json_fields.h"

namespace sb {
namespace {

using wire::field;
using wire::in_quotes;
using wire::string_or_empty;

// Fields the translation reads; everything else in a client's body is kept in `extra`.
constexpr std::array<std::string_view, 11> kAnthropicOwnedFields = {
    "model",          "messages", "system", "max_tokens",  "temperature",  "top_p",
    "stop_sequences", "stream",   "tools",  "tool_choice", "output_config"};

constexpr std::array<std::string_view, 4> kAnthropicImageTypes = {"image/jpeg", "image/png", "image/gif",
                                                                  "image/webp"};

Error anthropic_malformed(std::string_view problem) {
    return wire::make_error(ErrorClass::MalformedResponse, "Anthropic response " + std::string(problem));
}

std::unexpected<Error> anthropic_bad_request(const std::string& path, std::string_view problem) {
    return std::unexpected(wire::bad_request(path, problem));
}

void append_block_text(std::string& text, std::string_view more) {
    if (!text.empty() && !more.empty()) text += "\n\n";
    text += more;
}

// Text of a `system` field: a string or a list of text blocks.
std::string anthropic_text_of(const nlohmann::json& value) {
    if (value.is_string()) return value.get<std::string>();
    std::string text;
    if (value.is_array())
        for (const auto& block : value)
            if (string_or_empty(block, "type") == "text")
                append_block_text(text, string_or_empty(block, "text"));
    return text;
}

bool anthropic_takes_image_type(std::string_view media_type) {
    return std::ranges::find(kAnthropicImageTypes, media_type) != kAnthropicImageTypes.end();
}

// ---- neutral → Anthropic ----

std::string_view anthropic_wire_role(Role role) {
    return role == Role::Assistant ? "assistant" : "user";
}

// A part as Anthropic's content block; null for one it cannot take (anthropic_unsupported
// names those before a request gets here).
nlohmann::json anthropic_block_of(const ContentPart& part) {
    using Kind = ContentPart::Kind;
    if (part.kind == Kind::Text) {
        // Anthropic refuses empty text blocks.
        if (part.text.empty()) return nullptr;
        return {{"type", "text"}, {"text", part.text}};
    }
    if (part.kind == Kind::Audio) return nullptr;
    nlohmann::json source;
    if (!part.data_base64.empty() && part.kind == Kind::File && part.media_type == "text/plain")
        source = {{"type", "text"}, {"media_type", "text/plain"}, {"data", base64_decode(part.data_base64)}};
    else if (!part.data_base64.empty())
        source = {{"type", "base64"}, {"media_type", part.media_type}, {"data", part.data_base64}};
    else if (!part.url.empty())
        source = {{"type", "url"}, {"url", part.url}};
    if (source.is_null()) return nullptr;
    if (part.kind == Kind::Image) return {{"type", "image"}, {"source", std::move(source)}};
    nlohmann::json document = {{"type", "document"}, {"source", std::move(source)}};
    if (!part.filename.empty()) document["title"] = part.filename;
    return document;
}

nlohmann::json anthropic_blocks_of(const Message& message) {
    auto blocks = nlohmann::json::array();
    if (message.parts.empty()) {
        if (!message.content.empty()) blocks.push_back({{"type", "text"}, {"text", message.content}});
    } else {
        for (const auto& part : message.parts)
            if (auto block = anthropic_block_of(part); !block.is_null()) blocks.push_back(std::move(block));
    }
    if (message.role == Role::Tool) {
        // The short form, a string, unless the result holds images or documents.
        nlohmann::json result = {{"type", "tool_result"}, {"tool_use_id", message.tool_call_id}};
        result["content"] = message.parts.empty() ? nlohmann::json(message.content) : std::move(blocks);
        return nlohmann::json::array({std::move(result)});
    }
    for (const auto& call : message.tool_calls)
        blocks.push_back({{"type", "tool_use"},
                          {"id", call.id},
                          {"name", call.name},
                          {"input", anthropic_tool_input(call.arguments_json)}});
    return blocks;
}

// OpenAI chat's function tools as Anthropic's. `strict` goes only to a request that came in
// Anthropic's format: the client then knows its upstream takes it.
nlohmann::json anthropic_tools_of(const nlohmann::json& tools, bool with_strict) {
    auto out = nlohmann::json::array();
    for (const auto& tool : tools) {
        const auto* function = field(tool, "function");
        if (string_or_empty(tool, "type") != "function" || !function || !function->is_object()) continue;
        nlohmann::json entry = {{"name", string_or_empty(*function, "name")}};
        if (const auto* description = field(*function, "description");
            description && description->is_string())
            entry["description"] = *description;
        const auto* parameters = field(*function, "parameters");
        entry["input_schema"] =
            parameters && parameters->is_object()
                ? *parameters
                : nlohmann::json{{"type", "object"}, {"properties", nlohmann::json::object()}};
        if (const auto* strict = field(*function, "strict"); with_strict && strict && strict->is_boolean())
            entry["strict"] = *strict;
        out.push_back(std::move(entry));
    }
    return out;
}

// tool_choice and parallel_tool_calls as Anthropic's one tool_choice object; null for none.
nlohmann::json anthropic_tool_choice_of(const ChatRequest& request) {
    nlohmann::json choice;
    const auto& wanted = request.tool_choice;
    if (wanted.is_string()) {
        const auto text = wanted.get<std::string>();
        if (text == "auto") choice = {{"type", "auto"}};
        if (text == "required") choice = {{"type", "any"}};
        if (text == "none") choice = {{"type", "none"}};
    } else if (string_or_empty(wanted, "type") == "function") {
        if (const auto* function = field(wanted, "function"))
            choice = {{"type", "tool"}, {"name", string_or_empty(*function, "name")}};
    }
    if (request.parallel_tool_calls == false) {
        if (choice.is_null()) choice = {{"type", "auto"}};
        // `none` takes no such flag.
        if (choice["type"] != "none") choice["disable_parallel_tool_use"] = true;
    }
    return choice;
}

// response_format json_schema as output_config.format, beside output_config's other fields.
void add_anthropic_output_format(const nlohmann::json& response_format, nlohmann::json& body) {
    if (string_or_empty(response_format, "type") != "json_schema") return;
    const auto* spec = field(response_format, "json_schema");
    const auto* schema = spec ? field(*spec, "schema") : nullptr;
    if (!schema || !schema->is_object()) return;
    auto& config = body["output_config"];
    if (!config.is_object()) config = nlohmann::json::object();
    config["format"] = {{"type", "json_schema"}, {"schema", *schema}};
}

// Why Anthropic cannot take this part of a `role` turn, or nullopt.
std::optional<std::string> anthropic_part_problem(Role role, const ContentPart& part) {
    using Kind = ContentPart::Kind;
    if (part.kind == Kind::Text) return std::nullopt;
    const std::string kind(to_string(part.kind));
    if (part.kind == Kind::Audio) return "Anthropic takes no input_audio part";
    if (role == Role::System || role == Role::Assistant)
        return "Anthropic takes no " + kind + " part in " + std::string(to_string(role)) + " turns";
    if (part.data_base64.empty() && part.url.empty())
        return "Anthropic takes no file_id: send the " + kind + " inline or by URL";
    if (part.data_base64.empty()) return std::nullopt;
    if (part.kind == Kind::Image) {
        if (anthropic_takes_image_type(part.media_type)) return std::nullopt;
        return "Anthropic takes images as image/jpeg, image/png, image/gif or image/webp, not " +
               in_quotes(part.media_type);
    }
    if (part.media_type == "application/pdf" || part.media_type == "text/plain") return std::nullopt;
    return "Anthropic takes files as application/pdf or text/plain, not " + in_quotes(part.media_type);
}

std::optional<std::string> anthropic_tools_problem(const ChatRequest& request) {
    if (request.tools.is_array())
        for (std::size_t i = 0; i < request.tools.size(); ++i) {
            const auto& tool = request.tools[i];
            const auto path = "tools[" + std::to_string(i) + "]";
            const auto type = string_or_empty(tool, "type");
            if (type != "function")
                return path + ": Anthropic takes no " + (type.empty() ? "untyped" : type) + " tool";
            const auto* function = field(tool, "function");
            if (!function || string_or_empty(*function, "name").empty())
                return path + ".function.name: Anthropic needs a tool name";
        }
    const auto& choice = request.tool_choice;
    if (choice.is_null()) return std::nullopt;
    if (choice.is_string()) {
        const auto text = choice.get<std::string>();
        if (text == "auto" || text == "required" || text == "none") return std::nullopt;
        return "tool_choice: Anthropic takes no " + in_quotes(text) + " tool choice";
    }
    const auto* function = field(choice, "function");
    if (string_or_empty(choice, "type") == "function" && function &&
        !string_or_empty(*function, "name").empty())
        return std::nullopt;
    return "tool_choice: Anthropic takes no " + in_quotes(string_or_empty(choice, "type")) + " tool choice";
}

std::optional<std::string> anthropic_format_problem(const nlohmann::json& response_format) {
    if (response_format.is_null()) return std::nullopt;
    const auto type = string_or_empty(response_format, "type");
    if (type == "text") return std::nullopt;
    if (type == "json_object")
        return "response_format: Anthropic has no JSON mode without a schema (json_object)";
    if (type != "json_schema")
        return "response_format.type: Anthropic takes no " + in_quotes(type) + " format";
    const auto* spec = field(response_format, "json_schema");
    const auto* schema = spec ? field(*spec, "schema") : nullptr;
    if (!schema || !schema->is_object())
        return "response_format.json_schema.schema: Anthropic needs a schema";
    return std::nullopt;
}

// ---- Anthropic → neutral ----

// Content is the text parts joined; a turn of text alone keeps no parts.
void settle_anthropic_parts(Message& message) {
    message.content.clear();
    bool text_only = true;
    for (const auto& part : message.parts) {
        if (part.kind == ContentPart::Kind::Text)
            append_block_text(message.content, part.text);
        else
            text_only = false;
    }
    if (text_only) message.parts.clear();
}

// An image or document block's source as a part.
std::expected<ContentPart, Error> anthropic_media_part(const nlohmann::json& block, bool image,
                                                       const std::string& path) {
    const auto* source = field(block, "source");
    if (!source || !source->is_object()) return anthropic_bad_request(path + ".source", "Field required");
    ContentPart part;
    part.kind = image ? ContentPart::Kind::Image : ContentPart::Kind::File;
    const auto type = string_or_empty(*source, "type");
    if (type == "base64") {
        part.media_type = string_or_empty(*source, "media_type");
        part.data_base64 = string_or_empty(*source, "data");
        if (part.data_base64.empty()) return anthropic_bad_request(path + ".source.data", "Field required");
    } else if (type == "url") {
        part.url = string_or_empty(*source, "url");
        if (part.url.empty()) return anthropic_bad_request(path + ".source.url", "Field required");
        if (!image) part.media_type = "application/pdf";  // Anthropic's URL documents are PDFs
    } else if (type == "text" && !image) {
        part.media_type = "text/plain";
        part.data_base64 = base64_encode(string_or_empty(*source, "data"));
    } else {
        return anthropic_bad_request(
            path + ".source.type",
            std::string("unsupported ") + (image ? "image" : "document") + " source " + in_quotes(type));
    }
    if (!image) part.filename = string_or_empty(block, "title");
    return part;
}

// A text, image or document block into `into`'s parts; false for a block of another type.
std::expected<bool, Error> read_anthropic_media_block(const nlohmann::json& block, const std::string& path,
                                                      Message& into) {
    const auto type = string_or_empty(block, "type");
    if (type == "text") {
        ContentPart text;
        text.text = string_or_empty(block, "text");
        into.parts.push_back(std::move(text));
        return true;
    }
    if (type != "image" && type != "document") return false;
    auto part = anthropic_media_part(block, type == "image", path);
    if (!part) return std::unexpected(part.error());
    into.parts.push_back(std::move(*part));
    return true;
}

std::expected<Message, Error> read_anthropic_tool_result(const nlohmann::json& block,
                                                         const std::string& path) {
    Message result;
    result.role = Role::Tool;
    result.tool_call_id = string_or_empty(block, "tool_use_id");
    if (const auto* content = field(block, "content"); content && content->is_string()) {
        result.content = content->get<std::string>();
    } else if (content && content->is_array()) {
        for (std::size_t i = 0; i < content->size(); ++i) {
            const auto item_path = path + ".content[" + std::to_string(i) + "]";
            auto read = read_anthropic_media_block((*content)[i], item_path, result);
            if (!read) return std::unexpected(read.error());
            if (!*read)
                return anthropic_bad_request(
                    item_path + ".type",
                    "unsupported tool_result block " + in_quotes(string_or_empty((*content)[i], "type")));
        }
        settle_anthropic_parts(result);
    }
    if (const auto* error = field(block, "is_error"); error && error->is_boolean() && error->get<bool>()) {
        if (result.parts.empty()) {
            result.content = result.content.empty() ? "Error" : "Error: " + result.content;
        } else {
            auto& first = result.parts.front();
            if (first.kind == ContentPart::Kind::Text)
                first.text = "Error: " + first.text;
            else
                result.parts.insert(result.parts.begin(), ContentPart{.text = "Error"});
            settle_anthropic_parts(result);
        }
    }
    return result;
}

// One Anthropic turn back into neutral messages: tool results become Tool messages (in
// block order, before the turn's own content), text, media and tool_use blocks one message.
std::expected<void, Error> read_anthropic_turn(const nlohmann::json& turn, const std::string& path,
                                               std::vector<Message>& out) {
    const auto role_text = string_or_empty(turn, "role");
    if (role_text != "user" && role_text != "assistant")
        return anthropic_bad_request(path + ".role",
                                     "must be \"user\" or \"assistant\", not " + in_quotes(role_text));
    Message message;
    message.role = role_text == "user" ? Role::User : Role::Assistant;
    const auto* content = field(turn, "content");
    if (!content) return anthropic_bad_request(path + ".content", "is missing");
    if (content->is_string()) {
        message.content = content->get<std::string>();
        out.push_back(std::move(message));
        return {};
    }
    if (!content->is_array()) return anthropic_bad_request(path + ".content", "must be a string or an array");
    for (std::size_t i = 0; i < content->size(); ++i) {
        const auto& block = (*content)[i];
        const auto block_path = path + ".content[" + std::to_string(i) + "]";
        auto media = read_anthropic_media_block(block, block_path, message);
        if (!media) return std::unexpected(media.error());
        if (*media) continue;
        const auto type = string_or_empty(block, "type");
        if (type == "tool_use") {
            const auto* input = field(block, "input");
            message.tool_calls.push_back({string_or_empty(block, "id"), string_or_empty(block, "name"),
                                          input ? input->dump() : std::string("{}")});
        } else if (type == "tool_result") {
            auto result = read_anthropic_tool_result(block, block_path);
            if (!result) return std::unexpected(result.error());
            out.push_back(std::move(*result));
        } else {
            return anthropic_bad_request(block_path + ".type",
                                         "unsupported content block " + in_quotes(type));
        }
    }
    settle_anthropic_parts(message);
    if (!message.content.empty() || !message.parts.empty() || !message.tool_calls.empty())
        out.push_back(std::move(message));
    return {};
}

// Client tools ({name, description, input_schema}) in OpenAI chat's shape.
std::expected<void, Error> read_anthropic_tools(const nlohmann::json& body, ChatRequest& request) {
    const auto* tools = field(body, "tools");
    if (!tools) return {};
    if (!tools->is_array()) return anthropic_bad_request("tools", "must be an array");
    for (std::size_t i = 0; i < tools->size(); ++i) {
        const auto& tool = (*tools)[i];
        const auto path = "tools[" + std::to_string(i) + "]";
        if (!tool.is_object()) return anthropic_bad_request(path, "must be an object");
        // A server tool runs at Anthropic, its results arrive as blocks the gateway cannot pass on.
        if (const auto type = string_or_empty(tool, "type"); !type.empty() && type != "custom")
            return anthropic_bad_request(
                path + ".type", "server tool " + in_quotes(type) + " is not supported through the gateway");
        const auto name = string_or_empty(tool, "name");
        if (name.empty()) return anthropic_bad_request(path + ".name", "Field required");
        const auto* schema = field(tool, "input_schema");
        if (!schema || !schema->is_object())
            return anthropic_bad_request(path + ".input_schema", "Field required");
        nlohmann::json function = {{"name", name}, {"parameters", *schema}};
        if (const auto* description = field(tool, "description"); description && description->is_string())
            function["description"] = *description;
        if (const auto* strict = field(tool, "strict"); strict && strict->is_boolean())
            function["strict"] = *strict;
        if (request.tools.is_null()) request.tools = nlohmann::json::array();
        request.tools.push_back({{"type", "function"}, {"function", std::move(function)}});
    }
    return {};
}

std::expected<void, Error> read_anthropic_tool_choice(const nlohmann::json& body, ChatRequest& request) {
    const auto* choice = field(body, "tool_choice");
    if (!choice) return {};
    if (!choice->is_object()) return anthropic_bad_request("tool_choice", "must be an object");
    const auto type = string_or_empty(*choice, "type");
    if (type == "auto") {
        request.tool_choice = "auto";
    } else if (type == "any") {
        request.tool_choice = "required";
    } else if (type == "none") {
        request.tool_choice = "none";
    } else if (type == "tool") {
        const auto name = string_or_empty(*choice, "name");
        if (name.empty()) return anthropic_bad_request("tool_choice.name", "Field required");
        request.tool_choice = {{"type", "function"}, {"function", {{"name", name}}}};
    } else {
        return anthropic_bad_request("tool_choice.type", "unsupported tool choice " + in_quotes(type));
    }
    if (const auto* disable = field(*choice, "disable_parallel_tool_use");
        disable && disable->is_boolean() && disable->get<bool>())
        request.parallel_tool_calls = false;
    return {};
}

// output_config.format as response_format; output_config's other fields stay in `extra`.
std::expected<void, Error> read_anthropic_output_config(const nlohmann::json& body, ChatRequest& request) {
    const auto* config = field(body, "output_config");
    if (!config) return {};
    if (!config->is_object()) return anthropic_bad_request("output_config", "must be an object");
    if (const auto* format = field(*config, "format")) {
        const auto type = string_or_empty(*format, "type");
        if (type != "json_schema")
            return anthropic_bad_request("output_config.format.type",
                                         "unsupported format " + in_quotes(type));
        const auto* schema = field(*format, "schema");
        if (!schema || !schema->is_object())
            return anthropic_bad_request("output_config.format.schema", "must be an object");
        // OpenAI requires a name for the schema; Anthropic has none.
        request.response_format = {{"type", "json_schema"},
                                   {"json_schema", {{"name", "output"}, {"schema", *schema}}}};
    }
    auto rest = *config;
    rest.erase("format");
    if (!rest.empty()) request.extra["output_config"] = std::move(rest);
    return {};
}

// The scalar fields Anthropic requires or types strictly.
std::expected<void, Error> read_anthropic_scalars(const nlohmann::json& body, ChatRequest& request) {
    if (const auto* model = field(body, "model"); model && !model->is_string())
        return anthropic_bad_request("model", "must be a string");
    request.model = string_or_empty(body, "model");
    const auto max_tokens = wire::number(body, "max_tokens");
    if (!max_tokens)
        return anthropic_bad_request("max_tokens",
                                     field(body, "max_tokens") ? "must be a number" : "Field required");
    request.max_tokens = wire::to_int(*max_tokens);
    if (!request.max_tokens || *request.max_tokens < 1)
        return anthropic_bad_request("max_tokens", "must be from 1 to 2147483647");
    for (const char* name : {"temperature", "top_p"})
        if (const auto* value = field(body, name); value && !value->is_number())
            return anthropic_bad_request(name, "must be a number");
    request.temperature = wire::number(body, "temperature");
    request.top_p = wire::number(body, "top_p");
    if (const auto* stream = field(body, "stream")) {
        if (!stream->is_boolean()) return anthropic_bad_request("stream", "must be a boolean");
        request.stream = stream->get<bool>();
    }
    if (const auto* stop = field(body, "stop_sequences"); stop && stop->is_array())
        for (const auto& item : *stop)
            if (item.is_string()) request.stop.push_back(item.get<std::string>());
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

nlohmann::json anthropic_tool_input(std::string_view arguments_json) {
    auto input = nlohmann::json::parse(arguments_json, nullptr, false);
    if (input.is_object()) return input;
    if (arguments_json.empty()) return nlohmann::json::object();
    return {{"arguments", std::string(arguments_json)}};
}

std::expected<ChatRequest, Error> chat_request_from_anthropic(const nlohmann::json& body) {
    if (!body.is_object()) return anthropic_bad_request("body", "must be a JSON object");
    if (json_deeper_than(body))
        return anthropic_bad_request("body",
                                     "must not nest more than " + std::to_string(kMaxJsonDepth) + " levels");
    ChatRequest request;
    request.wire = WireApi::AnthropicMessages;
    if (auto scalars = read_anthropic_scalars(body, request); !scalars)
        return std::unexpected(scalars.error());
    if (const auto* system = field(body, "system")) {
        if (!system->is_string() && !system->is_array())
            return anthropic_bad_request("system", "must be a string or an array of text blocks");
        Message message;
        message.role = Role::System;
        message.content = anthropic_text_of(*system);
        request.messages.push_back(std::move(message));
    }
    const auto* messages = field(body, "messages");
    if (!messages || !messages->is_array() || messages->empty())
        return anthropic_bad_request("messages", "must be a non-empty array");
    for (std::size_t i = 0; i < messages->size(); ++i) {
        auto read =
            read_anthropic_turn((*messages)[i], "messages[" + std::to_string(i) + "]", request.messages);
        if (!read) return std::unexpected(read.error());
    }
    if (auto tools = read_anthropic_tools(body, request); !tools) return std::unexpected(tools.error());
    if (auto choice = read_anthropic_tool_choice(body, request); !choice)
        return std::unexpected(choice.error());
    if (auto config = read_anthropic_output_config(body, request); !config)
        return std::unexpected(config.error());
    for (const auto& [key, value] : body.items())
        if (std::ranges::find(kAnthropicOwnedFields, key) == kAnthropicOwnedFields.end())
            request.extra[key] = value;
    return request;
}

std::optional<std::string> anthropic_unsupported(const ChatRequest& request) {
    if (request.n > 1) return "n: Anthropic answers one choice";
    for (std::size_t i = 0; i < request.messages.size(); ++i) {
        const auto& message = request.messages[i];
        for (std::size_t k = 0; k < message.parts.size(); ++k)
            if (auto problem = anthropic_part_problem(message.role, message.parts[k]))
                return "messages[" + std::to_string(i) + "].content[" + std::to_string(k) + "]: " + *problem;
    }
    if (auto problem = anthropic_tools_problem(request)) return problem;
    return anthropic_format_problem(request.response_format);
}

nlohmann::json chat_request_to_anthropic(const ChatRequest& request, std::string_view model) {
    const bool anthropic_wire = request.wire == WireApi::AnthropicMessages;
    nlohmann::json body =
        anthropic_wire && request.extra.is_object() ? request.extra : nlohmann::json::object();
    body["model"] = model.empty() ? request.model : std::string(model);
    body["max_tokens"] = request.max_tokens.value_or(kAnthropicDefaultMaxTokens);
    std::string system;
    auto turns = nlohmann::json::array();
    for (const auto& message : request.messages) {
        if (message.role == Role::System) {
            append_block_text(system, message.content);
            continue;
        }
        auto role = anthropic_wire_role(message.role);
        auto blocks = anthropic_blocks_of(message);
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
    // Anthropic refuses a tool_choice without tools.
    if (request.tools.is_array() && !request.tools.empty()) {
        body["tools"] = anthropic_tools_of(request.tools, anthropic_wire);
        if (auto choice = anthropic_tool_choice_of(request); !choice.is_null())
            body["tool_choice"] = std::move(choice);
    }
    add_anthropic_output_format(request.response_format, body);
    return body;
}

std::expected<ChatResponse, Error> chat_response_from_anthropic(const nlohmann::json& body) {
    if (!body.is_object()) return std::unexpected(anthropic_malformed("is not a JSON object"));
    // tool_use inputs are dumped to text below.
    if (json_deeper_than(body))
        return std::unexpected(
            anthropic_malformed("nests more than " + std::to_string(kMaxJsonDepth) + " levels"));
    auto* content = field(body, "content");
    if (!content || !content->is_array()) return std::unexpected(anthropic_malformed("has no content array"));
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
    if (!usage || !usage->is_object()) return std::unexpected(anthropic_malformed("has no usage object"));
    response.usage = usage_from_anthropic(*usage);
    return response;
}

}  // namespace sb
