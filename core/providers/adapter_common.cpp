#include "providers/adapter_common.h"

#include "model/utf8.h"
#include "providers/json_fields.h"

namespace sb::adapter {

std::string join_url(std::string_view base_url, std::string_view path) {
    while (!base_url.empty() && base_url.back() == '/') base_url.remove_suffix(1);
    while (!path.empty() && path.front() == '/') path.remove_prefix(1);
    return std::string(base_url) + "/" + std::string(path);
}

HttpRequest make_post(const ProviderConfig& provider, const ChatRequest& request, std::string_view path,
                      const Headers& auth, std::string body) {
    HttpRequest http;
    http.method = "POST";
    http.url = join_url(provider.base_url, path);
    http.headers = {{"content-type", "application/json"},
                    {"accept", request.stream ? "text/event-stream" : "application/json"}};
    http.headers.insert(http.headers.end(), auth.begin(), auth.end());
    for (const auto& [name, value] : provider.headers) http.headers.emplace_back(to_lower(name), value);
    for (const auto& [name, value] : request.extra_headers) http.headers.emplace_back(to_lower(name), value);
    http.body = std::move(body);
    http.connect_timeout = provider.timeouts.connect;
    http.total_timeout = provider.timeouts.total;
    http.idle_timeout = provider.timeouts.idle;
    http.max_response_bytes = request.stream ? kMaxStreamResponseBytes : kMaxResponseBytes;
    return http;
}

std::optional<Error> unsuccessful(const HttpResponse& response) {
    if (response.cancelled) return wire::make_error(ErrorClass::Cancelled, "request cancelled");
    if (response.curl_code != 0 || response.status == 0)
        return classify_transport_error(response.curl_code, response.curl_error);
    if (response.status < 200 || response.status > 299)
        return classify_http_error(response.status, response.headers, response.body);
    return std::nullopt;
}

std::expected<nlohmann::json, Error> json_body(const HttpResponse& response, std::string_view label) {
    if (auto error = unsuccessful(response)) return std::unexpected(std::move(*error));
    // A stray invalid byte in an answer is repaired (model/utf8.h), not a reason to refuse it.
    std::string repaired;
    auto json = nlohmann::json::parse(valid_utf8_view(response.body, repaired), nullptr, false);
    if (json.is_discarded()) {
        auto error = wire::make_error(ErrorClass::MalformedResponse,
                                      std::string(label) + " response body is not JSON (HTTP " +
                                          std::to_string(response.status) + ", " +
                                          std::to_string(response.body.size()) + " bytes)");
        error.http_status = response.status;
        return std::unexpected(error);
    }
    return json;
}

}  // namespace sb::adapter
