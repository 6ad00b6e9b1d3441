#pragma once
// OpenAI chat completions (POST {base_url}/chat/completions). The OpenAI-compatible
// local servers use the same class with different options (openai_compatible_adapter.cpp).
#include "providers/provider_adapter.h"

namespace sb {

class OpenAIChatAdapter final : public ProviderAdapter {
public:
    struct Options {
        ProviderKind kind = ProviderKind::OpenAI;
        bool use_legacy_max_tokens = false;  // send max_tokens instead of max_completion_tokens
        bool send_openai_headers = true;     // OpenAI-Version / -Organization / -Project
    };
    explicit OpenAIChatAdapter(Options options) : m_options(options) {}

    ProviderKind kind() const override { return m_options.kind; }
    HttpRequest build_request(const ChatRequest& request, const ProviderConfig& provider,
                              std::string_view model) const override;
    std::expected<ChatResponse, Error> parse_response(const HttpResponse& response) const override;
    std::unique_ptr<StreamDecoder> make_stream_decoder() const override;

private:
    Options m_options;
};

}  // namespace sb
