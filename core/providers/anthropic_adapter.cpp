// Anthropic Messages (POST {base_url}/messages, x-api-key, anthropic-version).
#include "model/json_string.h"
#include "providers/adapter_common.h"
#include "providers/adapters.h"
#include "providers/anthropic_stream_decoder.h"
#include "providers/anthropic_translation.h"

namespace sb {
namespace {

class AnthropicAdapter final : public ProviderAdapter {
public:
    ProviderKind kind() const override { return ProviderKind::Anthropic; }

    HttpRequest build_request(const ChatRequest& request, const ProviderConfig& provider,
                              std::string_view model) const override {
        Headers auth;
        if (!provider.api_key.empty()) auth.emplace_back("x-api-key", provider.api_key);
        auth.emplace_back("anthropic-version", provider.anthropic_version);
        return adapter::make_post(provider, request, "messages", auth,
                                  json_text(chat_request_to_anthropic(request, model)));
    }

    std::expected<ChatResponse, Error> parse_response(const HttpResponse& response) const override {
        auto json = adapter::json_body(response, "Anthropic");
        if (!json) return std::unexpected(json.error());
        auto parsed = chat_response_from_anthropic(*json);
        if (!parsed) {
            auto error = parsed.error();
            error.http_status = response.status;
            return std::unexpected(error);
        }
        return parsed;
    }

    std::unique_ptr<StreamDecoder> make_stream_decoder() const override {
        return std::make_unique<AnthropicStreamDecoder>();
    }
};

}  // namespace

std::unique_ptr<ProviderAdapter> make_anthropic_adapter() {
    return std::make_unique<AnthropicAdapter>();
}

}  // namespace sb
