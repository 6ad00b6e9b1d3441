#include "gateway/openai_batch_passthrough.h"

#include <algorithm>

#include "engine/engine.h"
#include "gateway/caller_auth.h"
#include "gateway/chat_admission.h"
#include "gateway/gateway_errors.h"
#include "model/request_id.h"
#include "model/text.h"
#include "transport/http_client.h"

namespace sb {
namespace {

// "/v1/files/file-abc/content" → "files/file-abc/content"; the methods each path allows.
std::string_view passthrough_path(std::string_view path) {
    if (path.starts_with("/v1/")) path.remove_prefix(4);
    return path;
}

std::string_view passthrough_methods(std::string_view path) {
    const auto rest = passthrough_path(path);
    const auto slashes = std::count(rest.begin(), rest.end(), '/');
    if (rest == "files" || rest == "batches") return "GET, POST";
    if (rest.starts_with("files/") && slashes == 1) return "GET, DELETE";
    if (rest.starts_with("files/") && slashes == 2 && rest.ends_with("/content")) return "GET";
    if (rest.starts_with("batches/") && slashes == 1) return "GET";
    if (rest.starts_with("batches/") && slashes == 2 && rest.ends_with("/cancel")) return "POST";
    return {};
}

bool method_listed(std::string_view method, std::string_view allowed) {
    while (!allowed.empty()) {
        const auto comma = allowed.find(", ");
        if (allowed.substr(0, comma) == method) return true;
        allowed.remove_prefix(comma == std::string_view::npos ? allowed.size() : comma + 2);
    }
    return false;
}

}  // namespace

OpenAIBatchPassthrough::OpenAIBatchPassthrough(Engine& engine, const GatewayOptions& options)
    : m_engine(engine), m_options(options) {}

OpenAIBatchPassthrough::~OpenAIBatchPassthrough() = default;

bool OpenAIBatchPassthrough::handles(std::string_view path) {
    return (path.starts_with("/v1/files") || path.starts_with("/v1/batches")) && !passthrough_methods(path).empty();
}

HttpClient& OpenAIBatchPassthrough::client() {
    std::call_once(m_client_once, [this] { m_client = std::make_unique<HttpClient>(); });
    return *m_client;
}

void OpenAIBatchPassthrough::handle(const GatewayRequest& http, const std::shared_ptr<ResponseChannel>& channel) {
    const std::string request_id = new_request_id();
    auto refuse = [&](const GatewayError& error) { refuse_request(*channel, error, request_id); };
    const auto allowed = passthrough_methods(http.path);
    if (!method_listed(http.method, allowed))
        return refuse(method_not_allowed(http.method, http.path, std::string(allowed)));
    if (auto caller = authenticate_caller(m_options, http.headers); !caller) return refuse(caller.error());

    const ProviderConfig* provider = nullptr;
    const auto providers = m_engine.providers();
    for (const auto& candidate : *providers)
        if (candidate.enabled && candidate.kind == ProviderKind::OpenAI) {
            provider = &candidate;
            break;
        }
    if (!provider)
        return refuse(not_found("No enabled OpenAI provider: the Files and Batch APIs pass through to OpenAI only",
                                "no_openai_provider"));

    HttpRequest upstream;
    upstream.method = http.method;
    upstream.url = provider->base_url + "/" + std::string(passthrough_path(http.path)) +
                   (http.query.empty() ? "" : "?" + http.query);
    if (!provider->api_key.empty()) upstream.headers.emplace_back("authorization", "Bearer " + provider->api_key);
    if (!provider->organization.empty()) upstream.headers.emplace_back("openai-organization", provider->organization);
    if (!provider->project.empty()) upstream.headers.emplace_back("openai-project", provider->project);
    for (const auto& [name, value] : provider->headers) upstream.headers.emplace_back(to_lower(name), value);
    if (auto type = header_value(http.headers, "content-type")) upstream.headers.emplace_back("content-type", std::string(*type));
    upstream.body = http.body;
    upstream.connect_timeout = provider->timeouts.connect;
    upstream.total_timeout = provider->timeouts.total;
    upstream.idle_timeout = provider->timeouts.idle;

    const std::string name = provider->name;
    client().send(std::move(upstream), [channel, request_id, name](HttpResponse&& response) {
        if (response.status == 0) {
            GatewayError error;
            error.status = 502;
            error.type = "api_error";
            error.code = "upstream_unreachable";
            error.message = "provider " + name + " could not be reached: " + response.curl_error;
            return refuse_request(*channel, error, request_id);
        }
        const auto type = header_value(response.headers, "content-type");
        auto answer = text_response(response.status, type ? std::string(*type) : "application/json",
                                    std::move(response.body));
        answer.headers.emplace_back("x-request-id", request_id);
        answer.headers.emplace_back("x-switchboard-provider", name);
        channel->respond(std::move(answer));
    });
}

}  // namespace sb
