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

    StreamDelta delta;
    if (auto* choices = wire::field(chunk, "choices"); choices && choices->is_array() && !choices->empty()) {
        const auto& choice = (*choices)[0];
        if (auto* change = wire::field(choice, "delta")) {
            delta.content = wire::string_or_empty(*change, "content");
            m_response.content += delta.content;
            if (auto* calls = wire::field(*change, "tool_calls"); calls && calls->is_array()) {
                for (const auto& call : *calls) {
                    auto& tool = m_tool_calls[static_cast<int>(wire::int_or_zero(call, "index"))];
                    if (auto id = wire::string_or_empty(call, "id"); !id.empty()) tool.id = id;
                    if (auto* function = wire::field(call, "function")) {
                        if (auto name = wire::string_or_empty(*function, "name"); !name.empty())
                            tool.name = name;
                        tool.arguments_json += wire::string_or_empty(*function, "arguments");
                    }
                }
            }
        }
        delta.finish_reason = normalise_openai_finish_reason(wire::string_or_empty(choice, "finish_reason"));
        if (!delta.finish_reason.empty()) m_response.finish_reason = delta.finish_reason;
    }
    if (auto* usage = wire::field(chunk, "usage"); usage && usage->is_object()) {
        m_response.usage = usage_from_openai(*usage);
        delta.usage = m_response.usage;
    }
    if (!delta.content.empty() || !delta.finish_reason.empty() || delta.usage)
        out.push_back(std::move(delta));
    return {};
}

ChatResponse OpenAIStreamDecoder::response() const {
    ChatResponse response = m_response;
    for (const auto& [index, call] : m_tool_calls) response.tool_calls.push_back(call);
    return response;
}

}  // namespace sb
