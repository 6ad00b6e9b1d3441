#include "cache/cache_key.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "model/digest.h"

namespace sb {

namespace {

// Wire fields passed through `extra` that change what the model answers.
constexpr const char* kOutputFields[] = {"seed", "presence_penalty", "frequency_penalty", "logit_bias",
                                         "reasoning_effort"};

// A part by what it is and a digest of its bytes: two photos differ even when the text does not.
nlohmann::json part_json(const ContentPart& part) {
    nlohmann::json json = {{"kind", std::string(to_string(part.kind))}};
    if (part.kind == ContentPart::Kind::Text) json["text"] = part.text;
    if (!part.media_type.empty()) json["media_type"] = part.media_type;
    if (!part.data_base64.empty()) json["sha256"] = sha256_hex(part.data_base64);
    if (!part.url.empty()) json["url"] = part.url;
    if (!part.file_id.empty()) json["file_id"] = part.file_id;
    if (!part.detail.empty()) json["detail"] = part.detail;
    return json;
}

nlohmann::json turn_json(const Message& message) {
    nlohmann::json turn = {{"role", std::string(to_string(message.role))}, {"content", message.content}};
    if (!message.name.empty()) turn["name"] = message.name;
    if (!message.tool_call_id.empty()) turn["tool_call_id"] = message.tool_call_id;
    if (!message.parts.empty()) {
        auto parts = nlohmann::json::array();
        for (const auto& part : message.parts) parts.push_back(part_json(part));
        turn["parts"] = std::move(parts);
    }
    if (!message.tool_calls.empty()) {
        auto calls = nlohmann::json::array();
        for (const auto& call : message.tool_calls) calls.push_back({{"name", call.name}, {"arguments", call.arguments_json}});
        turn["tool_calls"] = std::move(calls);
    }
    return turn;
}

}  // namespace

std::string cache_key_material(const ChatRequest& request, std::string_view target, int turns) {
    // nlohmann::json objects keep keys sorted, so the text is canonical.
    nlohmann::json material = {{"v", 1}, {"target", std::string(target)}};
    if (request.wire == WireApi::OpenAIEmbeddings) {
        // Every input counts, and every field but the caller's name (encoding, dimensions).
        material["embeddings"] = request.passthrough_body;
        material["embeddings"].erase("model");
        material["embeddings"].erase("user");
        return material.dump();
    }
    if (request.temperature) material["temperature"] = *request.temperature;
    if (request.top_p) material["top_p"] = *request.top_p;
    if (request.max_tokens) material["max_tokens"] = *request.max_tokens;
    if (!request.stop.empty()) material["stop"] = request.stop;
    if (!request.tools.is_null()) material["tools"] = request.tools;
    if (!request.tool_choice.is_null()) material["tool_choice"] = request.tool_choice;
    if (request.parallel_tool_calls) material["parallel_tool_calls"] = *request.parallel_tool_calls;
    if (!request.response_format.is_null()) material["response_format"] = request.response_format;
    if (request.n > 1) material["n"] = request.n;
    for (const char* field : kOutputFields)
        if (request.extra.is_object() && request.extra.contains(field)) material[field] = request.extra[field];

    std::string system;
    std::vector<const Message*> conversation;
    for (const auto& message : request.messages) {
        if (message.role == Role::System) {
            if (!system.empty()) system += '\n';
            system += message.content;
        } else {
            conversation.push_back(&message);
        }
    }
    material["system"] = system;
    const auto keep = static_cast<std::size_t>(std::max(1, turns));
    auto recent = nlohmann::json::array();
    for (std::size_t i = conversation.size() > keep ? conversation.size() - keep : 0; i < conversation.size(); ++i)
        recent.push_back(turn_json(*conversation[i]));
    material["turns"] = std::move(recent);
    return material.dump();
}

std::string cache_key(const ChatRequest& request, std::string_view target, int turns) {
    return "sb1:" + sha256_hex(cache_key_material(request, target, turns));
}

}  // namespace sb
