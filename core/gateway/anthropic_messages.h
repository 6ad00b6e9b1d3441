#pragma once
// POST /v1/messages: Anthropic's Messages API in front of the engine. The caller is
// authenticated (x-api-key or Bearer) and admitted as on /v1/chat/completions
// (chat_admission.h); the body is read as Anthropic's, and the answer is one Message or
// Anthropic's stream events. Every error is in Anthropic's shape,
// {"type":"error","error":{"type","message"},"request_id"}, with a request-id header.
#include <memory>

#include "gateway/gateway_http.h"
#include "gateway/gateway_options.h"

namespace sb {

class Engine;

class AnthropicMessages final {
public:
    AnthropicMessages(Engine& engine, const GatewayOptions& options) : m_engine(engine), m_options(options) {}

    // Answers through `channel`, now (a refused request) or from an engine thread later.
    void handle(const GatewayRequest& request, const std::shared_ptr<ResponseChannel>& channel);

private:
    Engine& m_engine;
    const GatewayOptions& m_options;
};

}  // namespace sb
