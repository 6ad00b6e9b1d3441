#include "simulator/sim_request_common.h"

#include <algorithm>
#include <charconv>

namespace sb {

const nlohmann::json* sim_field(const nlohmann::json& object, std::string_view key)
{
    if (!object.is_object())
        return nullptr;
    const auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
}

const std::string* sim_string_field(const nlohmann::json& object, std::string_view key)
{
    const auto* value = sim_field(object, key);
    return value && value->is_string() ? value->get_ptr<const std::string*>() : nullptr;
}

bool sim_flag(const nlohmann::json& object, std::string_view key, bool fallback)
{
    const auto* value = sim_field(object, key);
    return value && value->is_boolean() ? value->get<bool>() : fallback;
}

std::expected<void, SimBadRequest> sim_read_model_and_stream(const nlohmann::json& body, SimChatRequest& out)
{
    if (!body.is_object())
        return sim_refuse("body: must be a JSON object");
    const auto* model = sim_string_field(body, "model");
    if (!model || model->empty())
        return sim_refuse("model: Field required", "model");
    out.model = *model;
    if (const auto* stream = sim_field(body, "stream")) {
        if (!stream->is_boolean())
            return sim_refuse("stream: must be a boolean", "stream");
        out.stream = stream->get<bool>();
    }
    return {};
}

std::expected<std::optional<std::int64_t>, SimBadRequest> sim_read_limit(const nlohmann::json& body,
                                                                         const char* key)
{
    const auto* value = sim_field(body, key);
    if (!value)
        return std::optional<std::int64_t>{};
    if (!value->is_number_integer() || value->get<std::int64_t>() < 1)
        return sim_refuse(std::string(key) + ": must be an integer >= 1", key);
    return value->get<std::int64_t>();
}

std::string sim_openai_missing(const std::string& path)
{
    return "Missing required parameter: '" + path + "'.";
}

std::string sim_openai_invalid_value(const std::string& path, std::string_view value,
                                     std::string_view supported)
{
    return "Invalid value for '" + path + "': '" + std::string(value)
           + "'. Supported values are: " + std::string(supported) + ".";
}

std::string sim_openai_invalid_type(const std::string& path, std::string_view expected,
                                    const nlohmann::json& got)
{
    return "Invalid type for '" + path + "': expected " + std::string(expected) + ", but got "
           + std::string(sim_json_type_words(got)) + " instead.";
}

std::expected<std::size_t, SimBadRequest> sim_openai_list_limit(std::optional<std::string_view> text,
                                                                std::size_t fallback, std::size_t max)
{
    if (!text)
        return fallback;
    long long value = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc() || end != text->data() + text->size())
        return sim_refuse("Invalid 'limit': expected an integer, but got '" + std::string(*text) + "' instead.",
                          "limit");
    if (value < 1)
        return sim_refuse("Invalid 'limit': integer below minimum value. Expected a value >= 1, but got "
                              + std::to_string(value) + " instead.",
                          "limit");
    if (static_cast<unsigned long long>(value) > max)
        return sim_refuse("Invalid 'limit': integer above maximum value. Expected a value <= " + std::to_string(max)
                              + ", but got " + std::to_string(value) + " instead.",
                          "limit");
    return static_cast<std::size_t>(value);
}

std::expected<SimChatRequest, SimBadRequest> parse_sim_chat(SimWire wire, const nlohmann::json& body)
{
    switch (wire) {
    case SimWire::anthropic_messages:
        return parse_anthropic_messages(body);
    case SimWire::openai_responses:
        return parse_openai_responses(body);
    default:
        return parse_openai_chat(body);
    }
}

std::string_view sim_json_type_words(const nlohmann::json& value)
{
    if (value.is_string())
        return "a string";
    if (value.is_object())
        return "an object";
    if (value.is_array())
        return "an array";
    if (value.is_boolean())
        return "a boolean";
    if (value.is_number_integer())
        return "an integer";
    if (value.is_number())
        return "a decimal";
    return "null";
}

nlohmann::json sim_json_mode_schema()
{
    return {{"type", "object"}, {"properties", {{"answer", {{"type", "string"}}}}}};
}

bool sim_is_tool_name(std::string_view name, std::size_t max)
{
    return !name.empty() && name.size() <= max && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
               || c == '-';
    });
}

std::expected<void, SimBadRequest> sim_read_openai_image(const std::string& url, const std::string& path,
                                                         std::string_view label, std::string_view detail,
                                                         SimTurn& turn, SimChatRequest& out)
{
    const std::string detail_note = detail.empty() ? std::string() : " detail=" + std::string(detail);
    if (url.starts_with("data:")) {
        const auto data = sim_parse_data_url(url);
        if (!data || !data->media_type.starts_with("image/"))
            return sim_refuse("Invalid '" + path + "'. Expected a base64-encoded data URL with an image MIME "
                                  "type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got an "
                                  "invalid value.",
                              path);
        out.part_tokens += sim_part_tokens(SimPartKind::image, data->bytes);
        turn.note("[" + std::string(label) + " " + data->media_type + " " + std::to_string(data->bytes)
                  + " bytes" + detail_note + "]");
        return {};
    }
    if (!sim_is_http_url(url))
        return sim_refuse(
            "Invalid '" + path + "'. Expected a valid URL, but got a value with an invalid format.", path);
    out.part_tokens += sim_part_tokens(SimPartKind::image, 0);
    turn.note("[" + std::string(label) + " " + url + detail_note + "]");
    return {};
}

std::expected<SimDataUrl, SimBadRequest> sim_read_openai_file_data(const std::string& data,
                                                                   const std::string& path)
{
    if (data.starts_with("data:")) {
        if (auto parsed = sim_parse_data_url(data))
            return *parsed;
    } else if (auto bytes = sim_base64_size(data)) {
        return SimDataUrl{std::string(), *bytes};
    }
    return sim_refuse("Invalid '" + path + "'. Expected a base64-encoded data URL (e.g. "
                          "'data:application/pdf;base64,JVBERi0x') or base64-encoded file data.",
                      path);
}

bool sim_openai_tool_choice_word(const nlohmann::json& choice, SimChatRequest& out,
                                 std::expected<void, SimBadRequest>& result)
{
    if (!choice.is_string())
        return false;
    const auto& mode = choice.get_ref<const std::string&>();
    result = {};
    if (mode == "none")
        out.tool_choice.mode = SimToolChoice::Mode::none;
    else if (mode == "required")
        out.tool_choice.mode = SimToolChoice::Mode::required;
    else if (mode != "auto")
        result = sim_refuse(sim_openai_invalid_value("tool_choice", mode, "'none', 'auto', and 'required'"),
                            "tool_choice");
    return true;
}

void SimTurn::text(std::string_view text)
{
    m_segments.emplace_back(text);
    if (!m_plain.empty())
        m_plain += ' ';
    m_plain += text;
    m_prompt_chars += text.size();
}

void SimTurn::note(std::string description, std::size_t prompt_chars)
{
    m_segments.push_back(std::move(description));
    m_prompt_chars += prompt_chars;
}

std::string SimTurn::joined() const
{
    std::string out;
    for (std::size_t i = 0; i < m_segments.size(); ++i) {
        if (i > 0)
            out += ' ';
        out += m_segments[i];
    }
    return out;
}

void SimTurn::append_to(SimChatRequest& out, std::string_view who) const
{
    out.transcript.append(who).append(": ").append(joined()).append("\n");
    out.prompt_chars += m_prompt_chars;
}

}  // namespace sb
