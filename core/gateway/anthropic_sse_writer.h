#pragma once
// A streamed answer as Anthropic's Messages events, in the order its SDKs' MessageStream
// requires: every event named on an `event:` line (the SDK dispatches on the name);
// message_start first, once; content blocks numbered 0, 1, 2… in the order they start, each
// closed (content_block_stop) before the next starts; a text block started only when there
// is text; a tool call's first piece closes the open block and starts a tool_use block with
// input {}, its argument text following as input_json_delta; then message_delta with the
// stop_reason and the usage so far (the SDK overwrites, it does not add), and message_stop.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "model/chat.h"

namespace sb {

class AnthropicSseWriter {
public:
    AnthropicSseWriter(std::string id, std::string model);

    // message_start, or nothing once it was sent: delta() and finish() begin with it.
    std::string start(const Usage& usage = {});
    // The events of one piece of the answer: text and tool-call pieces.
    std::string delta(const StreamDelta& delta);
    // Closes the open block, then message_delta and message_stop. `response` is the whole
    // answer; what of it no delta carried (an answer delivered in one piece) is written first.
    std::string finish(const ChatResponse& response);

    // `event: error` for a failure after the stream began.
    static std::string error(std::string_view type, std::string_view message);

private:
    enum class OpenBlock { None, Text, ToolUse };

    std::string text(std::string_view text);
    std::string tool_call(const ToolCallDelta& piece);
    std::string close_block();

    std::string m_id;
    std::string m_model;
    bool m_started = false;
    int m_blocks = 0;  // content blocks started so far
    OpenBlock m_open = OpenBlock::None;
    int m_open_index = 0;
    // Tool call (ToolCallDelta::index) → its content block. A piece for a call whose block
    // was closed still goes to that block's index: upstreams do not interleave calls, and the
    // SDKs place a delta by its index.
    std::map<int, int> m_call_blocks;
    bool m_wrote_text = false;
    std::string m_finish_reason;  // from the deltas; the response's when they carried none
};

}  // namespace sb
