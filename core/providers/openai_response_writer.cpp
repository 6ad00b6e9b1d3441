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
    out.append(",\"choices\":[");
    auto append_choice = [&out](std::size_t index, std::string_view content, const std::vector<ToolCall>& calls,
                                std::string_view finish_reason) {
        if (index > 0) out.push_back(',');
        out.append("{\"index\":").append(std::to_string(index)).append(",\"message\":{\"role\":\"assistant\",");
        append_openai_content(out, content, calls);
        out.append("},\"logprobs\":null,\"finish_reason\":");
        if (finish_reason.empty())
            out.append("null");
        else
            append_json_string(out, finish_reason);
        out.push_back('}');
    };
    append_choice(0, response.content, response.tool_calls, response.finish_reason);
    for (std::size_t i = 0; i < response.more_choices.size(); ++i) {
        const auto& choice = response.more_choices[i];
        append_choice(i + 1, choice.content, choice.tool_calls, choice.finish_reason);
    }
    const auto& usage = response.usage;
    out.append("],\"usage\":{\"prompt_tokens\":").append(std::to_string(usage.input_tokens));
    out.append(",\"completion_tokens\":").append(std::to_string(usage.output_tokens));
    out.append(",\"total_tokens\":").append(std::to_string(usage.total()));
    out.append(",\"prompt_tokens_details\":{\"cached_tokens\":").append(std::to_string(usage.cached_input_tokens));
    out.append("},\"completion_tokens_details\":{\"reasoning_tokens\":").append(std::to_string(usage.reasoning_tokens));
    out.append("}}}");
    return out;
}

}  // namespace sb
