#include "providers/provider_batch_api.h"

#include "providers/anthropic_batch_api.h"
#include "providers/openai_batch_api.h"
#include "model/text.h"

namespace sb {

HttpRequest batch_api_request(const ProviderConfig& provider, std::string method, std::string url, Headers headers,
                              std::string body, std::string content_type) {
    HttpRequest http;
    http.method = std::move(method);
    http.url = std::move(url);
    http.headers = std::move(headers);
    for (const auto& [name, value] : provider.headers) http.headers.emplace_back(to_lower(name), value);
    if (!body.empty()) http.headers.emplace_back("content-type", std::move(content_type));
    http.body = std::move(body);
    http.connect_timeout = provider.timeouts.connect;
    http.total_timeout = provider.timeouts.total;
    http.idle_timeout = provider.timeouts.idle;
    return http;
}

std::vector<std::string_view> jsonl_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const auto end = text.find('\n');
        const auto line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        if (!trim_space(line).empty()) lines.push_back(line);
    }
    return lines;
}

std::optional<Error> batch_api_failure(const HttpResponse& response) {
    if (response.curl_code != 0 || response.status == 0)
        return classify_transport_error(response.curl_code, response.curl_error);
    if (response.status < 200 || response.status >= 300)
        return classify_http_error(response.status, response.headers, response.body);
    return std::nullopt;
}

std::unique_ptr<ProviderBatchApi> make_provider_batch_api(const ProviderConfig& provider, ProviderBatchApi::Fetch fetch) {
    switch (provider.kind) {
    case ProviderKind::OpenAI: return make_openai_batch_api(provider, std::move(fetch));
    case ProviderKind::Anthropic: return make_anthropic_batch_api(provider, std::move(fetch));
    case ProviderKind::OpenAICompatible: return nullptr;
    }
    return nullptr;
}

}  // namespace sb
