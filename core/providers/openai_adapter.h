#pragma once
// OpenAI chat completions (POST {base_url}/chat/completions), and OpenAI's Responses API
// (POST {base_url}/responses) for a Responses request passed through. The OpenAI-compatible
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
    // A Responses API request goes to OpenAI's /responses as it came; its answer is read as one.
    std::expected<ChatResponse, Error> parse_response_for(const ChatRequest& request,
                                                          const HttpResponse& response) const override;
    std::unique_ptr<StreamDecoder> make_stream_decoder_for(const ChatRequest& request) const override;

private:
    bool passes_through(const ChatRequest& request) const;

    Options m_options;
};

}  // namespace sb
