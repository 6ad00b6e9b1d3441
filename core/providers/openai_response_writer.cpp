#include "providers/openai_response_writer.h"

#include "model/json_string.h"

namespace sb {

void append_openai_content(std::string& out, std::string_view content, const std::vector<ToolCall>& calls) {
    out.append("\"content\":");
    // A turn that only calls tools has content null, as OpenAI sends it.
    if (content.empty() && !calls.empty()) {
        out.append("null");
    } else {
        append_json_string(out, content);
    }
    if (calls.empty()) return;
    out.append(",\"tool_calls\":[");
    for (std::size_t i = 0; i < calls.size(); ++i) {
        if (i > 0) out.push_back(',');
        out.append("{\"id\":");
        append_json_string(out, calls[i].id);
        out.append(",\"type\":\"function\",\"function\":{\"name\":");
        append_json_string(out, calls[i].name);
        out.append(",\"arguments\":");
        append_json_string(out, calls[i].arguments_json);
        out.append("}}");
    }
    out.push_back(']');
}

std::string chat_response_to_openai(const ChatResponse& response, std::int64_t created) {
    std::string out;
    out.reserve(384 + response.content.size() + response.id.size() + response.model.size());
    out.append("{\"id\":");
    append_json_string(out, response.id);
    out.append(",\"object\":\"chat.completion\",\"created\":").append(std::to_string(created));
    out.append(",\"model\":");
    append_json_string(out, response.model);
    out.append(",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",");
    append_openai_content(out, response.content, response.tool_calls);
    out.append("},\"logprobs\":null,\"finish_reason\":");
    if (response.finish_reason.empty())
        out.append("null");
    else
        append_json_string(out, response.finish_reason);
    const auto& usage = response.usage;
    out.append("}],\"usage\":{\"prompt_tokens\":").append(std::to_string(usage.input_tokens));
    out.append(",\"completion_tokens\":").append(std::to_string(usage.output_tokens));
    out.append(",\"total_tokens\":").append(std::to_string(usage.total()));
    out.append(",\"prompt_tokens_details\":{\"cached_tokens\":").append(std::to_string(usage.cached_input_tokens));
    out.append("},\"completion_tokens_details\":{\"reasoning_tokens\":").append(std::to_string(usage.reasoning_tokens));
    out.append("}}}");
    return out;
}

}  // namespace sb
