#pragma once
// Decodes an Anthropic Messages stream: message_start, content_block_start/delta/stop,
// ping, message_delta, message_stop and error events. A tool_use block becomes ToolCallDeltas:
// its start carries id and name, each input_json_delta a piece of the arguments.
#include <map>

#include "providers/provider_adapter.h"

namespace sb {

class AnthropicStreamDecoder final : public StreamDecoder {
public:
    Error on_event(std::string_view event, std::string_view data, std::vector<StreamDelta>& out) override;
    bool finished() const override { return m_finished; }
    ChatResponse response() const override;

private:
    // A tool_use block: `call` counts tool_use blocks alone, from 0 (the ToolCallDelta index).
    struct ToolBlock {
        int call = 0;
        ToolCall tool_call;
    };
    ChatResponse m_response;
    std::map<std::int64_t, ToolBlock> m_tool_blocks;  // by content block index
    bool m_finished = false;
};

}  // namespace sb
