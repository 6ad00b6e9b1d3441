#include "simulator/sim_tools.h"

#include <algorithm>
#include <cmath>

namespace sb {

namespace {

// The words of the user's text, punctuation trimmed, handed out from the last one backwards.
class SimArgumentWords {
public:
    explicit SimArgumentWords(std::string_view text)
    {
        auto is_word_byte = [](unsigned char c) {
            return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        };
        std::size_t at = 0;
        while (at < text.size()) {
            const auto start = text.find_first_not_of(" \t\r\n", at);
            if (start == std::string_view::npos)
                break;
            auto end = text.find_first_of(" \t\r\n", start);
            if (end == std::string_view::npos)
                end = text.size();
            auto word = text.substr(start, end - start);
            while (!word.empty() && !is_word_byte(static_cast<unsigned char>(word.front())))
                word.remove_prefix(1);
            while (!word.empty() && !is_word_byte(static_cast<unsigned char>(word.back())))
                word.remove_suffix(1);
            if (!word.empty())
                m_words.emplace_back(word);
            at = end;
        }
    }

    std::string next()
    {
        if (m_words.empty())
            return "simulated";
        const auto& word = m_words[m_words.size() - 1 - m_taken % m_words.size()];
        ++m_taken;
        return word;
    }

private:
    std::vector<std::string> m_words;
    std::size_t m_taken = 0;
};

std::string sim_schema_type(const nlohmann::json& schema)
{
    const auto it = schema.find("type");
    if (it != schema.end() && it->is_string())
        return it->get<std::string>();
    if (it != schema.end() && it->is_array()) {
        for (const auto& type : *it)
            if (type.is_string() && type != "null")
                return type.get<std::string>();
    }
    return schema.contains("properties") ? "object" : "string";
}

// Kept within ±1e15 too, where an int64 holds every whole number.
double sim_clamp_to_schema(double value, const nlohmann::json& schema)
{
    if (auto it = schema.find("minimum"); it != schema.end() && it->is_number())
        value = std::max(value, it->get<double>());
    if (auto it = schema.find("maximum"); it != schema.end() && it->is_number())
        value = std::min(value, it->get<double>());
    return std::clamp(value, -1e15, 1e15);
}

nlohmann::ordered_json sim_value_for(const nlohmann::json& schema, SimArgumentWords& words, int depth)
{
    if (!schema.is_object())
        return words.next();
    if (auto it = schema.find("enum"); it != schema.end() && it->is_array() && !it->empty())
        return nlohmann::ordered_json((*it)[0]);
    if (auto it = schema.find("const"); it != schema.end())
        return nlohmann::ordered_json(*it);
    for (const char* alternatives : {"anyOf", "oneOf"}) {
        if (auto it = schema.find(alternatives); it != schema.end() && it->is_array() && !it->empty())
            return sim_value_for((*it)[0], words, depth + 1);
    }
    const std::string type = sim_schema_type(schema);
    if (type == "integer")
        return static_cast<std::int64_t>(std::ceil(sim_clamp_to_schema(3, schema)));
    if (type == "number")
        return sim_clamp_to_schema(1.5, schema);
    if (type == "boolean")
        return true;
    if (type == "null")
        return nullptr;
    if (type == "array") {
        auto items = nlohmann::ordered_json::array();
        if (depth < 8)
            items.push_back(sim_value_for(schema.value("items", nlohmann::json::object()), words, depth + 1));
        return items;
    }
    if (type == "object") {
        auto object = nlohmann::ordered_json::object();
        const auto it = schema.find("properties");
        if (depth < 8 && it != schema.end() && it->is_object()) {
            for (const auto& [name, property] : it->items())
                object[name] = sim_value_for(property, words, depth + 1);
        }
        return object;
    }
    return words.next();
}

}  // namespace

nlohmann::ordered_json sim_tool_arguments(const nlohmann::json& schema, std::string_view user_text)
{
    SimArgumentWords words(user_text);
    if (!schema.is_object())
        return nlohmann::ordered_json::object();
    auto arguments = sim_value_for(schema, words, 0);
    return arguments.is_object() ? arguments : nlohmann::ordered_json::object();
}

std::vector<std::string> sim_argument_pieces(const std::string& arguments)
{
    constexpr std::size_t kPieceBytes = 7;
    const std::size_t step = std::clamp<std::size_t>(arguments.size() / 2, 1, kPieceBytes);
    std::vector<std::string> pieces;
    std::size_t at = 0;
    while (at < arguments.size()) {
        std::size_t end = std::min(at + step, arguments.size());
        while (end < arguments.size() && (static_cast<unsigned char>(arguments[end]) & 0xC0) == 0x80)
            ++end;  // a UTF-8 continuation byte stays with its sequence
        pieces.push_back(arguments.substr(at, end - at));
        at = end;
    }
    return pieces;
}

}  // namespace sb
