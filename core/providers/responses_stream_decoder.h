#pragma once
// Decodes an OpenAI Responses API stream that the gateway passes through: every event goes
// out as it came (StreamDelta::responses_event / responses_data), carrying the text, tool call
// pieces, finish reason and usage the engine meters. Ends with response.completed or
// response.incomplete; response.failed and `error` events are classified errors.
#include <map>
#include <string>
#include <vector>

#include "providers/provider_adapter.h"

namespace sb {

class ResponsesStreamDecoder final : public StreamDecoder {
public:
    Error on_event(std::string_view event, std::string_view data, std::vector<StreamDelta>& out) override;
    bool finished() const override { return m_finished; }
    ChatResponse response() const override;

private:
    // Fills `delta` with what an event carries for metering; an error for a failed response.
    Error meter(const std::string& type, const nlohmann::json& json, StreamDelta& delta);

    ChatResponse m_response;
    std::map<std::string, int> m_call_index;  // function_call item id → tool call index
    std::vector<ToolCall> m_calls;
    // Lifecycle events before the first output: held back, so that a response that fails
    // before answering anything has sent the client nothing and may still fail over.
    std::vector<StreamDelta> m_held;
    bool m_answer_began = false;
    bool m_finished = false;
};

}  // namespace sb
