#include "providers/openai_adapter.h"

#include "model/utf8.h"
#include "providers/adapter_common.h"
#include "providers/adapters.h"
#include "providers/openai_response_reader.h"
#include "providers/openai_stream_decoder.h"
#include "providers/openai_translation.h"

namespace sb {

HttpRequest OpenAIChatAdapter::build_request(const ChatRequest& request, const ProviderConfig& provider,
                                             std::string_view model) const {
    Headers auth;
    // A local server without a key gets no Authorization header at all.
    if (!provider.api_key.empty()) auth.emplace_back("authorization", "Bearer " + provider.api_key);
    if (m_options.send_openai_headers) {
        if (!provider.openai_version.empty()) auth.emplace_back("openai-version", provider.openai_version);
        if (!provider.organization.empty()) auth.emplace_back("openai-organization", provider.organization);
        if (!provider.project.empty()) auth.emplace_back("openai-project", provider.project);
    }
    auto body = chat_request_to_openai(
        request, {.model = model, .use_legacy_max_tokens = m_options.use_legacy_max_tokens});
    return adapter::make_post(provider, request, "chat/completions", auth, std::move(body));
}

std::expected<ChatResponse, Error> OpenAIChatAdapter::parse_response(const HttpResponse& response) const {
    if (auto error = adapter::unsuccessful(response)) return std::unexpected(std::move(*error));
    // A stray invalid byte in an answer is repaired (model/utf8.h), not a reason to refuse it.
    std::string repaired;
    return chat_response_from_openai(valid_utf8_view(response.body, repaired), response.status);
}

std::unique_ptr<StreamDecoder> OpenAIChatAdapter::make_stream_decoder() const {
    return std::make_unique<OpenAIStreamDecoder>();
}

std::unique_ptr<ProviderAdapter> make_openai_adapter() {
    return std::make_unique<OpenAIChatAdapter>(OpenAIChatAdapter::Options{});
}

}  // namespace sb
