#include "providers/openai_stream_decoder.h"

#include "model/utf8.h"
#include "providers/json_fields.h"
#include "providers/openai_translation.h"
#include "model/text.h"

namespace sb {
Error OpenAIStreamDecoder::on_event(std::string_view, std::string_view data, std::vector<StreamDelta>& out) {
    data = trim_space(data);
    if (data.empty()) return {};
    if (data == "[DONE]") {
        m_finished = true;
        return {};
    }
    std::string repaired;  // a stray invalid byte is replaced by U+FFFD (model/utf8.h)
    auto chunk = nlohmann::json::parse(valid_utf8_view(data, repaired), nullptr, false);
    if (chunk.is_discarded() || !chunk.is_object())
        return wire::make_error(ErrorClass::MalformedResponse, "OpenAI stream chunk is not a JSON object");
    // openai-python treats any payload with a truthy top-level "error" as an error event.
    if (auto* error = wire::field(chunk, "error"); error && !(error->is_boolean() && !error->get<bool>()))
        return classify_stream_error(data);
    if (m_response.id.empty()) m_response.id = wire::string_or_empty(chunk, "id");
    if (m_response.model.empty()) m_response.model = wire::string_or_empty(chunk, "model");

    // Usually one choice per chunk; with n > 1 each chunk names the choice it continues.
    if (auto* choices = wire::field(chunk, "choices"); choices && choices->is_array()) {
        for (const auto& choice : *choices) {
            const auto index = wire::int_or_zero(choice, "index");
            if (index < 0 || index >= kMaxChoices) continue;  // beyond what n may ask for
            StreamDelta delta;
            delta.choice = static_cast<int>(index);
            if (auto* change = wire::field(choice, "delta")) {
                delta.content = wire::string_or_empty(*change, "content");
                if (auto* calls = wire::field(*change, "tool_calls"); calls && calls->is_array()) {
                    for (const auto& call : *calls) {
                        ToolCallDelta piece{static_cast<int>(wire::int_or_zero(call, "index")),
                                            wire::string_or_empty(call, "id"), {}, {}};
                        if (auto* function = wire::field(call, "function")) {
                            piece.name = wire::string_or_empty(*function, "name");
                            piece.arguments = wire::string_or_empty(*function, "arguments");
                        }
                        delta.tool_calls.push_back(std::move(piece));
                    }
                }
            }
            delta.finish_reason = normalise_openai_finish_reason(wire::string_or_empty(choice, "finish_reason"));
            accumulate(delta);
            if (!delta.content.empty() || !delta.finish_reason.empty() || !delta.tool_calls.empty())
                out.push_back(std::move(delta));
        }
    }
    if (auto* usage = wire::field(chunk, "usage"); usage && usage->is_object()) {
        m_response.usage = usage_from_openai(*usage);
        out.push_back(StreamDelta{.content = {}, .finish_reason = {}, .usage = m_response.usage});
    }
    return {};
}

void OpenAIStreamDecoder::accumulate(const StreamDelta& delta) {
    if (static_cast<std::size_t>(delta.choice) >= m_choices.size()) m_choices.resize(delta.choice + 1);
    auto& choice = m_choices[delta.choice];
    choice.content += delta.content;
    for (const auto& piece : delta.tool_calls) {
        auto& call = choice.tool_calls[piece.index];
        if (!piece.id.empty()) call.id = piece.id;
        if (!piece.name.empty()) call.name = piece.name;
        call.arguments_json += piece.arguments;
    }
    if (!delta.finish_reason.empty()) choice.finish_reason = delta.finish_reason;
}

ChatResponse OpenAIStreamDecoder::response() const {
    ChatResponse response = m_response;
    for (std::size_t i = 0; i < m_choices.size(); ++i) {
        ChatChoice choice{m_choices[i].content, {}, m_choices[i].finish_reason};
        for (const auto& [index, call] : m_choices[i].tool_calls) choice.tool_calls.push_back(call);
        if (i == 0) {
            response.content = std::move(choice.content);
            response.tool_calls = std::move(choice.tool_calls);
            response.finish_reason = std::move(choice.finish_reason);
        } else {
            response.more_choices.push_back(std::move(choice));
        }
    }
    return response;
}

}  // namespace sb
