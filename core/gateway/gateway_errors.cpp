#include "gateway/gateway_errors.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace sb {

GatewayError invalid_request(std::string message, std::string param, std::string code) {
    return {400, std::move(message), "invalid_request_error", std::move(param), std::move(code)};
}

// OpenAI answers a missing or wrong key with this type and code; clients look for the code.
GatewayError invalid_api_key(std::string message) {
    return {401, std::move(message), "invalid_request_error", "", "invalid_api_key"};
}

GatewayError not_found(std::string message, std::string code) {
    return {404, std::move(message), "invalid_request_error", "", std::move(code)};
}

GatewayError method_not_allowed(std::string_view method, std::string_view path, std::string allow) {
    GatewayError error{405,
                       std::string(method) + " is not allowed on " + std::string(path) + "; use " + allow,
                       "invalid_request_error"};
    error.code = "method_not_allowed";
    error.allow = std::move(allow);
    return error;
}

std::string param_of(std::string_view message) {
    const auto colon = message.find(": ");
    if (colon == std::string_view::npos || colon == 0) return {};
    const auto path = message.substr(0, colon);
    for (char c : path)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '[' && c != ']')
            return {};
    return std::string(path);
}

GatewayError gateway_error_for(const Error& error) {
    GatewayError out;
    out.status = http_status_for(error.cls);
    out.type = std::string(openai_error_type_for(error.cls));
    // No HTTP response and no transport error: we decided it, and the message says why.
    const bool local = error.http_status == 0 && error.curl_code == 0;
    out.message = local && !error.message.empty() ? error.message : std::string(user_facing_text(error.cls));
    out.retry_after = error.retry_after;
    if ((error.cls == ErrorClass::Auth || error.cls == ErrorClass::Permission) && !local) {
        // The provider refused *our* credentials for it. Passed on as a 401/403, the caller's
        // SDK would report the caller's own gateway key as wrong; it is the gateway's config.
        const bool auth = error.cls == ErrorClass::Auth;
        out.status = 502;
        out.type = "api_error";
        out.code = auth ? "upstream_authentication_failed" : "upstream_permission_denied";
        out.message = std::string(auth ? "The upstream provider rejected the gateway's API key for it"
                                       : "The upstream provider refused the gateway's API key access") +
                      " (HTTP " + std::to_string(error.http_status ? error.http_status : (auth ? 401 : 403)) +
                      "). Your gateway key is valid; the operator must fix the provider's api_key.";
        return out;
    }
    switch (error.cls) {
        case ErrorClass::BadRequest:
        case ErrorClass::ContextLength:
            if (local) out.param = param_of(error.message);
            if (error.cls == ErrorClass::ContextLength) out.code = "context_length_exceeded";
            break;
        case ErrorClass::NotFound:
            out.code = "model_not_found";
            out.param = "model";
            break;
        case ErrorClass::RateLimited:
            out.code = "rate_limit_exceeded";
            break;
        case ErrorClass::QuotaExhausted:
        case ErrorClass::Budget:
            out.code = "insufficient_quota";
            break;
        case ErrorClass::ContentFilter:
            out.code = "content_filter";
            break;
        default:
            break;
    }
    return out;
}

nlohmann::json error_json(const GatewayError& error) {
    nlohmann::json body = {
        {"message", error.message},
        {"type", error.type},
        {"param", error.param.empty() ? nlohmann::json(nullptr) : nlohmann::json(error.param)},
        {"code", error.code.empty() ? nlohmann::json(nullptr) : nlohmann::json(error.code)}};
    if (!error.details.empty()) body["details"] = error.details;
    return {{"error", std::move(body)}};
}

GatewayResponse error_response(const GatewayError& error) {
    auto response = json_response(error.status, error_json(error));
    if (error.retry_after) {
        const auto ms = std::max<std::int64_t>(error.retry_after->count(), 1);
        response.headers.emplace_back("retry-after", std::to_string((ms + 999) / 1000));
    }
    if (!error.allow.empty()) response.headers.emplace_back("allow", error.allow);
    return response;
}

}  // namespace sb
