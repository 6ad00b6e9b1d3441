#include "providers/openai_adapter.h"

#include "model/utf8.h"
#include "providers/adapter_common.h"
#include "providers/adapters.h"
#include "providers/embeddings_wire.h"
#include "providers/openai_response_reader.h"
#include "providers/openai_stream_decoder.h"
#include "providers/openai_translation.h"
#include "providers/responses_stream_decoder.h"
#include "providers/responses_translation.h"
#include "model/json_string.h"

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
    if (request.wire == WireApi::OpenAIEmbeddings) {
        auto body = request.passthrough_body;
        body["model"] = std::string(model);
        return adapter::make_post(provider, request, "embeddings", auth, json_text(body));
    }
    if (passes_through(request)) {
        auto body = request.passthrough_body;
        body["model"] = std::string(model);
        body["stream"] = request.stream;
        return adapter::make_post(provider, request, "responses", auth, json_text(body));
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

bool OpenAIChatAdapter::passes_through(const ChatRequest& request) const {
    return m_options.kind == ProviderKind::OpenAI && request.wire == WireApi::OpenAIResponses &&
           !request.passthrough_body.is_null();
}

std::expected<ChatResponse, Error> OpenAIChatAdapter::parse_response_for(const ChatRequest& request,
                                                                         const HttpResponse& response) const {
    if (auto error = adapter::unsuccessful(response)) return std::unexpected(std::move(*error));
    std::string repaired;
    const auto body = valid_utf8_view(response.body, repaired);
    if (request.wire == WireApi::OpenAIEmbeddings) return chat_response_from_embeddings(body, response.status);
    if (passes_through(request)) return chat_response_from_responses(body, response.status);
    auto parsed = chat_response_from_openai(body, response.status);
    if (parsed && request.n > 1) parsed->more_choices = more_openai_choices(body);
    return parsed;
}

std::unique_ptr<StreamDecoder> OpenAIChatAdapter::make_stream_decoder_for(const ChatRequest& request) const {
    if (passes_through(request)) return std::make_unique<ResponsesStreamDecoder>();
    return make_stream_decoder();
}

std::unique_ptr<ProviderAdapter> make_openai_adapter() {
    return std::make_unique<OpenAIChatAdapter>(OpenAIChatAdapter::Options{});
}

}  // namespace sb
