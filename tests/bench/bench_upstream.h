#pragma once
// The benchmarks' upstream: one OpenAI-compatible provider on the loopback simulator, its
// concurrency pinned (the adaptive limit is not what they measure) and the cache off, so
// identical bodies all reach the upstream.
#include <cstdint>
#include <string>

#include "config/config.h"
#include "model/chat.h"

namespace sb::bench {

inline Config loopback_upstream_config(std::uint16_t port, int concurrency) {
    ProviderConfig provider;
    provider.name = "openai";
    provider.kind = ProviderKind::OpenAI;
    provider.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
    provider.api_key = "sk-bench-dummy";
    provider.default_model = "gpt-4o-mini";
    provider.models = {"gpt-4o-mini"};
    provider.concurrency.min = provider.concurrency.initial = provider.concurrency.max = concurrency;
    Config config;
    config.providers = {provider};
    config.default_provider = "openai";
    config.cache.enabled = false;
    return config;
}

// The request the benchmarks' load generators send, as the gateway hands it to the engine.
inline ChatRequest engine_request() {
    ChatRequest request;
    request.model = "gpt-4o-mini";
    request.messages = {{Role::System, "You are a concise customer-service assistant."},
                        {Role::User, "Is item 42 in stock, and when can it ship?"}};
    request.max_tokens = 64;
    request.source = "bench";
    return request;
}

}  // namespace sb::bench
