// OpenAI chat completions requests: messages with content parts, tool calls and tool results,
// tools, tool_choice and n, checked as OpenAI checks them.
#include <algorithm>

#include "simulator/sim_request.h"
#include "simulator/sim_request_common.h"

namespace sb {

namespace {

using SimChatStep = std::expected<void, SimBadRequest>;

SimChatStep sim_chat_image_part(const nlohmann::json& part, const std::string& path, SimTurn& turn,
                                SimChatRequest& out)
{
    const auto* image = sim_field(part, "image_url");
    if (!image || !image->is_object())
        return sim_refuse(sim_openai_missing(path + ".image_url"), path + ".image_url");
    const auto* url = sim_string_field(*image, "url");
    if (!url)
        return sim_refuse(sim_openai_missing(path + ".image_url.url"), path + ".image_url.url");
    std::string detail;
    if (const auto* given = sim_string_field(*image, "detail")) {
        if (*given != "auto" && *given != "low" && *given != "high")
            return sim_refuse(
                sim_openai_invalid_value(path + ".image_url.detail", *given, "'auto', 'low', and 'high'"),
                path + ".image_url.detail");
        detail = *given;
    }
    return sim_read_openai_image(*url, path + ".image_url.url", "image_url", detail, turn, out);
}

SimChatStep sim_chat_audio_part(const nlohmann::json& part, const std::string& path, SimTurn& turn,
                                SimChatRequest& out)
{
    const auto* audio = sim_field(part, "input_audio");
    if (!audio || !audio->is_object())
        return sim_refuse(sim_openai_missing(path + ".input_audio"), path + ".input_audio");
    const auto* data = sim_string_field(*audio, "data");
    if (!data)
        return sim_refuse(sim_openai_missing(path + ".input_audio.data"), path + ".input_audio.data");
    const auto* format = sim_string_field(*audio, "format");
    if (!format)
        return sim_refuse(sim_openai_missing(path + ".input_audio.format"), path + ".input_audio.format");
    if (*format != "wav" && *format != "mp3")
        return sim_refuse(sim_openai_invalid_value(path + ".input_audio.format", *format, "'wav' and 'mp3'"),
                          path + ".input_audio.format");
    const auto bytes = sim_base64_size(*data);
    if (!bytes)
        return sim_refuse("Invalid '" + path + ".input_audio.data'. Expected base64-encoded audio data.",
                          path + ".input_audio.data");
    out.part_tokens += sim_part_tokens(SimPartKind::audio, *bytes);
    turn.note("[input_audio " + *format + " " + std::to_string(*bytes) + " bytes]");
    return {};
}

SimChatStep sim_chat_file_part(const nlohmann::json& part, const std::string& path, SimTurn& turn,
                               SimChatRequest& out)
{
    const auto* file = sim_field(part, "file");
    if (!file || !file->is_object())
        return sim_refuse(sim_openai_missing(path + ".file"), path + ".file");
    const auto* data = sim_string_field(*file, "file_data");
    const auto* id = sim_string_field(*file, "file_id");
    const auto* name = sim_string_field(*file, "filename");
    const std::string name_note = name ? " " + *name : std::string();
    if (data) {
        const auto parsed = sim_read_openai_file_data(*data, path + ".file.file_data");
        if (!parsed)
            return std::unexpected(parsed.error());
        out.part_tokens += sim_part_tokens(SimPartKind::file, parsed->bytes);
        turn.note("[file " + (parsed->media_type.empty() ? std::string() : parsed->media_type + " ")
                  + std::to_string(parsed->bytes) + " bytes" + name_note + "]");
        return {};
    }
    if (!id)
        return sim_refuse("Invalid '" + path + ".file': one of 'file_data' or 'file_id' is required.",
                          path + ".file");
    out.part_tokens += sim_part_tokens(SimPartKind::file, 0);
    turn.note("[file file_id " + *id + name_note + "]");
    return {};
}

SimChatStep sim_chat_part(const nlohmann::json& part, const std::string& path, const std::string& role,
                          SimTurn& turn, SimChatRequest& out)
{
    const auto* type = sim_string_field(part, "type");
    if (!type)
        return sim_refuse(sim_openai_missing(path + ".type"), path + ".type");
    if (*type == "text") {
        const auto* text = sim_string_field(part, "text");
        if (!text)
            return sim_refuse(sim_openai_missing(path + ".text"), path + ".text");
        turn.text(*text);
        return {};
    }
    const bool media = *type == "image_url" || *type == "input_audio" || *type == "file";
    if (!media && *type != "refusal")
        return sim_refuse(
            sim_openai_invalid_value(path + ".type", *type,
                                     "'text', 'image_url', 'input_audio', 'refusal', and 'file'"),
            path + ".type");
    if (role != (media ? "user" : "assistant"))
        return sim_refuse("Invalid '" + path + ".type': '" + *type
                              + "' content parts are not allowed in messages with role '" + role + "'.",
                          path + ".type");
    if (*type == "refusal") {
        const auto* refusal = sim_string_field(part, "refusal");
        if (!refusal)
            return sim_refuse(sim_openai_missing(path + ".refusal"), path + ".refusal");
        turn.text(*refusal);
        return {};
    }
    if (*type == "image_url")
        return sim_chat_image_part(part, path, turn, out);
    if (*type == "input_audio")
        return sim_chat_audio_part(part, path, turn, out);
    return sim_chat_file_part(part, path, turn, out);
}

SimChatStep sim_chat_content(const nlohmann::json& message, const std::string& path, const std::string& role,
                             SimTurn& turn, SimChatRequest& out)
{
    const auto* content = sim_field(message, "content");
    if (!content) {
        if (role == "assistant")
            return {};  // a turn of tool calls alone
        return sim_refuse(sim_openai_missing(path + ".content"), path + ".content");
    }
    if (content->is_string()) {
        turn.text(content->get<std::string>());
        return {};
    }
    if (!content->is_array())
        return sim_refuse(
            sim_openai_invalid_type(path + ".content", "one of a string or array of objects", *content),
            path + ".content");
    for (std::size_t j = 0; j < content->size(); ++j) {
        if (auto read =
                sim_chat_part((*content)[j], path + ".content[" + std::to_string(j) + "]", role, turn, out);
            !read)
            return read;
    }
    return {};
}

// The calls of an assistant turn: noted on the turn, their ids returned.
std::expected<std::vector<std::string>, SimBadRequest> sim_chat_tool_calls(const nlohmann::json& message,
                                                                           const std::string& path,
                                                                           SimTurn& turn)
{
    std::vector<std::string> ids;
    const auto* calls = sim_field(message, "tool_calls");
    if (!calls)
        return ids;
    if (!calls->is_array())
        return sim_refuse(sim_openai_invalid_type(path + ".tool_calls", "an array", *calls),
                          path + ".tool_calls");
    for (std::size_t k = 0; k < calls->size(); ++k) {
        const auto& call = (*calls)[k];
        const std::string at = path + ".tool_calls[" + std::to_string(k) + "]";
        const auto* id = sim_string_field(call, "id");
        if (!id)
            return sim_refuse(sim_openai_missing(at + ".id"), at + ".id");
        const auto* type = sim_string_field(call, "type");
        if (!type)
            return sim_refuse(sim_openai_missing(at + ".type"), at + ".type");
        if (*type != "function")
            return sim_refuse(sim_openai_invalid_value(at + ".type", *type, "'function'"), at + ".type");
        const auto* function = sim_field(call, "function");
        if (!function || !function->is_object())
            return sim_refuse(sim_openai_missing(at + ".function"), at + ".function");
        const auto* name = sim_string_field(*function, "name");
        if (!name)
            return sim_refuse(sim_openai_missing(at + ".function.name"), at + ".function.name");
        const auto* arguments = sim_field(*function, "arguments");
        if (!arguments)
            return sim_refuse(sim_openai_missing(at + ".function.arguments"), at + ".function.arguments");
        if (!arguments->is_string())
            return sim_refuse(sim_openai_invalid_type(at + ".function.arguments", "a string", *arguments),
                              at + ".function.arguments");
        const auto& text = arguments->get_ref<const std::string&>();
        turn.note("[tool_call " + *id + " " + *name + " " + text + "]", name->size() + text.size());
        ids.push_back(*id);
    }
    return ids;
}

// The calls of the latest assistant turn that made some, while tool turns answer them.
struct SimOpenCalls {
    std::size_t message = 0;
    std::vector<std::string> ids;
    std::vector<std::string> unanswered;
    bool open = false;
};

SimChatStep sim_chat_close_calls(SimOpenCalls& calls)
{
    if (calls.open && !calls.unanswered.empty()) {
        std::string list;
        for (const auto& id : calls.unanswered)
            list += (list.empty() ? "" : ", ") + id;
        const std::string at = "messages[" + std::to_string(calls.message) + "]";
        const std::string problem =
            "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
            "'tool_call_id'. The following tool_call_ids did not have response messages";
        return sim_refuse(problem + " (" + at + "): " + list, at + ".role");
    }
    calls.open = false;
    return {};
}

SimChatStep sim_chat_messages(const nlohmann::json& body, SimChatRequest& out)
{
    const auto* messages = sim_field(body, "messages");
    if (!messages)
        return sim_refuse(sim_openai_missing("messages"), "messages");
    if (!messages->is_array() || messages->empty())
        return sim_refuse("Invalid 'messages': expected a non-empty array of messages.", "messages");
    SimOpenCalls calls;
    std::string last_role;
    for (std::size_t i = 0; i < messages->size(); ++i) {
        const auto& message = (*messages)[i];
        const std::string path = "messages[" + std::to_string(i) + "]";
        const auto* role = sim_string_field(message, "role");
        if (!role)
            return sim_refuse(sim_openai_missing(path + ".role"), path + ".role");
        static constexpr std::string_view kRoles[] = {"system",    "developer", "user",
                                                      "assistant", "tool",      "function"};
        if (std::find(std::begin(kRoles), std::end(kRoles), *role) == std::end(kRoles))
            return sim_refuse(
                sim_openai_invalid_value(path + ".role", *role,
                                         "'system', 'assistant', 'user', 'function', 'tool', and "
                                         "'developer'"),
                path + ".role");
        if (*role != "tool") {
            if (auto closed = sim_chat_close_calls(calls); !closed)
                return closed;
        }
        SimTurn turn;
        std::string who = *role;
        if (*role == "tool") {
            if (!calls.open)
                return sim_refuse(
                    "Invalid parameter: messages with role 'tool' must be a response to a preceding "
                    "message with 'tool_calls' ("
                        + path + ").",
                    path + ".role");
            const auto* id = sim_string_field(message, "tool_call_id");
            if (!id)
                return sim_refuse(sim_openai_missing(path + ".tool_call_id"), path + ".tool_call_id");
            if (std::find(calls.ids.begin(), calls.ids.end(), *id) == calls.ids.end())
                return sim_refuse("Invalid parameter: 'tool_call_id' of '" + *id + "' (" + path
                                      + ".tool_call_id) not found in 'tool_calls' of previous message.",
                                  path + ".tool_call_id");
            std::erase(calls.unanswered, *id);
            who = "tool(" + *id + ")";
        }
        if (auto read = sim_chat_content(message, path, *role, turn, out); !read)
            return read;
        if (*role == "assistant") {
            auto ids = sim_chat_tool_calls(message, path, turn);
            if (!ids)
                return std::unexpected(ids.error());
            if (!ids->empty())
                calls = SimOpenCalls{i, *ids, *ids, true};
        }
        turn.append_to(out, who);
        if (*role == "user")
            out.last_user_text = turn.plain_text();
        if (*role == "tool") {
            if (last_role != "tool")
                out.tool_results.clear();
            out.tool_results.push_back(turn.plain_text());
        }
        last_role = *role;
    }
    if (auto closed = sim_chat_close_calls(calls); !closed)
        return closed;
    out.ends_with_user = last_role == "user";
    if (last_role != "tool")
        out.tool_results.clear();
    return {};
}

SimChatStep sim_chat_tools(const nlohmann::json& body, SimChatRequest& out)
{
    const auto* tools = sim_field(body, "tools");
    if (!tools)
        return {};
    if (!tools->is_array())
        return sim_refuse(sim_openai_invalid_type("tools", "an array", *tools), "tools");
    for (std::size_t i = 0; i < tools->size(); ++i) {
        const auto& tool = (*tools)[i];
        const std::string path = "tools[" + std::to_string(i) + "]";
        const auto* type = sim_string_field(tool, "type");
        if (!type)
            return sim_refuse(sim_openai_missing(path + ".type"), path + ".type");
        if (*type == "custom")
            continue;  // free-form tools: accepted, never called here
        if (*type != "function")
            return sim_refuse(sim_openai_invalid_value(path + ".type", *type, "'function' and 'custom'"),
                              path + ".type");
        const auto* function = sim_field(tool, "function");
        if (!function || !function->is_object())
            return sim_refuse(sim_openai_missing(path + ".function"), path + ".function");
        const auto* name = sim_string_field(*function, "name");
        if (!name)
            return sim_refuse(sim_openai_missing(path + ".function.name"), path + ".function.name");
        if (!sim_is_tool_name(*name, 64))
            return sim_refuse("Invalid '" + path
                                  + ".function.name': string does not match pattern. Expected a string "
                                    "that matches the pattern '^[a-zA-Z0-9_-]{1,64}$'.",
                              path + ".function.name");
        const auto* parameters = sim_field(*function, "parameters");
        if (parameters && !parameters->is_object())
            return sim_refuse(
                sim_openai_invalid_type(path + ".function.parameters", "an object", *parameters),
                path + ".function.parameters");
        out.tools.push_back(SimTool{*name, parameters ? *parameters : nlohmann::json()});
    }
    out.prompt_chars += tools->dump().size();
    return {};
}

SimChatStep sim_chat_tool_choice(const nlohmann::json& body, SimChatRequest& out)
{
    const auto* tools = sim_field(body, "tools");
    const bool has_tools = tools && tools->is_array() && !tools->empty();
    for (const char* key : {"tool_choice", "parallel_tool_calls"}) {
        if (sim_field(body, key) && !has_tools)
            return sim_refuse("Invalid value for '" + std::string(key) + "': '" + key
                                  + "' is only allowed when 'tools' are specified.",
                              key);
    }
    const auto* choice = sim_field(body, "tool_choice");
    if (!choice)
        return {};
    using Mode = SimToolChoice::Mode;
    if (std::expected<void, SimBadRequest> word; sim_openai_tool_choice_word(*choice, out, word))
        return word;
    const auto* type = sim_string_field(*choice, "type");
    if (!type)
        return sim_refuse(sim_openai_missing("tool_choice.type"), "tool_choice.type");
    if (*type == "allowed_tools" || *type == "custom")
        return {};  // a choice among tools, or of a free-form one: the simulator decides as for auto
    if (*type != "function")
        return sim_refuse(
            sim_openai_invalid_value("tool_choice.type", *type, "'function', 'allowed_tools', and 'custom'"),
            "tool_choice.type");
    const auto* function = sim_field(*choice, "function");
    const auto* name = function ? sim_string_field(*function, "name") : nullptr;
    if (!name)
        return sim_refuse(sim_openai_missing("tool_choice.function.name"), "tool_choice.function.name");
    const bool offered =
        std::any_of(out.tools.begin(), out.tools.end(), [&](const SimTool& t) { return t.name == *name; });
    if (!offered)
        return sim_refuse(
            "Invalid value for 'tool_choice.function.name': function '" + *name + "' not found in 'tools'.",
            "tool_choice.function.name");
    out.tool_choice = SimToolChoice{Mode::named, *name};
    return {};
}

SimChatStep sim_chat_n(const nlohmann::json& body, SimChatRequest& out)
{
    const auto* n = sim_field(body, "n");
    if (!n)
        return {};
    if (!n->is_number_integer())
        return sim_refuse(sim_openai_invalid_type("n", "an integer", *n), "n");
    const auto value = n->get<std::int64_t>();
    if (value < 1 || value > 128)
        return sim_refuse("Invalid 'n': integer out of range. Expected a value between 1 and 128, but got "
                              + std::to_string(value) + " instead.",
                          "n");
    out.n = static_cast<int>(value);
    return {};
}

// response_format: a json_schema answer matches its schema, a json_object one is an object.
SimChatStep sim_chat_response_format(const nlohmann::json& body, SimChatRequest& out)
{
    const auto* format = sim_field(body, "response_format");
    if (!format)
        return {};
    const auto* type = sim_string_field(*format, "type");
    if (!type)
        return sim_refuse(sim_openai_missing("response_format.type"), "response_format.type");
    if (*type == "text")
        return {};
    if (*type == "json_object") {
        out.answer_schema = sim_json_mode_schema();
        return {};
    }
    if (*type != "json_schema")
        return sim_refuse(sim_openai_invalid_value("response_format.type", *type,
                                                   "'text', 'json_object', and 'json_schema'"),
                          "response_format.type");
    const auto* spec = sim_field(*format, "json_schema");
    if (!spec || !sim_string_field(*spec, "name"))
        return sim_refuse(sim_openai_missing("response_format.json_schema.name"),
                          "response_format.json_schema.name");
    const auto* schema = sim_field(*spec, "schema");
    out.answer_schema = schema && schema->is_object() ? *schema : nlohmann::json::object();
    return {};
}

}  // namespace

std::expected<SimChatRequest, SimBadRequest> parse_openai_chat(const nlohmann::json& body)
{
    SimChatRequest request;
    request.wire = SimWire::openai_chat;
    for (auto step : {sim_read_model_and_stream, sim_chat_messages, sim_chat_tools, sim_chat_tool_choice,
                      sim_chat_n, sim_chat_response_format}) {
        if (auto read = step(body, request); !read)
            return std::unexpected(read.error());
    }
    auto limit = sim_read_limit(body, "max_completion_tokens");
    if (limit && !*limit)
        limit = sim_read_limit(body, "max_tokens");
    if (!limit)
        return std::unexpected(limit.error());
    request.max_tokens = *limit;
    if (const auto* options = sim_field(body, "stream_options")) {
        request.include_usage = sim_flag(*options, "include_usage", false);
        request.include_obfuscation = sim_flag(*options, "include_obfuscation", true);
    }
    return request;
}

}  // namespace sb
