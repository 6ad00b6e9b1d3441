#pragma once
// Who a /v1 request comes from: its bearer token through GatewayAuth, or nobody in particular
// when the gateway runs without keys (`serve --no-auth`).
#include <expected>
#include <optional>

#include "gateway/gateway_auth.h"
#include "gateway/gateway_errors.h"
#include "gateway/gateway_options.h"

namespace sb {

// Which headers may carry the caller's key: Bearer always; Anthropic's clients send x-api-key.
enum class KeyHeaders { BearerOnly, BearerOrXApiKey };

// nullopt caller: unauthenticated access is allowed. Errors are 401 invalid_api_key.
std::expected<std::optional<GatewayCaller>, GatewayError> authenticate_caller(const GatewayOptions& options,
                                                                              const Headers& headers,
                                                                              KeyHeaders accepted = KeyHeaders::BearerOnly);

}  // namespace sb
