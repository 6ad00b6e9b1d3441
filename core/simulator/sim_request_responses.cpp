// OpenAI Responses API requests: `input` (a string, or items: messages with input_text,
// input_image and input_file parts, function_call, function_call_output), instructions, flat
// function tools and tool_choice, checked as OpenAI checks them. Nothing is stored, so
// previous_response_id and item_reference find nothing.
#include <algorithm>

#include "simulator/sim_request.h"
#include "simulator/sim_request_common.h"

namespace sb {

namespace {

using SimResponsesStep = std::expected<void, SimBadRequest>;

SimResponsesStep sim_responses_image(const nlohmann::json& part, const std::string& path, SimTurn& turn,
                                     SimChatRequest& out)
{
    const auto* detail = sim_string_field(part, "detail");
    if (const auto* url = sim_string_field(part, "image_url"))
        return sim_read_openai_image(*url, path + ".image_url", "input_image", detail ? *detail : "", turn,
                                     out);
    const auto* id = sim_string_field(part, "file_id");
    if (!id)
        return sim_refuse("Invalid '" + path + "': one of 'image_url' or 'file_id' is required.", path);
    out.part_tokens += sim_part_tokens(SimPartKind::image, 0);
    turn.note("[input_image file_id " + *id + "]");
    return {};
}

SimResponsesStep sim_responses_file(const nlohmann::json& part, const std::string& path, SimTurn& turn,
                                    SimChatRequest& out)
{
    const auto* name = sim_string_field(part, "filename");
    const std::string name_note = name ? " " + *name : std::string();
    if (const auto* data = sim_string_field(part, "file_data")) {
        const auto parsed = sim_read_openai_file_data(*data, path + ".file_data");
        if (!parsed)
            return std::unexpected(parsed.error());
        out.part_tokens += sim_part_tokens(SimPartKind::file, parsed->bytes);
        turn.note("[input_file " + (parsed->media_type.empty() ? std::string() : parsed->media_type + " ")
                  + std::to_string(parsed->bytes) + " bytes" + name_note + "]");
        return {};
    }
    if (const auto* id = sim_string_field(part, "file_id")) {
        out.part_tokens += sim_part_tokens(SimPartKind::file, 0);
        turn.note("[input_file file_id " + *id + name_note + "]");
        return {};
    }
    const auto* url = sim_string_field(part, "file_url");
    if (!url)
        return sim_refuse("Invalid '" + path + "': one of 'file_data', 'file_id' or 'file_url' is required.",
                          path);
    if (!sim_is_http_url(*url))
        return sim_refuse(
            "Invalid '" + path + ".file_url'. Expected a valid URL, but got a value with an invalid format.",
            path + ".file_url");
    out.part_tokens += sim_part_tokens(SimPartKind::file, 0);
    turn.note("[input_file url " + *url + name_note + "]");
    return {};
}

SimResponsesStep sim_responses_part(const nlohmann::json& part, const std::string& path, SimTurn& turn,
                                    SimChatRequest& out)
{
    const auto* type = sim_string_field(part, "type");
    if (!type)
        return sim_refuse(sim_openai_missing(path + ".type"), path + ".type");
    if (*type == "input_text" || *type == "output_text" || *type == "refusal") {
        const char* key = *type == "refusal" ? "refusal" : "text";
        const auto* text = sim_string_field(part, key);
        if (!text)
            return sim_refuse(sim_openai_missing(path + "." + key), path + "." + key);
        turn.text(*text);
        return {};
    }
    if (*type == "input_image")
        return sim_responses_image(part, path, turn, out);
    if (*type == "input_file")
        return sim_responses_file(part, path, turn, out);
    return sim_refuse(
        sim_openai_invalid_value(path + ".type", *type,
                                 "'input_text', 'input_image', 'input_file', 'output_text', and "
                                 "'refusal'"),
        path + ".type");
}

// Text of a content that is a string or an array of parts, noted on `turn`.
SimResponsesStep sim_responses_content(const nlohmann::json& content, const std::string& path, SimTurn& turn,
                                       SimChatRequest& out)
{
    if (content.is_string()) {
        turn.text(content.get_ref<const std::string&>());
        return {};
    }
    if (!content.is_array())
        return sim_refuse(sim_openai_invalid_type(path, "one of a string or array of objects", content),
                          path);
    for (std::size_t j = 0; j < content.size(); ++j) {
        if (auto read = sim_responses_part(content[j], path + "[" + std::to_string(j) + "]", turn, out);
            !read)
            return read;
    }
    return {};
}

struct SimResponsesInput {
    std::vector<std::string> call_ids;  // of function_call items so far
    std::string last_kind;              // "user", "function_call_output", …
};

SimResponsesStep sim_responses_item(const nlohmann::json& item, const std::string& path, SimChatRequest& out,
                                    SimResponsesInput& input)
{
    if (!item.is_object())
        return sim_refuse(sim_openai_invalid_type(path, "an object", item), path);
    const auto* given_type = sim_string_field(item, "type");
    if (!given_type && !sim_field(item, "role"))
        return sim_refuse(sim_openai_missing(path + ".type"), path + ".type");
    const std::string type = given_type ? *given_type : "message";
    SimTurn turn;
    if (type == "message") {
        const auto* role = sim_string_field(item, "role");
        if (!role)
            return sim_refuse(sim_openai_missing(path + ".role"), path + ".role");
        if (*role != "user" && *role != "assistant" && *role != "system" && *role != "developer")
            return sim_refuse(sim_openai_invalid_value(path + ".role", *role,
                                                       "'user', 'assistant', 'system', and 'developer'"),
                              path + ".role");
        const auto* content = sim_field(item, "content");
        if (!content)
            return sim_refuse(sim_openai_missing(path + ".content"), path + ".content");
        if (auto read = sim_responses_content(*content, path + ".content", turn, out); !read)
            return read;
        turn.append_to(out, *role);
        if (*role == "user")
            out.last_user_text = turn.plain_text();
        input.last_kind = *role;
        return {};
    }
    if (type == "function_call") {
        for (const char* key : {"call_id", "name", "arguments"}) {
            if (!sim_string_field(item, key))
                return sim_refuse(sim_openai_missing(path + "." + key), path + "." + key);
        }
        const auto& id = *sim_string_field(item, "call_id");
        const auto& name = *sim_string_field(item, "name");
        const auto& arguments = *sim_string_field(item, "arguments");
        turn.note("[function_call " + id + " " + name + " " + arguments + "]",
                  name.size() + arguments.size());
        turn.append_to(out, "assistant");
        input.call_ids.push_back(id);
        input.last_kind = type;
        return {};
    }
    if (type == "function_call_output") {
        const auto* id = sim_string_field(item, "call_id");
        if (!id)
            return sim_refuse(sim_openai_missing(path + ".call_id"), path + ".call_id");
        if (std::find(input.call_ids.begin(), input.call_ids.end(), *id) == input.call_ids.end())
            return sim_refuse("No tool call found for function call output with call_id " + *id + " (" + path
                                  + ".call_id).",
                              path + ".call_id");
        const auto* output = sim_field(item, "output");
        if (!output)
            return sim_refuse(sim_openai_missing(path + ".output"), path + ".output");
        if (auto read = sim_responses_content(*output, path + ".output", turn, out); !read)
            return read;
        turn.append_to(out, "function_call_output(" + *id + ")");
        if (input.last_kind != type)
            out.tool_results.clear();
        out.tool_results.push_back(turn.plain_text());
        input.last_kind = type;
        return {};
    }
    if (type == "item_reference") {
        const auto* id = sim_string_field(item, "id");
        return sim_refuse("Item with id '" + (id ? *id : std::string()) + "' not found.", path + ".id");
    }
    if (type == "reasoning")
        return {};  // another model's reasoning, replayed: nothing the simulator reads
    return sim_refuse(sim_openai_invalid_value(path + ".type", type,
                                               "'message', 'function_call', 'function_call_output', "
                                               "'item_reference', and 'reasoning'"),
                      path + ".type");
}

SimResponsesStep sim_responses_input(const nlohmann::json& body, SimChatRequest& out)
{
    if (const auto* previous = sim_string_field(body, "previous_response_id"))
        return sim_refuse("Previous response with id '" + *previous + "' not found.", "previous_response_id");
    if (const auto* instructions = sim_string_field(body, "instructions")) {
        SimTurn turn;
        turn.text(*instructions);
        turn.append_to(out, "system");
    }
    const auto* input = sim_field(body, "input");
    if (!input)
        return sim_refuse(sim_openai_missing("input"), "input");
    if (input->is_string()) {
        SimTurn turn;
        turn.text(input->get_ref<const std::string&>());
        turn.append_to(out, "user");
        out.last_user_text = turn.plain_text();
        out.ends_with_user = true;
        return {};
    }
    if (!input->is_array() || input->empty())
        return sim_refuse(
            sim_openai_invalid_type("input", "one of a string or a non-empty array of items", *input),
            "input");
    SimResponsesInput state;
    for (std::size_t i = 0; i < input->size(); ++i) {
        if (auto read = sim_responses_item((*input)[i], "input[" + std::to_string(i) + "]", out, state);
            !read)
            return read;
    }
    out.ends_with_user = state.last_kind == "user";
    if (state.last_kind != "function_call_output")
        out.tool_results.clear();
    return {};
}

SimResponsesStep sim_responses_tools(const nlohmann::json& body, SimChatRequest& out)
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
        if (*type != "function")
            continue;  // built-in tools (web_search, file_search, …): accepted, never run here
        const auto* name = sim_string_field(tool, "name");
        if (!name)
            return sim_refuse(sim_openai_missing(path + ".name"), path + ".name");
        if (!sim_is_tool_name(*name, 64))
            return sim_refuse("Invalid '" + path + ".name': string does not match pattern. Expected a string "
                                  "that matches the pattern '^[a-zA-Z0-9_-]{1,64}$'.",
                              path + ".name");
        const auto* parameters = sim_field(tool, "parameters");
        if (parameters && !parameters->is_object())
            return sim_refuse(sim_openai_invalid_type(path + ".parameters", "an object", *parameters),
                              path + ".parameters");
        out.tools.push_back(SimTool{*name, parameters ? *parameters : nlohmann::json()});
    }
    out.prompt_chars += tools->dump().size();
    return {};
}

SimResponsesStep sim_responses_tool_choice(const nlohmann::json& body, SimChatRequest& out)
{
    const auto* choice = sim_field(body, "tool_choice");
    if (!choice)
        return {};
    using Mode = SimToolChoice::Mode;
    if (std::expected<void, SimBadRequest> word; sim_openai_tool_choice_word(*choice, out, word))
        return word;
    const auto* type = sim_string_field(*choice, "type");
    if (!type)
        return sim_refuse(sim_openai_missing("tool_choice.type"), "tool_choice.type");
    if (*type != "function")
        return {};  // allowed_tools, a built-in tool, mcp, custom: decided as for auto
    const auto* name = sim_string_field(*choice, "name");
    if (!name)
        return sim_refuse(sim_openai_missing("tool_choice.name"), "tool_choice.name");
    if (std::none_of(out.tools.begin(), out.tools.end(), [&](const SimTool& t) { return t.name == *name; }))
        return sim_refuse("Tool choice 'function' with name '" + *name + "' not found in 'tools' parameter.",
                          "tool_choice.name");
    out.tool_choice = SimToolChoice{Mode::named, *name};
    return {};
}

// text.format: a json_schema answer matches its schema, a json_object one is an object.
SimResponsesStep sim_responses_text_format(const nlohmann::json& body, SimChatRequest& out)
{
    const auto* text = sim_field(body, "text");
    const auto* format = text ? sim_field(*text, "format") : nullptr;
    if (!format)
        return {};
    const auto* type = sim_string_field(*format, "type");
    if (!type)
        return sim_refuse(sim_openai_missing("text.format.type"), "text.format.type");
    if (*type == "text")
        return {};
    if (*type == "json_object") {
        out.answer_schema = sim_json_mode_schema();
        return {};
    }
    if (*type != "json_schema")
        return sim_refuse(
            sim_openai_invalid_value("text.format.type", *type, "'text', 'json_object', and 'json_schema'"),
            "text.format.type");
    if (!sim_string_field(*format, "name"))
        return sim_refuse(sim_openai_missing("text.format.name"), "text.format.name");
    const auto* schema = sim_field(*format, "schema");
    if (!schema || !schema->is_object())
        return sim_refuse(sim_openai_missing("text.format.schema"), "text.format.schema");
    out.answer_schema = *schema;
    return {};
}

// The settings a response object repeats: as the request gave them, else the API's defaults.
void sim_responses_settings(const nlohmann::json& body, SimChatRequest& out)
{
    const std::pair<const char*, nlohmann::json> defaults[] = {
        {"background", false},
        {"instructions", nullptr},
        {"max_output_tokens", nullptr},
        {"max_tool_calls", nullptr},
        {"parallel_tool_calls", true},
        {"prompt_cache_key", nullptr},
        {"reasoning", {{"effort", nullptr}, {"summary", nullptr}}},
        {"safety_identifier", nullptr},
        {"service_tier", "default"},
        {"store", true},
        {"temperature", 1.0},
        {"text", {{"format", {{"type", "text"}}}, {"verbosity", "medium"}}},
        {"tool_choice", "auto"},
        {"tools", nlohmann::json::array()},
        {"top_logprobs", 0},
        {"top_p", 1.0},
        {"truncation", "disabled"},
        {"user", nullptr},
        {"metadata", nlohmann::json::object()},
    };
    for (const auto& [key, fallback] : defaults) {
        const auto* given = sim_field(body, key);
        out.responses_settings[key] = given ? *given : fallback;
    }
}

}  // namespace

std::expected<SimChatRequest, SimBadRequest> parse_openai_responses(const nlohmann::json& body)
{
    SimChatRequest request;
    request.wire = SimWire::openai_responses;
    for (auto step : {sim_read_model_and_stream, sim_responses_input, sim_responses_tools,
                      sim_responses_tool_choice, sim_responses_text_format}) {
        if (auto read = step(body, request); !read)
            return std::unexpected(read.error());
    }
    auto limit = sim_read_limit(body, "max_output_tokens");
    if (!limit)
        return std::unexpected(limit.error());
    request.max_tokens = *limit;
    if (const auto* options = sim_field(body, "stream_options"))
        request.include_obfuscation = sim_flag(*options, "include_obfuscation", true);
    sim_responses_settings(body, request);
    return request;
}

}  // namespace sb
