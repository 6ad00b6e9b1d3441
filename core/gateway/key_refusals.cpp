// The wording of a gateway key's refusals.
#include "gateway/key_refusals.h"

#include <algorithm>
#include <cstdio>
#include <string>

namespace sb {

namespace {

Error refusal(ErrorClass cls, std::string message) {
    Error error;
    error.cls = cls;
    error.message = std::move(message);
    return error;
}

std::string dollars_text(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "$%.2f", value);
    return text;
}

std::string key_name(const GatewayKeyInfo& key) { return "API key '" + key.name + "' (id " + key.id + ")"; }

}  // namespace

Error key_over_budget(const GatewayKeyInfo& key, double spent_usd, std::int64_t now_ms, std::string_view scope) {
    return refusal(ErrorClass::Budget, key_name(key) + " has spent " + dollars_text(spent_usd) + " of its " +
                                           dollars_text(key.limits.monthly_budget_usd) + " monthly budget" +
                                           std::string(scope) + "; it resets at " +
                                           format_utc_ms(utc_next_month_start_ms(now_ms)));
}

Error key_request_too_large(const GatewayKeyInfo& key, std::int64_t estimated_tokens, std::int64_t tpm) {
    return refusal(ErrorClass::RequestTooLarge, "the request needs about " + std::to_string(estimated_tokens) +
                                                    " tokens, more than the " + std::to_string(tpm) +
                                                    " tokens per minute " + key_name(key) + " may use");
}

Error key_rate_limited(const GatewayKeyInfo& key, const GatewayKeyLimits& limits, std::int64_t requests_wait_ms,
                       std::int64_t tokens_wait_ms, std::string_view scope) {
    std::string which;
    if (requests_wait_ms > 0) which = std::to_string(limits.rpm) + " requests per minute";
    if (tokens_wait_ms > 0) which += (which.empty() ? "" : " and ") + std::to_string(limits.tpm) + " tokens per minute";
    Error error = refusal(ErrorClass::RateLimited, key_name(key) + " is limited to " + which + std::string(scope));
    error.retry_after = std::chrono::milliseconds(std::max(requests_wait_ms, tokens_wait_ms));
    return error;
}

}  // namespace sb
