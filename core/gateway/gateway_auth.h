#pragma once
// Who may call the gateway, and how much. The HTTP server asks this interface and nothing
// else about keys: GatewayKeyStore (keys stored hashed in SQLite, per-key limits and
// budgets) implements it for `switchboard-gateway serve` and the console.
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "model/error.h"

namespace sb {

struct GatewayCaller {
    std::string key_id;    // stable id of the key (never the secret)
    std::string key_name;  // what the operator called it: "checkout-service"
};

class GatewayAuth {
public:
    virtual ~GatewayAuth() = default;

    // The caller a bearer token belongs to. Error class Auth (→ 401, OpenAI's
    // "invalid_api_key") when it is missing, unknown or revoked.
    virtual std::expected<GatewayCaller, Error> authenticate(std::string_view bearer_token) = 0;
    // Before the request is sent: the key's requests-per-minute and tokens-per-minute limits
    // and its budget. RateLimited (→ 429 with retry_after) or Budget (→ 429, "insufficient_quota").
    virtual std::expected<void, Error> admit(const GatewayCaller& caller, std::int64_t estimated_tokens) = 0;
    // After it finished: what it really used, charged to the key.
    virtual void charge(const GatewayCaller& caller, std::int64_t tokens, double cost_usd) = 0;
};

}  // namespace sb
