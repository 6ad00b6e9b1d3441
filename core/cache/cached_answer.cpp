#include "cache/cached_answer.h"

#include <charconv>
#include <cmath>

#include "model/json_string.h"

namespace sb {

namespace {
constexpr int kFormat = 1;  // bumped when the layout changes; older entries then read as misses

std::vector<ToolCall> tool_calls_from(const nlohmann::json& list) {
    std::vector<ToolCall> calls;
    for (const auto& call : list)
        calls.push_back(ToolCall{call.at("id").get<std::string>(), call.at("name").get<std::string>(),
                                 call.at("arguments").get<std::string>()});
    return calls;
}
}  // namespace

// Written straight as text, without a tree: every answer a request buys passes here on its way
// into the cache, and a tree of it cost as much as the rest of storing it.
std::string to_json_text(const CachedAnswer& answer) {
    const auto& r = answer.response;
    std::string out;
    out.reserve(256 + r.content.size() + r.passthrough_body.size());
    auto key = [&out](std::string_view name) {
        out += out.size() > 1 ? ",\"" : "\"";
        out += name;
        out += "\":";
    };
    auto text = [&](std::string_view name, std::string_view value) {
        key(name);
        append_json_string(out, value);
    };
    auto integer = [&](std::string_view name, std::int64_t value) {
        key(name);
        out += std::to_string(value);
    };
    auto calls = [&](std::string_view name, const std::vector<ToolCall>& list) {
        key(name);
        out += '[';
        for (std::size_t i = 0; i < list.size(); ++i) {
            out += i ? ",{\"id\":" : "{\"id\":";
            append_json_string(out, list[i].id);
            out += ",\"name\":";
            append_json_string(out, list[i].name);
            out += ",\"arguments\":";
            append_json_string(out, list[i].arguments_json);
            out += '}';
        }
        out += ']';
    };
    out += '{';
    integer("format", kFormat);
    text("id", r.id);
    text("model", r.model);
    text("content", r.content);
    calls("tool_calls", r.tool_calls);
    text("finish_reason", r.finish_reason);
    key("usage");
    out += "{\"input\":" + std::to_string(r.usage.input_tokens) +
           ",\"output\":" + std::to_string(r.usage.output_tokens) +
           ",\"cached_input\":" + std::to_string(r.usage.cached_input_tokens) +
           ",\"reasoning\":" + std::to_string(r.usage.reasoning_tokens) + '}';
    text("provider", answer.provider);
    integer("stored_ms", answer.stored_unix_ms);
    if (answer.cost_usd && std::isfinite(*answer.cost_usd)) {
        key("cost_usd");
        char number[32];
        const auto written = std::to_chars(number, number + sizeof number, *answer.cost_usd);  // shortest round trip
        out.append(number, written.ptr);
    }
    // Answers to n > 1: the other choices (absent otherwise, so older entries read the same).
    if (!r.more_choices.empty()) {
        key("more_choices");
        out += '[';
        for (std::size_t i = 0; i < r.more_choices.size(); ++i) {
            out += i ? ",{\"content\":" : "{\"content\":";
            append_json_string(out, r.more_choices[i].content);
            calls("tool_calls", r.more_choices[i].tool_calls);
            out += ",\"finish_reason\":";
            append_json_string(out, r.more_choices[i].finish_reason);
            out += '}';
        }
        out += ']';
    }
    if (!r.passthrough_body.empty()) text("passthrough_body", r.passthrough_body);  // embeddings, as they came
    out += '}';
    return out;
}

std::optional<CachedAnswer> parse_cached_answer(std::string_view json_text) {
    const auto json = nlohmann::json::parse(json_text, nullptr, false);
    if (!json.is_object() || json.value("format", 0) != kFormat) return std::nullopt;
    try {
        CachedAnswer answer;
        auto& r = answer.response;
        r.id = json.at("id").get<std::string>();
        r.model = json.at("model").get<std::string>();
        r.content = json.at("content").get<std::string>();
        r.tool_calls = tool_calls_from(json.at("tool_calls"));
        if (const auto it = json.find("more_choices"); it != json.end())
            for (const auto& choice : *it)
                r.more_choices.push_back(ChatChoice{choice.at("content").get<std::string>(),
                                                    tool_calls_from(choice.at("tool_calls")),
                                                    choice.at("finish_reason").get<std::string>()});
        r.finish_reason = json.at("finish_reason").get<std::string>();
        if (const auto it = json.find("passthrough_body"); it != json.end()) r.passthrough_body = it->get<std::string>();
        const auto& usage = json.at("usage");
        r.usage.input_tokens = usage.at("input").get<std::int64_t>();
        r.usage.output_tokens = usage.at("output").get<std::int64_t>();
        r.usage.cached_input_tokens = usage.at("cached_input").get<std::int64_t>();
        r.usage.reasoning_tokens = usage.at("reasoning").get<std::int64_t>();
        answer.provider = json.at("provider").get<std::string>();
        answer.stored_unix_ms = json.at("stored_ms").get<std::int64_t>();
        if (const auto it = json.find("cost_usd"); it != json.end() && it->is_number()) answer.cost_usd = it->get<double>();
        return answer;
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;  // a field missing or of the wrong type: not ours, treat as a miss
    }
}

}  // namespace sb
