// Anthropic messages requests: content blocks (text, image, document, tool_use, tool_result),
// tools and tool_choice, checked as Anthropic checks them (its pydantic-style paths).
#include <algorithm>

#include "simulator/sim_request.h"
#include "simulator/sim_request_common.h"

namespace sb {

namespace {

using SimMessagesStep = std::expected<void, SimBadRequest>;

std::unexpected<SimBadRequest> sim_messages_tag_mismatch(const std::string& path, std::string_view tag,
                                                         std::string_view expected)
{
    return sim_refuse(path + ": Input tag '" + std::string(tag)
                      + "' found using 'type' does not match any of the expected tags: "
                      + std::string(expected));
}

std::unexpected<SimBadRequest> sim_messages_field_required(const std::string& path)
{
    return sim_refuse(path + ": Field required");
}

// What one message says about tools: the ids it calls, and the calls its results answer.
struct SimMessageTools {
    std::vector<std::string> uses;
    std::vector<std::pair<std::string, std::string>> results;  // tool_use_id, path of the block
    std::vector<std::string> result_texts;
};

SimMessagesStep sim_messages_image(const nlohmann::json& block, const std::string& path, SimTurn& turn,
                                   SimChatRequest& out)
{
    const auto* source = sim_field(block, "source");
    if (!source || !source->is_object())
        return sim_messages_field_required(path + ".image.source");
    const auto* type = sim_string_field(*source, "type");
    if (!type)
        return sim_messages_field_required(path + ".image.source.type");
    if (*type == "base64") {
        const auto* media_type = sim_string_field(*source, "media_type");
        static constexpr std::string_view kImageTypes[] = {"image/jpeg", "image/png", "image/gif",
                                                           "image/webp"};
        if (!media_type
            || std::find(std::begin(kImageTypes), std::end(kImageTypes), *media_type)
                   == std::end(kImageTypes))
            return sim_refuse(path
                              + ".image.source.base64.media_type: Input should be 'image/jpeg', "
                                "'image/png', 'image/gif' or 'image/webp'");
        const auto* data = sim_string_field(*source, "data");
        if (!data)
            return sim_messages_field_required(path + ".image.source.base64.data");
        const auto bytes = sim_base64_size(*data);
        if (!bytes)
            return sim_refuse(path + ".image.source.base64.data: Input should be valid base64 data");
        out.part_tokens += sim_part_tokens(SimPartKind::image, *bytes);
        turn.note("[image/base64 " + *media_type + " " + std::to_string(*bytes) + " bytes]");
        return {};
    }
    if (*type == "url") {
        const auto* url = sim_string_field(*source, "url");
        if (!url)
            return sim_messages_field_required(path + ".image.source.url.url");
        if (!sim_is_http_url(*url))
            return sim_refuse(path + ".image.source.url.url: Input should be a valid URL");
        out.part_tokens += sim_part_tokens(SimPartKind::image, 0);
        turn.note("[image/url " + *url + "]");
        return {};
    }
    if (*type == "file") {
        const auto* id = sim_string_field(*source, "file_id");
        if (!id)
            return sim_messages_field_required(path + ".image.source.file.file_id");
        out.part_tokens += sim_part_tokens(SimPartKind::image, 0);
        turn.note("[image/file " + *id + "]");
        return {};
    }
    return sim_messages_tag_mismatch(path + ".image.source", *type, "'base64', 'url', 'file'");
}

// The size and wording of a document's source; the text of a text source is its size in bytes.
std::expected<std::pair<std::string, std::size_t>, SimBadRequest> sim_messages_document_source(
    const nlohmann::json& source, const std::string& path)
{
    const auto* type = sim_string_field(source, "type");
    if (!type)
        return sim_messages_field_required(path + ".type");
    if (*type == "base64") {
        const auto* media_type = sim_string_field(source, "media_type");
        if (!media_type || *media_type != "application/pdf")
            return sim_refuse(path + ".base64.media_type: Input should be 'application/pdf'");
        const auto* data = sim_string_field(source, "data");
        if (!data)
            return sim_messages_field_required(path + ".base64.data");
        const auto bytes = sim_base64_size(*data);
        if (!bytes)
            return sim_refuse(path + ".base64.data: Input should be valid base64 data");
        return std::pair{"document/base64 application/pdf " + std::to_string(*bytes) + " bytes", *bytes};
    }
    if (*type == "text") {
        const auto* media_type = sim_string_field(source, "media_type");
        if (!media_type || *media_type != "text/plain")
            return sim_refuse(path + ".text.media_type: Input should be 'text/plain'");
        const auto* data = sim_string_field(source, "data");
        if (!data)
            return sim_messages_field_required(path + ".text.data");
        return std::pair{"document/text text/plain " + std::to_string(data->size()) + " bytes", data->size()};
    }
    if (*type == "url") {
        const auto* url = sim_string_field(source, "url");
        if (!url)
            return sim_messages_field_required(path + ".url.url");
        if (!sim_is_http_url(*url))
            return sim_refuse(path + ".url.url: Input should be a valid URL");
        return std::pair{"document/url " + *url, std::size_t{0}};
    }
    if (*type == "content") {
        const auto* content = sim_field(source, "content");
        if (!content)
            return sim_messages_field_required(path + ".content.content");
        const std::size_t bytes =
            content->is_string() ? content->get_ref<const std::string&>().size() : content->dump().size();
        return std::pair{"document/content " + std::to_string(bytes) + " bytes", bytes};
    }
    if (*type == "file") {
        const auto* id = sim_string_field(source, "file_id");
        if (!id)
            return sim_messages_field_required(path + ".file.file_id");
        return std::pair{"document/file " + *id, std::size_t{0}};
    }
    return sim_messages_tag_mismatch(path, *type, "'base64', 'text', 'url', 'content', 'file'");
}

SimMessagesStep sim_messages_document(const nlohmann::json& block, const std::string& path, SimTurn& turn,
                                      SimChatRequest& out)
{
    const auto* source = sim_field(block, "source");
    if (!source || !source->is_object())
        return sim_messages_field_required(path + ".document.source");
    auto read = sim_messages_document_source(*source, path + ".document.source");
    if (!read)
        return std::unexpected(read.error());
    out.part_tokens += sim_part_tokens(SimPartKind::file, read->second);
    const auto* title = sim_string_field(block, "title");
    turn.note("[" + read->first + (title ? " title=" + *title : std::string()) + "]");
    return {};
}

SimMessagesStep sim_messages_block(const nlohmann::json& block, const std::string& path,
                                   const std::string& role, bool nested, SimTurn& turn, SimChatRequest& out,
                                   SimMessageTools& tools);

SimMessagesStep sim_messages_tool_result(const nlohmann::json& block, const std::string& path, SimTurn& turn,
                                         SimChatRequest& out, SimMessageTools& tools)
{
    const auto* id = sim_string_field(block, "tool_use_id");
    if (!id)
        return sim_messages_field_required(path + ".tool_result.tool_use_id");
    SimTurn result;
    if (const auto* content = sim_field(block, "content")) {
        if (content->is_string()) {
            result.text(content->get_ref<const std::string&>());
        } else if (content->is_array()) {
            for (std::size_t k = 0; k < content->size(); ++k) {
                const std::string at = path + ".tool_result.content." + std::to_string(k);
                if (auto read = sim_messages_block((*content)[k], at, "user", true, result, out, tools);
                    !read)
                    return read;
            }
        } else {
            return sim_refuse(path + ".tool_result.content: Input should be a valid string or list");
        }
    }
    const bool error = sim_flag(block, "is_error", false);
    turn.note("[tool_result " + *id + (error ? " error" : "") + ": " + result.joined() + "]",
              result.prompt_chars());
    tools.results.emplace_back(*id, path);
    tools.result_texts.push_back(result.plain_text());
    return {};
}

SimMessagesStep sim_messages_block(const nlohmann::json& block, const std::string& path,
                                   const std::string& role, bool nested, SimTurn& turn, SimChatRequest& out,
                                   SimMessageTools& tools)
{
    const auto* type = sim_string_field(block, "type");
    if (!type)
        return sim_refuse(path + ": Unable to extract tag using discriminator 'type'");
    if (*type == "text") {
        const auto* text = sim_string_field(block, "text");
        if (!text)
            return sim_messages_field_required(path + ".text.text");
        turn.text(*text);
        return {};
    }
    if (*type == "image")
        return sim_messages_image(block, path, turn, out);
    if (*type == "document")
        return sim_messages_document(block, path, turn, out);
    if (nested)
        return sim_messages_tag_mismatch(path, *type, "'text', 'image', 'document'");
    if (*type == "tool_use") {
        if (role != "assistant")
            return sim_refuse(path + ": tool_use blocks are only allowed in assistant messages");
        const auto* id = sim_string_field(block, "id");
        if (!id)
            return sim_messages_field_required(path + ".tool_use.id");
        const auto* name = sim_string_field(block, "name");
        if (!name)
            return sim_messages_field_required(path + ".tool_use.name");
        const auto* input = sim_field(block, "input");
        if (!input)
            return sim_messages_field_required(path + ".tool_use.input");
        if (!input->is_object())
            return sim_refuse(path + ".tool_use.input: Input should be a valid dictionary");
        const std::string arguments = input->dump();
        turn.note("[tool_use id=" + *id + " " + *name + " " + arguments + "]",
                  name->size() + arguments.size());
        tools.uses.push_back(*id);
        return {};
    }
    if (*type == "tool_result") {
        if (role != "user")
            return sim_refuse(path + ": tool_result blocks are only allowed in user messages");
        return sim_messages_tool_result(block, path, turn, out, tools);
    }
    return sim_messages_tag_mismatch(path, *type, "'text', 'image', 'document', 'tool_use', 'tool_result'");
}

SimMessagesStep sim_messages_system(const nlohmann::json& body, SimChatRequest& out)
{
    const auto* system = sim_field(body, "system");
    if (!system)
        return {};
    SimTurn turn;
    if (system->is_string()) {
        turn.text(system->get_ref<const std::string&>());
    } else if (system->is_array()) {
        for (std::size_t i = 0; i < system->size(); ++i) {
            const auto* text = sim_string_field((*system)[i], "text");
            if (!text)
                return sim_messages_field_required("system." + std::to_string(i) + ".text");
            turn.text(*text);
        }
    } else {
        return sim_refuse("system: Input should be a valid string or list");
    }
    turn.append_to(out, "system");
    return {};
}

SimMessagesStep sim_messages_tools(const nlohmann::json& body, SimChatRequest& out)
{
    const auto* tools = sim_field(body, "tools");
    if (!tools)
        return {};
    if (!tools->is_array())
        return sim_refuse("tools: Input should be a valid list");
    for (std::size_t i = 0; i < tools->size(); ++i) {
        const auto& tool = (*tools)[i];
        const std::string path = "tools." + std::to_string(i);
        if (!tool.is_object())
            return sim_refuse(path + ": Input should be a valid dictionary");
        const auto* type = sim_string_field(tool, "type");
        if (type && *type != "custom") {
            // Server tools carry a dated type (web_search_20250305); they run at Anthropic.
            const auto dated = type->rfind("_20");
            if (dated != std::string::npos && type->size() - dated == 11)
                continue;
            return sim_messages_tag_mismatch(
                path, *type,
                "'custom', 'bash_20250124', 'code_execution_20250825', "
                "'text_editor_20250728', 'web_fetch_20250910', 'web_search_20250305'");
        }
        const auto* name = sim_string_field(tool, "name");
        if (!name)
            return sim_messages_field_required(path + ".custom.name");
        if (!sim_is_tool_name(*name, 128))
            return sim_refuse(path + ".custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'");
        const auto* schema = sim_field(tool, "input_schema");
        if (!schema)
            return sim_messages_field_required(path + ".custom.input_schema");
        const auto* schema_type = sim_string_field(*schema, "type");
        if (!schema_type || *schema_type != "object")
            return sim_refuse(path + ".custom.input_schema.type: Input should be 'object'");
        for (const char* foreign : {"function", "parameters"}) {
            if (tool.contains(foreign))
                return sim_refuse(path + ".custom." + foreign + ": Extra inputs are not permitted");
        }
        out.tools.push_back(SimTool{*name, *schema});
    }
    out.prompt_chars += tools->dump().size();
    return {};
}

SimMessagesStep sim_messages_tool_choice(const nlohmann::json& body, SimChatRequest& out)
{
    const auto* choice = sim_field(body, "tool_choice");
    if (!choice)
        return {};
    if (!choice->is_object())
        return sim_refuse("tool_choice: Input should be a valid dictionary or object to extract fields from");
    const auto* type = sim_string_field(*choice, "type");
    if (!type)
        return sim_refuse("tool_choice: Unable to extract tag using discriminator 'type'");
    using Mode = SimToolChoice::Mode;
    if (*type == "auto")
        out.tool_choice.mode = Mode::automatic;
    else if (*type == "any")
        out.tool_choice.mode = Mode::required;
    else if (*type == "none")
        out.tool_choice.mode = Mode::none;
    else if (*type != "tool")
        return sim_messages_tag_mismatch("tool_choice", *type, "'auto', 'any', 'tool', 'none'");
    if (*type != "tool")
        return {};
    const auto* name = sim_string_field(*choice, "name");
    if (!name)
        return sim_messages_field_required("tool_choice.tool.name");
    if (std::none_of(out.tools.begin(), out.tools.end(), [&](const SimTool& t) { return t.name == *name; }))
        return sim_refuse("tool_choice.tool.name: Tool '" + *name + "' not found in tools");
    out.tool_choice = SimToolChoice{Mode::named, *name};
    return {};
}

// output_config.format: the answer is JSON matching its schema.
SimMessagesStep sim_messages_output_format(const nlohmann::json& body, SimChatRequest& out)
{
    const auto* config = sim_field(body, "output_config");
    const auto* format = config ? sim_field(*config, "format") : nullptr;
    if (!format)
        return {};
    const auto* type = sim_string_field(*format, "type");
    if (!type)
        return sim_refuse("output_config.format: Unable to extract tag using discriminator 'type'");
    if (*type != "json_schema")
        return sim_messages_tag_mismatch("output_config.format", *type, "'json_schema'");
    const auto* schema = sim_field(*format, "schema");
    if (!schema || !schema->is_object())
        return sim_messages_field_required("output_config.format.json_schema.schema");
    out.answer_schema = *schema;
    return {};
}

std::string sim_messages_id_list(const std::vector<std::string>& ids)
{
    std::string list;
    for (const auto& id : ids)
        list += (list.empty() ? "" : ", ") + id;
    return list;
}

// Every tool_result answers a tool_use of the turn just before it, and every tool_use is
// answered in the turn just after it.
SimMessagesStep sim_messages_tool_pairs(const std::vector<SimMessageTools>& turns, bool tools_defined)
{
    bool any = false;
    for (std::size_t i = 0; i < turns.size(); ++i) {
        any = any || !turns[i].uses.empty() || !turns[i].results.empty();
        for (const auto& [id, block] : turns[i].results) {
            const auto* before = i > 0 ? &turns[i - 1].uses : nullptr;
            if (!before || std::find(before->begin(), before->end(), id) == before->end())
                return sim_refuse(block + ": unexpected `tool_use_id` found in `tool_result` blocks: " + id
                                  + ". Each `tool_result` block must have a corresponding `tool_use` "
                                    "block in the previous message.");
        }
    }
    for (std::size_t i = 0; i + 1 < turns.size(); ++i) {
        std::vector<std::string> unanswered;
        for (const auto& id : turns[i].uses) {
            const auto& after = turns[i + 1].results;
            if (std::none_of(after.begin(), after.end(), [&](const auto& r) { return r.first == id; }))
                unanswered.push_back(id);
        }
        if (!unanswered.empty())
            return sim_refuse("messages." + std::to_string(i + 1)
                              + ": `tool_use` ids were found without `tool_result` blocks immediately after: "
                              + sim_messages_id_list(unanswered)
                              + ". Each `tool_use` block must have a corresponding `tool_result` block "
                                "in the next message.");
    }
    if (any && !tools_defined)
        return sim_refuse("Requests which include `tool_use` or `tool_result` blocks must define tools.");
    return {};
}

SimMessagesStep sim_messages_turns(const nlohmann::json& body, SimChatRequest& out)
{
    const auto* messages = sim_field(body, "messages");
    if (!messages)
        return sim_messages_field_required("messages");
    if (!messages->is_array())
        return sim_refuse("messages: Input should be a valid list");
    if (messages->empty())
        return sim_refuse("messages: List should have at least 1 item after validation, not 0");
    std::vector<SimMessageTools> turns;
    std::string previous_role;
    for (std::size_t i = 0; i < messages->size(); ++i) {
        const auto& message = (*messages)[i];
        const std::string path = "messages." + std::to_string(i);
        const auto* role = sim_string_field(message, "role");
        if (!role)
            return sim_messages_field_required(path + ".role");
        if (*role != "user" && *role != "assistant")
            return sim_refuse(path + ".role: Input should be 'user' or 'assistant'");
        if (*role == previous_role)
            return sim_refuse(path
                              + ".role: roles must alternate between \"user\" and \"assistant\", but "
                                "found multiple \""
                              + *role + "\" roles in a row");
        const auto* content = sim_field(message, "content");
        if (!content)
            return sim_messages_field_required(path + ".content");
        SimTurn turn;
        SimMessageTools tools;
        if (content->is_string()) {
            turn.text(content->get_ref<const std::string&>());
        } else if (content->is_array()) {
            for (std::size_t j = 0; j < content->size(); ++j) {
                const std::string at = path + ".content." + std::to_string(j);
                if (auto read = sim_messages_block((*content)[j], at, *role, false, turn, out, tools); !read)
                    return read;
            }
        } else {
            return sim_refuse(path + ".content: Input should be a valid string or list");
        }
        const bool final_assistant = *role == "assistant" && i + 1 == messages->size();
        if ((turn.empty() || (content->is_string() && turn.plain_text().empty())) && !final_assistant)
            return sim_refuse(path
                              + ": all messages must have non-empty content except for the optional "
                                "final assistant message");
        turn.append_to(out, *role);
        if (*role == "user" && tools.results.empty())
            out.last_user_text = turn.plain_text();
        if (i + 1 == messages->size() && *role == "user") {
            out.ends_with_user = tools.results.empty();
            out.tool_results = tools.result_texts;
        }
        turns.push_back(std::move(tools));
        previous_role = *role;
    }
    const auto* tools = sim_field(body, "tools");
    return sim_messages_tool_pairs(turns, tools && tools->is_array() && !tools->empty());
}

}  // namespace

std::expected<SimChatRequest, SimBadRequest> parse_anthropic_messages(const nlohmann::json& body)
{
    SimChatRequest request;
    request.wire = SimWire::anthropic_messages;
    for (auto step : {sim_read_model_and_stream, sim_messages_system, sim_messages_tools,
                      sim_messages_tool_choice, sim_messages_turns, sim_messages_output_format}) {
        if (auto read = step(body, request); !read)
            return std::unexpected(read.error());
    }
    if (!body.contains("max_tokens"))
        return std::unexpected(SimBadRequest{"max_tokens: Field required", "max_tokens"});
    auto limit = sim_read_limit(body, "max_tokens");
    if (!limit)
        return std::unexpected(limit.error());
    request.max_tokens = *limit;
    return request;
}

}  // namespace sb
