#pragma once
// Pieces every adapter shares: the POST skeleton with the provider's timeouts and
// extra headers, and the first step of reading a response (transport error, HTTP error
// or a JSON body).
#include <expected>
#include <nlohmann/json.hpp>
#include <string_view>

#include "config/config.h"
#include "model/chat.h"
#include "model/error.h"
#include "transport/http_types.h"

namespace sb::adapter {

// "https://api.openai.com/v1/" + "/chat/completions" without a doubled slash.
std::string join_url(std::string_view base_url, std::string_view path);

// POST with JSON body and the provider's timeouts; `auth` headers go before the
// provider's static headers and the request's pass-through headers.
HttpRequest make_post(const ProviderConfig& provider, const ChatRequest& request, std::string_view path,
                      const Headers& auth, const nlohmann::json& body);

// The JSON body of a 2xx response, or the classified error. `label` names the provider
// in MalformedResponse messages ("OpenAI response body is not JSON").
std::expected<nlohmann::json, Error> json_body(const HttpResponse& response, std::string_view label);

}  // namespace sb::adapter
