#include "cache/cached_answer.h"

namespace sb {

namespace {
constexpr int kFormat = 1;  // bumped when the layout changes; older entries then read as misses

nlohmann::json tool_calls_json(const std::vector<ToolCall>& calls) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& call : calls)
        list.push_back({{"id", call.id}, {"name", call.name}, {"arguments", call.arguments_json}});
    return list;
}

std::vector<ToolCall> tool_calls_from(const nlohmann::json& list) {
    std::vector<ToolCall> calls;
    for (const auto& call : list)
        calls.push_back(ToolCall{call.at("id").get<std::string>(), call.at("name").get<std::string>(),
                                 call.at("arguments").get<std::string>()});
    return calls;
}
}  // namespace

std::string to_json_text(const CachedAnswer& answer) {
    const auto& r = answer.response;
    const auto tool_calls = tool_calls_json(r.tool_calls);
    nlohmann::json json = {
        {"format", kFormat},
        {"id", r.id},
        {"model", r.model},
        {"content", r.content},
        {"tool_calls", tool_calls},
        {"finish_reason", r.finish_reason},
        {"usage",
         {{"input", r.usage.input_tokens},
          {"output", r.usage.output_tokens},
          {"cached_input", r.usage.cached_input_tokens},
          {"reasoning", r.usage.reasoning_tokens}}},
        {"provider", answer.provider},
        {"stored_ms", answer.stored_unix_ms},
    };
    if (answer.cost_usd) json["cost_usd"] = *answer.cost_usd;
    // Answers to n > 1: the other choices (absent otherwise, so older entries read the same).
    for (const auto& choice : r.more_choices)
        json["more_choices"].push_back({{"content", choice.content},
                                        {"tool_calls", tool_calls_json(choice.tool_calls)},
                                        {"finish_reason", choice.finish_reason}});
    if (!r.passthrough_body.empty()) json["passthrough_body"] = r.passthrough_body;  // embeddings, as they came
    // Replacement instead of an exception: a model's answer can hold invalid UTF-8.
    return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
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
