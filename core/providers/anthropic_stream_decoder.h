#pragma once
// Decodes an Anthropic Messages stream: message_start, content_block_start/delta/stop,
// ping, message_delta, message_stop and error events.
#include <map>

#include "providers/provider_adapter.h"

namespace sb {

class AnthropicStreamDecoder final : public StreamDecoder {
public:
    Error on_event(std::string_view event, std::string_view data, std::vector<StreamDelta>& out) override;
    bool finished() const override { return m_finished; }
    ChatResponse response() const override;

private:
    ChatResponse m_response;
    std::map<std::int64_t, ToolCall> m_tool_blocks;  // tool_use blocks by content block index
    bool m_finished = false;
};

}  // namespace sb
