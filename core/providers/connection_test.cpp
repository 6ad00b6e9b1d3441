#include "providers/connection_test.h"

#include <memory>

#include "model/headers.h"
#include "providers/provider_adapter.h"

namespace sb {

namespace {

// The header a provider reports its API version in, and the configured value it answers to.
std::string_view version_header(ProviderKind kind) { return kind == ProviderKind::Anthropic ? "anthropic-version" : "openai-version"; }

std::string configured_version(const ProviderConfig& provider) {
    return provider.kind == ProviderKind::Anthropic ? provider.anthropic_version : provider.openai_version;
}

}  // namespace

void test_connection(HttpClient& client, const ProviderConfig& provider, std::function<void(ConnectionTest)> done) {
    std::shared_ptr<const ProviderAdapter> adapter = make_provider_adapter(provider.kind);
    ChatRequest ping;
    ping.provider = provider.name;
    ping.model = provider.default_model;
    ping.messages = {{Role::User, "ping"}};
    ping.max_tokens = 1;
    ping.source = "connection-test";

    ConnectionTest test;
    test.provider = provider.name;
    test.model = provider.default_model;
    test.configured_version = configured_version(provider);
    HttpRequest request = adapter->build_request(ping, provider, provider.default_model);
    client.send(std::move(request), [adapter, kind = provider.kind, test = std::move(test), done = std::move(done)](
                                        HttpResponse&& response) mutable {
        test.http_status = response.status;
        test.timings = response.timings;
        if (const auto reported = header_value(response.headers, version_header(kind))) test.reported_version = *reported;
        if (auto answer = adapter->parse_response(response)) test.reply = answer->content;
        else test.error = std::move(answer.error());
        done(std::move(test));
    });
}

}  // namespace sb
