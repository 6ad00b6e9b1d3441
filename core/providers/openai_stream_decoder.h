#pragma once
// Decodes an OpenAI chat-completions stream (also Ollama's, llama.cpp's and vLLM's):
// `data: {chunk}` events with no event name, ending with `data: [DONE]`.
#include <map>

#include "providers/provider_adapter.h"

namespace sb {

class OpenAIStreamDecoder final : public StreamDecoder {
public:
    Error on_event(std::string_view event, std::string_view data, std::vector<StreamDelta>& out) override;
    bool finished() const override { return m_finished; }
    ChatResponse response() const override;

private:
    ChatResponse m_response;
    std::map<int, ToolCall> m_tool_calls;  // by the delta's tool call index
    bool m_finished = false;
};

}  // namespace sb
