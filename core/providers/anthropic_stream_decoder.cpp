#include "providers/anthropic_stream_decoder.h"

#include "model/utf8.h"
#include "providers/anthropic_translation.h"
#include "providers/json_fields.h"

namespace sb {

Error AnthropicStreamDecoder::on_event(std::string_view event, std::string_view data,
                                       std::vector<StreamDelta>& out) {
    std::string repaired;  // a stray invalid byte is replaced by U+FFFD (model/utf8.h)
    auto json = nlohmann::json::parse(valid_utf8_view(data, repaired), nullptr, false);
    if (json.is_discarded() || !json.is_object())
        return wire::make_error(ErrorClass::MalformedResponse,
                                "Anthropic stream event " + wire::in_quotes(event) + " is not a JSON object");
    // The data's own type names the event when the stream has no event lines.
    std::string type = event.empty() ? wire::string_or_empty(json, "type") : std::string(event);
    if (type == "error") return classify_stream_error(data);

    if (type == "message_start") {
        if (auto* message = wire::field(json, "message")) {
            m_response.id = wire::string_or_empty(*message, "id");
            m_response.model = wire::string_or_empty(*message, "model");
            if (auto* usage = wire::field(*message, "usage")) m_response.usage = usage_from_anthropic(*usage);
        }
    } else if (type == "content_block_start") {
        auto* block = wire::field(json, "content_block");
        if (block && wire::string_or_empty(*block, "type") == "tool_use") {
            const int next_call = static_cast<int>(m_tool_blocks.size());
            auto entry =
                m_tool_blocks.try_emplace(wire::int_or_zero(json, "index"), ToolBlock{next_call, {}}).first;
            entry->second.tool_call = {wire::string_or_empty(*block, "id"),
                                       wire::string_or_empty(*block, "name"), ""};
            StreamDelta delta;
            delta.tool_calls.push_back(
                {entry->second.call, entry->second.tool_call.id, entry->second.tool_call.name, ""});
            out.push_back(std::move(delta));
        } else if (block) {
            StreamDelta delta{
                .content = wire::string_or_empty(*block, "text"), .finish_reason = {}, .usage = {}};
            m_response.content += delta.content;
            if (!delta.content.empty()) out.push_back(std::move(delta));
        }
    } else if (type == "content_block_delta") {
        auto* change = wire::field(json, "delta");
        if (!change)
            return wire::make_error(ErrorClass::MalformedResponse,
                                    "Anthropic content_block_delta has no delta");
        auto kind = wire::string_or_empty(*change, "type");
        if (kind == "text_delta") {
            StreamDelta delta{
                .content = wire::string_or_empty(*change, "text"), .finish_reason = {}, .usage = {}};
            m_response.content += delta.content;
            out.push_back(std::move(delta));
        } else if (kind == "input_json_delta") {
            const auto index = wire::int_or_zero(json, "index");
            const auto block = m_tool_blocks.find(index);
            if (block == m_tool_blocks.end())
                return wire::make_error(ErrorClass::MalformedResponse,
                                        "Anthropic input_json_delta for block " + std::to_string(index) +
                                            ", which did not start as tool_use");
            auto piece = wire::string_or_empty(*change, "partial_json");
            if (piece.empty()) return {};
            block->second.tool_call.arguments_json += piece;
            StreamDelta delta;
            delta.tool_calls.push_back({block->second.call, "", "", std::move(piece)});
            out.push_back(std::move(delta));
        }
    } else if (type == "message_delta") {
        StreamDelta delta;
        if (auto* change = wire::field(json, "delta"))
            delta.finish_reason =
                normalise_anthropic_stop_reason(wire::string_or_empty(*change, "stop_reason"));
        if (auto* usage = wire::field(json, "usage")) {
            // output_tokens here is the running total; input counts are repeated only sometimes.
            auto update = usage_from_anthropic(*usage);
            m_response.usage.output_tokens = update.output_tokens;
            if (update.input_tokens > 0) {
                m_response.usage.input_tokens = update.input_tokens;
                m_response.usage.cached_input_tokens = update.cached_input_tokens;
            }
        }
        if (!delta.finish_reason.empty()) m_response.finish_reason = delta.finish_reason;
        delta.usage = m_response.usage;
        out.push_back(std::move(delta));
    } else if (type == "message_stop") {
        m_finished = true;
    }
    // ping, content_block_stop and event types added later carry nothing we keep.
    return {};
}

ChatResponse AnthropicStreamDecoder::response() const {
    ChatResponse response = m_response;
    for (const auto& [index, block] : m_tool_blocks) {
        ToolCall complete = block.tool_call;
        if (complete.arguments_json.empty()) complete.arguments_json = "{}";
        response.tool_calls.push_back(std::move(complete));
    }
    return response;
}

}  // namespace sb
