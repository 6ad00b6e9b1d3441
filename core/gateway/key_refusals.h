#pragma once
// Why a gateway key's request is refused, worded once: for the key store's own limits and for
// a fleet's (whose `scope` is " across the fleet"). No http_status: the gateway decided these,
// so callers see the message rather than a provider's generic one.
#include <cstdint>
#include <string_view>

#include "gateway/gateway_keys.h"
#include "model/error.h"

namespace sb {

// Budget (429 insufficient_quota): `spent_usd` of the month against the key's monthly budget.
Error key_over_budget(const GatewayKeyInfo& key, double spent_usd, std::int64_t now_ms, std::string_view scope = {});
// RequestTooLarge: the estimate alone exceeds the tpm limit, so waiting would not help.
Error key_request_too_large(const GatewayKeyInfo& key, std::int64_t estimated_tokens, std::int64_t tpm);
// RateLimited with Retry-After: which of `limits`' rpm and tpm is reached, and for how long.
Error key_rate_limited(const GatewayKeyInfo& key, const GatewayKeyLimits& limits, std::int64_t requests_wait_ms,
                       std::int64_t tokens_wait_ms, std::string_view scope = {});

}  // namespace sb
