#include "providers/responses_stream_decoder.h"

#include "model/json_string.h"
#include "model/text.h"
#include "model/utf8.h"
#include "providers/json_fields.h"
#include "providers/responses_translation.h"

namespace sb {
namespace {

// Events that say the response exists but carry no part of the answer yet.
bool is_preamble_event(std::string_view type) {
    return type == "response.created" || type == "response.in_progress" || type == "response.queued" ||
           type == "keepalive";
}

// The key function call events route by: the item's id (item_id in later events).
std::string function_call_key(const nlohmann::json& item) {
    auto id = wire::string_or_empty(item, "id");
    return id.empty() ? wire::string_or_empty(item, "call_id") : id;
}

}  // namespace

Error ResponsesStreamDecoder::on_event(std::string_view event, std::string_view data,
                                       std::vector<StreamDelta>& out) {
    if (trim_space(data) == "[DONE]") return {};  // not sent by the Responses API, but harmless
    std::string repaired;                         // a stray invalid byte is replaced by U+FFFD (model/utf8.h)
    const auto text = valid_utf8_view(data, repaired);
    const auto json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded() || !json.is_object())
        return wire::make_error(
            ErrorClass::MalformedResponse,
            "OpenAI Responses stream event " + wire::in_quotes(event) + " is not a JSON object");
    const std::string type = event.empty() ? wire::string_or_empty(json, "type") : std::string(event);
    // openai-node treats an `error` event, or any payload with a top-level error, as a failure.
    if (type == "error" || wire::field(json, "error")) return classify_stream_error(text);

    StreamDelta delta;
    if (Error error = meter(type, json, delta)) return error;
    delta.responses_event = type;
    delta.responses_data = std::string(text);
    if (!m_answer_began && is_preamble_event(type)) {
        // A keep-alive while nothing is sent keeps nothing alive: dropped, not held.
        if (type != "keepalive") m_held.push_back(std::move(delta));
        return {};
    }
    m_answer_began = true;
    for (auto& held : m_held) out.push_back(std::move(held));
    m_held.clear();
    out.push_back(std::move(delta));
    return {};
}

Error ResponsesStreamDecoder::meter(const std::string& type, const nlohmann::json& json, StreamDelta& delta) {
    if (type == "response.created" || type == "response.in_progress") {
        if (auto* response = wire::field(json, "response")) {
            m_response.id = wire::string_or_empty(*response, "id");
            m_response.model = wire::string_or_empty(*response, "model");
        }
    } else if (type == "response.output_text.delta") {
        delta.content = wire::string_or_empty(json, "delta");
        m_response.content += delta.content;
    } else if (type == "response.output_item.added") {
        auto* item = wire::field(json, "item");
        if (item && wire::string_or_empty(*item, "type") == "function_call") {
            const int index = static_cast<int>(m_calls.size());
            m_call_index[function_call_key(*item)] = index;
            m_calls.push_back({wire::string_or_empty(*item, "call_id"), wire::string_or_empty(*item, "name"),
                               wire::string_or_empty(*item, "arguments")});
            delta.tool_calls.push_back(
                {index, m_calls.back().id, m_calls.back().name, m_calls.back().arguments_json});
        }
    } else if (type == "response.function_call_arguments.delta") {
        if (auto it = m_call_index.find(wire::string_or_empty(json, "item_id")); it != m_call_index.end()) {
            const auto piece = wire::string_or_empty(json, "delta");
            m_calls[it->second].arguments_json += piece;
            delta.tool_calls.push_back({it->second, {}, {}, piece});
        }
    } else if (type == "response.function_call_arguments.done") {
        if (auto it = m_call_index.find(wire::string_or_empty(json, "item_id")); it != m_call_index.end())
            m_calls[it->second].arguments_json = wire::string_or_empty(json, "arguments");
    } else if (type == "response.completed" || type == "response.incomplete" || type == "response.failed") {
        auto* response = wire::field(json, "response");
        if (!response)
            return wire::make_error(
                ErrorClass::MalformedResponse,
                "OpenAI Responses stream event " + wire::in_quotes(type) + " has no response");
        m_finished = true;
        if (type == "response.failed" && wire::string_or_empty(*response, "status") != "failed")
            return wire::make_error(ErrorClass::ServerTransient,
                                    "OpenAI Responses stream: the response failed");
        auto final_answer = chat_response_from_responses_object(*response);
        if (!final_answer) return final_answer.error();
        // The final object is the whole answer: its output replaces what the deltas built.
        m_response = std::move(*final_answer);
        m_response.passthrough_body = json_text(*response);
        m_calls.clear();
        delta.finish_reason = m_response.finish_reason;
        delta.usage = m_response.usage;
    }
    // Other events (output_item.done, content parts, reasoning, built-in tools) carry nothing
    // metered; they are passed on all the same.
    return {};
}

ChatResponse ResponsesStreamDecoder::response() const {
    ChatResponse response = m_response;
    response.tool_calls.insert(response.tool_calls.end(), m_calls.begin(), m_calls.end());
    return response;
}

}  // namespace sb
