#include "gateway/responses_sse_writer.h"

#include <algorithm>

#include "model/json_string.h"
#include "providers/responses_translation.h"

namespace sb {

using ojson = nlohmann::ordered_json;

ResponsesSseWriter::ResponsesSseWriter(const ChatRequest& request, std::string response_id,
                                       std::int64_t created_at, std::string model)
    : m_response_id(std::move(response_id)),
      m_object(responses_in_progress(request, {m_response_id, created_at, model})) {}

std::string ResponsesSseWriter::event(std::string_view type, ojson fields) {
    ojson payload = {{"type", type}, {"sequence_number", m_sequence++}};
    for (auto it = fields.begin(); it != fields.end(); ++it) payload[it.key()] = std::move(it.value());
    std::string out = "event: ";
    out.append(type).append("\ndata: ").append(json_text(payload)).append("\n\n");
    return out;
}

std::string ResponsesSseWriter::on_delta(const StreamDelta& delta) {
    if (delta.choice != 0) return {};
    // One stream is one answer: the engine does not fail over once anything was delivered, so
    // a delta of the other kind can only be stray, and is not mixed into the answer.
    if (!delta.responses_event.empty()) {
        if (m_mode == Mode::Written) return {};
        m_mode = Mode::PassedThrough;
        ++m_sequence;  // upstream events are numbered from 0 too; an error event follows them
        std::string out = "event: ";
        out.append(delta.responses_event).append("\ndata: ").append(delta.responses_data).append("\n\n");
        return out;
    }
    if (m_mode == Mode::PassedThrough || (delta.content.empty() && delta.tool_calls.empty())) return {};
    std::string out = start();
    if (!delta.content.empty()) out += text(delta.content);
    for (const auto& piece : delta.tool_calls) out += tool_call(piece);
    return out;
}

std::string ResponsesSseWriter::start() {
    if (m_mode == Mode::Written) return {};
    m_mode = Mode::Written;
    std::string out = event("response.created", {{"response", m_object}});
    out += event("response.in_progress", {{"response", m_object}});
    return out;
}

std::string ResponsesSseWriter::text(std::string_view piece) {
    std::string out;
    if (!m_open || !m_items[*m_open].is_message) {
        out += close_open_item();
        Item item;
        item.output_index = static_cast<int>(m_items.size());
        item.id = responses_item_id("msg", m_response_id, m_messages++);
        out += event("response.output_item.added",
                     {{"output_index", item.output_index},
                      {"item", responses_message_item(item.id, "in_progress", ojson::array())}});
        out += event("response.content_part.added", {{"item_id", item.id},
                                                     {"output_index", item.output_index},
                                                     {"content_index", 0},
                                                     {"part", responses_output_text_part("")}});
        m_open = m_items.size();
        m_items.push_back(std::move(item));
    }
    Item& item = m_items[*m_open];
    item.text.append(piece);
    out += event("response.output_text.delta", {{"item_id", item.id},
                                                {"output_index", item.output_index},
                                                {"content_index", 0},
                                                {"delta", piece},
                                                {"logprobs", ojson::array()}});
    return out;
}

std::string ResponsesSseWriter::tool_call(const ToolCallDelta& piece) {
    std::string out;
    auto known = m_call_items.find(piece.index);
    if (known == m_call_items.end()) {
        out += close_open_item();
        Item item;
        item.is_message = false;
        item.output_index = static_cast<int>(m_items.size());
        item.id = responses_item_id("fc", m_response_id, piece.index);
        // The SDK routes a call's result by call_id: it must never be empty.
        item.call_id = piece.id.empty() ? responses_item_id("call", m_response_id, piece.index) : piece.id;
        item.name = piece.name;
        out += event(
            "response.output_item.added",
            {{"output_index", item.output_index},
             {"item", responses_function_call_item(item.id, item.call_id, item.name, "", "in_progress")}});
        m_open = m_items.size();
        known = m_call_items.emplace(piece.index, m_items.size()).first;
        m_items.push_back(std::move(item));
    }
    Item& item = m_items[known->second];
    if (piece.arguments.empty()) return out;
    item.arguments += piece.arguments;
    out += event("response.function_call_arguments.delta",
                 {{"item_id", item.id}, {"output_index", item.output_index}, {"delta", piece.arguments}});
    return out;
}

ojson ResponsesSseWriter::item_json(const Item& item) const {
    if (item.is_message)
        return responses_message_item(item.id, "completed",
                                      ojson::array({responses_output_text_part(item.text)}));
    return responses_function_call_item(item.id, item.call_id, item.name, item.arguments, "completed");
}

std::string ResponsesSseWriter::close_open_item() {
    if (!m_open) return {};
    Item& item = m_items[*m_open];
    m_open.reset();
    std::string out;
    if (item.is_message) {
        out += event("response.output_text.done", {{"item_id", item.id},
                                                   {"output_index", item.output_index},
                                                   {"content_index", 0},
                                                   {"text", item.text},
                                                   {"logprobs", ojson::array()}});
        out += event("response.content_part.done", {{"item_id", item.id},
                                                    {"output_index", item.output_index},
                                                    {"content_index", 0},
                                                    {"part", responses_output_text_part(item.text)}});
    } else {
        out += event("response.function_call_arguments.done", {{"item_id", item.id},
                                                               {"output_index", item.output_index},
                                                               {"name", item.name},
                                                               {"arguments", item.arguments}});
    }
    out +=
        event("response.output_item.done", {{"output_index", item.output_index}, {"item", item_json(item)}});
    return out;
}

std::string ResponsesSseWriter::finish(const ChatResponse& response) {
    if (m_mode == Mode::PassedThrough) return {};
    std::string out = start();
    // An answer that came whole (not streamed) arrives as its final response alone.
    const bool any_text =
        std::any_of(m_items.begin(), m_items.end(), [](const Item& item) { return item.is_message; });
    if (!any_text && !response.content.empty()) out += text(response.content);
    for (std::size_t i = 0; i < response.tool_calls.size(); ++i) {
        const int index = static_cast<int>(i);
        if (m_call_items.contains(index)) continue;
        const auto& call = response.tool_calls[i];
        out += tool_call({index, call.id, call.name, call.arguments_json});
    }
    out += close_open_item();

    auto output = ojson::array();
    for (const auto& item : m_items) output.push_back(item_json(item));
    std::string finish_reason = response.finish_reason;
    if (finish_reason.empty()) finish_reason = m_call_items.empty() ? "stop" : "tool_calls";
    ojson final_object = m_object;
    finish_responses_object(final_object, response.model, finish_reason, response.usage, std::move(output));
    const bool incomplete = final_object["status"] == "incomplete";
    out += event(incomplete ? "response.incomplete" : "response.completed",
                 {{"response", std::move(final_object)}});
    return out;
}

std::string ResponsesSseWriter::failure(const GatewayError& error) {
    // Flat, as the Responses API sends it; openai-node throws an APIError on `event: error`.
    return event("error", {{"code", error.code.empty() ? error.type : error.code},
                           {"message", error.message},
                           {"param", error.param.empty() ? ojson(nullptr) : ojson(error.param)}});
}

}  // namespace sb
