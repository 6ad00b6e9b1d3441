#pragma once
// POST /v1/chat/completions: authenticate and admit the caller, read the OpenAI body, submit
// to the engine, and answer as one chat.completion or as chat.completion.chunk events.
#include <cstdint>
#include <memory>

#include "gateway/gateway_http.h"
#include "gateway/gateway_options.h"

namespace sb {

class Engine;

class ChatCompletions final {
public:
    ChatCompletions(Engine& engine, const GatewayOptions& options) : m_engine(engine), m_options(options) {}

    // Answers through `channel`, now (a refused request) or from an engine thread later.
    void handle(const GatewayRequest& request, const std::shared_ptr<ResponseChannel>& channel);

private:
    Engine& m_engine;
    const GatewayOptions& m_options;
};

}  // namespace sb
