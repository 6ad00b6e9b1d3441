#pragma once
// The chat.completion.chunk events of a streamed answer, framed as OpenAI sends them:
// `data: {chunk}\n\n` — per choice the role first, then content and tool call deltas, a chunk
// with finish_reason,
// with include_usage a last chunk with empty choices and the usage (every earlier chunk then
// carries "usage": null), and `data: [DONE]`.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "model/chat.h"

namespace sb {

class SseChunkWriter {
public:
    SseChunkWriter(std::string id, std::string model, std::int64_t created, bool include_usage);

    void set_model(std::string model) { m_model = std::move(model); }
    std::string role(int choice = 0);
    std::string content(std::string_view text, int choice = 0);
    // A call's first piece carries its id, type and name; later ones only argument text.
    std::string tool_calls(const std::vector<ToolCallDelta>& calls, int choice = 0);
    std::string finish(std::string_view finish_reason, int choice = 0);
    std::string usage(const Usage& usage);  // empty unless include_usage

    static std::string done();
    static std::string event(const nlohmann::json& payload);  // `data: <json>\n\n`

private:
    std::string chunk(nlohmann::ordered_json delta, nlohmann::ordered_json finish_reason, int choice);
    nlohmann::ordered_json head() const;

    std::string m_id;
    std::string m_model;
    std::int64_t m_created;
    bool m_include_usage;
};

}  // namespace sb
