#include "gateway/sse_writer.h"

#include "gateway/gateway_http.h"

namespace sb {

using ojson = nlohmann::ordered_json;

SseChunkWriter::SseChunkWriter(std::string id, std::string model, std::int64_t created, bool include_usage)
    : m_id(std::move(id)), m_model(std::move(model)), m_created(created), m_include_usage(include_usage) {}

ojson SseChunkWriter::head() const {
    return ojson{
        {"id", m_id}, {"object", "chat.completion.chunk"}, {"created", m_created}, {"model", m_model}};
}

std::string SseChunkWriter::chunk(ojson delta, ojson finish_reason, int choice) {
    ojson body = head();
    body["choices"] = ojson::array({ojson{{"index", choice},
                                          {"delta", std::move(delta)},
                                          {"logprobs", nullptr},
                                          {"finish_reason", std::move(finish_reason)}}});
    if (m_include_usage) body["usage"] = nullptr;
    return "data: " + json_text(body) + "\n\n";
}

std::string SseChunkWriter::role(int choice) {
    return chunk(ojson{{"role", "assistant"}, {"content", ""}}, nullptr, choice);
}

std::string SseChunkWriter::content(std::string_view text, int choice) {
    return chunk(ojson{{"content", std::string(text)}}, nullptr, choice);
}

std::string SseChunkWriter::tool_calls(const std::vector<ToolCallDelta>& calls, int choice) {
    auto list = ojson::array();
    for (const auto& call : calls) {
        ojson piece = {{"index", call.index}};
        if (!call.id.empty() || !call.name.empty()) {
            piece["id"] = call.id;
            piece["type"] = "function";
            piece["function"] = ojson{{"name", call.name}, {"arguments", call.arguments}};
        } else {
            piece["function"] = ojson{{"arguments", call.arguments}};
        }
        list.push_back(std::move(piece));
    }
    return chunk(ojson{{"tool_calls", std::move(list)}}, nullptr, choice);
}

std::string SseChunkWriter::finish(std::string_view finish_reason, int choice) {
    return chunk(ojson::object(), finish_reason.empty() ? ojson("stop") : ojson(std::string(finish_reason)),
                 choice);
}

std::string SseChunkWriter::usage(const Usage& usage) {
    if (!m_include_usage) return {};
    ojson body = head();
    body["choices"] = ojson::array();
    body["usage"] = ojson{{"prompt_tokens", usage.input_tokens},
                          {"completion_tokens", usage.output_tokens},
                          {"total_tokens", usage.total()},
                          {"prompt_tokens_details", {{"cached_tokens", usage.cached_input_tokens}}},
                          {"completion_tokens_details", {{"reasoning_tokens", usage.reasoning_tokens}}}};
    return "data: " + json_text(body) + "\n\n";
}

std::string SseChunkWriter::done() {
    return "data: [DONE]\n\n";
}

std::string SseChunkWriter::event(const nlohmann::json& payload) {
    return "data: " + json_text(payload) + "\n\n";
}

}  // namespace sb
