#pragma once
// Which handler answers which method and path, and the small endpoints themselves:
// /v1/models, /metrics, /healthz, /readyz, the admin API's key check. Unknown paths are 404,
// known paths with another method 405 with Allow — always as an OpenAI error body.
#include <atomic>
#include <cstdint>
#include <memory>

#include "gateway/anthropic_messages.h"
#include "gateway/chat_completions.h"
#include "gateway/embeddings_endpoint.h"
#include "gateway/gateway_http.h"
#include "gateway/gateway_options.h"
#include "gateway/openai_batch_passthrough.h"
#include "gateway/responses_endpoint.h"

namespace sb {

class Engine;

class GatewayRoutes final {
public:
    GatewayRoutes(Engine& engine, const GatewayOptions& options);

    void handle(const GatewayRequest& request, const std::shared_ptr<ResponseChannel>& channel);
    void set_stopping() { m_stopping = true; }  // /readyz answers 503 from now on

private:
    GatewayResponse models(const GatewayRequest& request) const;
    GatewayResponse ready() const;
    GatewayResponse admin(const GatewayRequest& request) const;

    Engine& m_engine;
    const GatewayOptions& m_options;
    ChatCompletions m_chat;
    AnthropicMessages m_messages;
    ResponsesEndpoint m_responses;
    EmbeddingsEndpoint m_embeddings;
    OpenAIBatchPassthrough m_batch_passthrough;
    std::int64_t m_started_unix_s;
    std::atomic<bool> m_stopping{false};
};

}  // namespace sb
