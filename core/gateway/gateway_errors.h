#pragma once
// Every failure the gateway answers, as OpenAI sends it:
// {"error":{"message","type","param","code"}} with the matching status and, for limits,
// Retry-After in whole seconds (rounded up).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/gateway_http.h"
#include "model/error.h"

namespace sb {

struct GatewayError {
    int status = 500;
    std::string message;
    std::string type = "server_error";
    std::string param;  // empty = null
    std::string code;   // empty = null
    std::optional<std::chrono::milliseconds> retry_after;
    std::string allow;                 // 405: the methods the path takes
    std::vector<std::string> details;  // admin API: every "path: rule" of a refused change
};

GatewayError invalid_request(std::string message, std::string param = {}, std::string code = {});
GatewayError invalid_api_key(std::string message);
GatewayError not_found(std::string message, std::string code = {});
GatewayError method_not_allowed(std::string_view method, std::string_view path, std::string allow);

// An engine or auth error. Decisions made here (validation, limits, budgets) keep their
// message, which names the field; upstream failures get the user-facing text of their class.
GatewayError gateway_error_for(const Error& error);

// "messages[2].content: must not be empty" → "messages[2].content"; "" when there is no path.
std::string param_of(std::string_view message);

nlohmann::json error_json(const GatewayError& error);
GatewayResponse error_response(const GatewayError& error);

}  // namespace sb
