#include "gateway/anthropic_sse_writer.h"

#include "model/json_string.h"
#include "providers/anthropic_response_writer.h"

namespace sb {
namespace {

using ojson = nlohmann::ordered_json;

std::string anthropic_event(std::string_view name, const ojson& data) {
    std::string out = "event: ";
    out.append(name).append("\ndata: ").append(json_text(data)).append("\n\n");
    return out;
}

}  // namespace

AnthropicSseWriter::AnthropicSseWriter(std::string id, std::string model)
    : m_id(std::move(id)), m_model(std::move(model)) {}

std::string AnthropicSseWriter::start(const Usage& usage) {
    if (m_started) return {};
    m_started = true;
    return anthropic_event("message_start", {{"type", "message_start"},
                                             {"message",
                                              {{"id", m_id},
                                               {"type", "message"},
                                               {"role", "assistant"},
                                               {"model", m_model},
                                               {"content", ojson::array()},
                                               {"stop_reason", nullptr},
                                               {"stop_sequence", nullptr},
                                               {"usage", anthropic_usage_json(usage)}}}});
}

std::string AnthropicSseWriter::delta(const StreamDelta& delta) {
    std::string out = start();
    if (!delta.content.empty()) out += text(delta.content);
    for (const auto& piece : delta.tool_calls) out += tool_call(piece);
    if (!delta.finish_reason.empty()) m_finish_reason = delta.finish_reason;
    return out;
}

std::string AnthropicSseWriter::finish(const ChatResponse& response) {
    std::string out = start(response.usage);
    if (!m_wrote_text && !response.content.empty()) out += text(response.content);
    if (m_call_blocks.empty())
        for (std::size_t i = 0; i < response.tool_calls.size(); ++i) {
            const auto& call = response.tool_calls[i];
            out += tool_call({static_cast<int>(i), call.id, call.name, call.arguments_json});
        }
    out += close_block();
    const auto& finish_reason = m_finish_reason.empty() ? response.finish_reason : m_finish_reason;
    out += anthropic_event(
        "message_delta",
        {{"type", "message_delta"},
         {"delta",
          {{"stop_reason", std::string(anthropic_stop_reason(finish_reason))}, {"stop_sequence", nullptr}}},
         {"usage", anthropic_usage_json(response.usage)}});
    out += anthropic_event("message_stop", {{"type", "message_stop"}});
    return out;
}

std::string AnthropicSseWriter::error(std::string_view type, std::string_view message) {
    return "event: error\ndata: " + json_text(anthropic_error_json(type, message)) + "\n\n";
}

std::string AnthropicSseWriter::text(std::string_view text) {
    std::string out;
    if (m_open != OpenBlock::Text) {
        out += close_block();
        m_open = OpenBlock::Text;
        m_open_index = m_blocks++;
        out += anthropic_event("content_block_start", {{"type", "content_block_start"},
                                                       {"index", m_open_index},
                                                       {"content_block", {{"type", "text"}, {"text", ""}}}});
    }
    m_wrote_text = true;
    out += anthropic_event("content_block_delta",
                           {{"type", "content_block_delta"},
                            {"index", m_open_index},
                            {"delta", {{"type", "text_delta"}, {"text", std::string(text)}}}});
    return out;
}

std::string AnthropicSseWriter::tool_call(const ToolCallDelta& piece) {
    std::string out;
    auto block = m_call_blocks.find(piece.index);
    if (block == m_call_blocks.end()) {
        out += close_block();
        m_open = OpenBlock::ToolUse;
        m_open_index = m_blocks++;
        block = m_call_blocks.emplace(piece.index, m_open_index).first;
        out += anthropic_event(
            "content_block_start",
            {{"type", "content_block_start"},
             {"index", m_open_index},
             {"content_block",
              {{"type", "tool_use"}, {"id", piece.id}, {"name", piece.name}, {"input", ojson::object()}}}});
    }
    if (!piece.arguments.empty())
        out +=
            anthropic_event("content_block_delta",
                            {{"type", "content_block_delta"},
                             {"index", block->second},
                             {"delta", {{"type", "input_json_delta"}, {"partial_json", piece.arguments}}}});
    return out;
}

std::string AnthropicSseWriter::close_block() {
    if (m_open == OpenBlock::None) return {};
    m_open = OpenBlock::None;
    return anthropic_event("content_block_stop", {{"type", "content_block_stop"}, {"index", m_open_index}});
}

}  // namespace sb
