#pragma once
// Decodes an OpenAI chat-completions stream (also Ollama's, llama.cpp's and vLLM's):
// `data: {chunk}` events with no event name, ending with `data: [DONE]`.
#include <map>
#include <string>
#include <vector>

#include "providers/provider_adapter.h"

namespace sb {

class OpenAIStreamDecoder final : public StreamDecoder {
public:
    Error on_event(std::string_view event, std::string_view data, std::vector<StreamDelta>& out) override;
    bool finished() const override { return m_finished; }
    ChatResponse response() const override;

private:
    // What n > 1 may ask for (OpenAI's own limit); choices of other indexes are ignored.
    static constexpr int kMaxChoices = 128;
    struct ChoiceSoFar {
        std::string content;
        std::map<int, ToolCall> tool_calls;  // by the delta's tool call index
        std::string finish_reason;
    };
    void accumulate(const StreamDelta& delta);

    ChatResponse m_response;  // id, model and usage; the choices are assembled in response()
    std::vector<ChoiceSoFar> m_choices;
    bool m_finished = false;
};

}  // namespace sb
