#include "providers/provider_capabilities.h"

#include "providers/anthropic_translation.h"
#include "providers/responses_translation.h"

namespace sb {
namespace {

// The first media part of the request that `refuses` names a reason for.
template <typename Refuses>
std::optional<std::string> first_part_refused(const ChatRequest& request, Refuses refuses) {
    for (std::size_t m = 0; m < request.messages.size(); ++m)
        for (std::size_t p = 0; p < request.messages[m].parts.size(); ++p)
            if (auto why = refuses(request.messages[m].parts[p]))
                return "messages[" + std::to_string(m) + "].content[" + std::to_string(p) + "]: " + *why;
    return std::nullopt;
}

bool has_custom_tool(const ChatRequest& request) {
    if (!request.tools.is_array()) return false;
    for (const auto& tool : request.tools)
        if (tool.is_object() && tool.value("type", "") == "custom") return true;
    return false;
}

std::optional<std::string> openai_cannot_take(const ChatRequest& request) {
    if (request.wire == WireApi::OpenAIResponses) return std::nullopt;  // passed through as it came
    return first_part_refused(request, [](const ContentPart& part) -> std::optional<std::string> {
        if (part.kind == ContentPart::Kind::File && !part.url.empty())
            return "OpenAI chat completions take no file by URL";
        return std::nullopt;
    });
}

std::optional<std::string> local_cannot_take(const ChatRequest& request) {
    if (request.n > 1) return "n: local servers (Ollama, llama.cpp) answer one choice";
    if (has_custom_tool(request)) return "tools: custom tools are OpenAI's alone";
    return first_part_refused(request, [](const ContentPart& part) -> std::optional<std::string> {
        if (part.kind == ContentPart::Kind::Audio) return "local servers take no input_audio part";
        if (part.kind == ContentPart::Kind::File) return "local servers take no file part";
        return std::nullopt;
    });
}

}  // namespace

std::optional<std::string> cannot_take(ProviderKind kind, const ChatRequest& request) {
    if (request.wire == WireApi::OpenAIEmbeddings)
        return kind == ProviderKind::Anthropic ? std::optional<std::string>("model: Anthropic has no embeddings API")
                                               : std::nullopt;
    if (kind != ProviderKind::OpenAI && request.wire == WireApi::OpenAIResponses)
        if (auto why = responses_untranslatable(request)) return why;
    switch (kind) {
    case ProviderKind::OpenAI: return openai_cannot_take(request);
    case ProviderKind::Anthropic: return anthropic_unsupported(request);
    case ProviderKind::OpenAICompatible: return local_cannot_take(request);
    }
    return std::nullopt;
}

std::string fields_not_sent(ProviderKind kind, const ChatRequest& request) {
    const bool same_format = request.wire == WireApi::AnthropicMessages ? kind == ProviderKind::Anthropic
                             : request.wire == WireApi::OpenAIChat      ? kind != ProviderKind::Anthropic
                                                                        : kind == ProviderKind::OpenAI;
    if (same_format || !request.extra.is_object()) return {};
    std::string names;
    for (const auto& [key, value] : request.extra.items()) {
        if (!names.empty()) names += ", ";
        names += key;
    }
    return names;
}

}  // namespace sb
