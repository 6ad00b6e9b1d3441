#pragma once
// Pieces every adapter shares: the POST skeleton with the provider's timeouts and
// extra headers, and the first step of reading a response (transport error, HTTP error
// or a JSON body).
#include <cstddef>
#include <expected>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "config/config.h"
#include "model/chat.h"
#include "model/error.h"
#include "transport/http_types.h"

namespace sb::adapter {

// "https://api.openai.com/v1/" + "/chat/completions" without a doubled slash.
std::string join_url(std::string_view base_url, std::string_view path);

// The most an answer may weigh on the wire. A whole body is held in memory until it is
// parsed, so it gets the tighter bound: the longest answers models give today (128k output
// tokens) are well under 1 MiB of JSON. A stream is decoded as it arrives and only its text
// is kept, but every token carries ~250 bytes of chunk framing, so its bound is wider.
inline constexpr std::size_t kMaxResponseBytes = 32u << 20;        // 32 MiB
inline constexpr std::size_t kMaxStreamResponseBytes = 256u << 20;  // 256 MiB

// POST with a JSON body (its text) and the provider's timeouts; `auth` headers go before
// the provider's static headers and the request's pass-through headers.
HttpRequest make_post(const ProviderConfig& provider, const ChatRequest& request, std::string_view path,
                      const Headers& auth, std::string body);

// The classified error of a response that is not a 2xx answer (cancelled, a transport
// failure, an HTTP error status), or nothing.
std::optional<Error> unsuccessful(const HttpResponse& response);

// The JSON body of a 2xx response, or the classified error. `label` names the provider
// in MalformedResponse messages ("OpenAI response body is not JSON").
std::expected<nlohmann::json, Error> json_body(const HttpResponse& response, std::string_view label);

}  // namespace sb::adapter
