#pragma once
// POST /v1/embeddings: authenticate and admit the caller, read OpenAI's embeddings body,
// submit it to the engine (routing over the providers listing the model, the key's limits, the
// cache, cost, metrics, history) and answer with the provider's body as it came.
#include <memory>

#include "gateway/gateway_http.h"
#include "gateway/gateway_options.h"

namespace sb {

class Engine;

class EmbeddingsEndpoint final {
public:
    EmbeddingsEndpoint(Engine& engine, const GatewayOptions& options) : m_engine(engine), m_options(options) {}

    // Answers through `channel`, now (a refused request) or from an engine thread later.
    void handle(const GatewayRequest& request, const std::shared_ptr<ResponseChannel>& channel);

private:
    Engine& m_engine;
    const GatewayOptions& m_options;
};

}  // namespace sb
