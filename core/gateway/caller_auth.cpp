#include "gateway/caller_auth.h"

#include "gateway/admin_api.h"
#include "gateway/gateway_keys.h"

namespace sb {

std::expected<std::optional<GatewayCaller>, GatewayError> authenticate_caller(const GatewayOptions& options,
                                                                              const Headers& headers,
                                                                              KeyHeaders accepted) {
    if (options.allow_unauthenticated) return std::optional<GatewayCaller>{};
    std::string_view token = bearer_token(headers);
    if (token.empty() && accepted == KeyHeaders::BearerOrXApiKey)
        if (const auto key = header_value(headers, "x-api-key")) token = *key;
    // An operator's console tries prompts with the admin key: no key's limits or spend apply.
    if (!token.empty() && !options.admin_key_sha256.empty() && !looks_like_gateway_key(token) &&
        admin_key_matches(token, options.admin_key_sha256))
        return std::optional<GatewayCaller>{};
    if (!options.auth)
        return std::unexpected(
            invalid_api_key("no gateway keys: create one with `switchboard-gateway keys create`"));
    if (token.empty())
        return std::unexpected(invalid_api_key(accepted == KeyHeaders::BearerOnly
                                                  ? "missing API key: send it as `Authorization: Bearer <key>`"
                                                  : "missing API key: send it as `x-api-key: <key>` or "
                                                    "`Authorization: Bearer <key>`"));
    auto caller = options.auth->authenticate(token);
    if (!caller)
        return std::unexpected(
            invalid_api_key(caller.error().message.empty() ? "invalid API key" : caller.error().message));
    return std::optional<GatewayCaller>{std::move(*caller)};
}

}  // namespace sb
