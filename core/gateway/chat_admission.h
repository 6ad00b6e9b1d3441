#pragma once
// What every engine endpoint (chat completions, Anthropic messages, the Responses API, embeddings) does
// around the engine: authenticate the caller, admit the request (validation, routing, the
// model, the key's limits), and charge the key for the answer. Each endpoint reads its own
// wire format and writes its own answers and errors.
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "engine/engine.h"
#include "gateway/gateway_auth.h"
#include "gateway/gateway_errors.h"
#include "gateway/gateway_http.h"
#include "gateway/gateway_options.h"

namespace sb {

struct AdmittedChat {
    AdmittedRequest admitted;
    std::function<void(const RequestResult&)> charge;  // bills the caller's key for a finished request
};

// Fills in what the gateway owns (id, source, cache policy, simulator headers), then admits.
// On success the engine's cancel() is wired to the client's disconnect.
std::expected<AdmittedChat, GatewayError> admit_chat(Engine& engine, const GatewayOptions& options,
                                                     const std::optional<GatewayCaller>& caller, ChatRequest request,
                                                     const GatewayRequest& http,
                                                     const std::shared_ptr<ResponseChannel>& channel);

// An OpenAI-shaped error answer with the request's id (and, for a finished request, the
// x-switchboard-* headers of `extra`).
void refuse_request(ResponseChannel& channel, const GatewayError& error, const std::string& request_id,
                    Headers extra = {});

// x-request-id and the x-switchboard-* headers of a finished request.
Headers result_headers(const RequestResult& result);

// The trailers a stream announces: which target answered is known only at the end.
inline constexpr std::string_view kResultTrailers =
    "x-switchboard-cache, x-switchboard-provider, x-switchboard-model, x-switchboard-tier, x-switchboard-cost-usd";

}  // namespace sb
