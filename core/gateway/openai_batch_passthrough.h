#pragma once
// OpenAI's Files and Batch APIs passed through to the first enabled OpenAI provider, with the
// provider's key instead of the caller's gateway key:
//   POST /v1/files, GET /v1/files, GET|DELETE /v1/files/{id}, GET /v1/files/{id}/content,
//   POST /v1/batches, GET /v1/batches, GET /v1/batches/{id}, POST /v1/batches/{id}/cancel.
// The caller is authenticated like every /v1 request; the bodies and answers go as they are
// (an upload is multipart/form-data). These calls are not metered: a batch's work is billed
// when it runs at the provider, out of the gateway's sight (`batch --deferred` meters it).
#include <memory>
#include <mutex>
#include <string_view>

#include "gateway/gateway_http.h"
#include "gateway/gateway_options.h"

namespace sb {

class Engine;
class HttpClient;

class OpenAIBatchPassthrough final {
public:
    OpenAIBatchPassthrough(Engine& engine, const GatewayOptions& options);
    ~OpenAIBatchPassthrough();

    static bool handles(std::string_view path);
    // Answers through `channel` when the provider has answered (or at once when refused).
    void handle(const GatewayRequest& request, const std::shared_ptr<ResponseChannel>& channel);

private:
    HttpClient& client();

    Engine& m_engine;
    const GatewayOptions& m_options;
    std::once_flag m_client_once;
    std::unique_ptr<HttpClient> m_client;  // made on first use: most gateways never see these calls
};

}  // namespace sb
