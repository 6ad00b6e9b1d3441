#pragma once
// POST /v1/responses: authenticate and admit the caller, read the Responses API body (kept
// whole for OpenAI targets, translated to chat for the others), submit to the engine, and
// answer as one Responses object or as Responses stream events. Errors are OpenAI's.
#include <memory>

#include "gateway/gateway_http.h"
#include "gateway/gateway_options.h"

namespace sb {

class Engine;

class ResponsesEndpoint final {
public:
    ResponsesEndpoint(Engine& engine, const GatewayOptions& options) : m_engine(engine), m_options(options) {}

    // Answers through `channel`, now (a refused request) or from an engine thread later.
    void handle(const GatewayRequest& request, const std::shared_ptr<ResponseChannel>& channel);

private:
    Engine& m_engine;
    const GatewayOptions& m_options;
};

}  // namespace sb
