#pragma once
// The error taxonomy: every failure the engine can see (HTTP status + provider error
// type/code, a mid-stream error event, a libcurl error, an engine decision) becomes one
// ErrorClass. The class decides whether to retry in place, whether to fail over to another
// target, and how fast to back off. Errors are values; nothing here throws.
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "model/headers.h"

namespace sb {

enum class ErrorClass {
    None,
    RateLimited,        // 429 request/token limits, slow_down: retry after backing off
    Overloaded,         // 529 overloaded_error, 503 server_is_overloaded: retry, double the delay
    ServerTransient,    // 500, 502, 504, 408, 409: retry, double the delay
    Timeout,            // connect/total/idle-stream timeout
    Network,            // DNS, refused, reset, TLS handshake, partial body
    Auth,               // 401: never retry this target (its key is bad); fail over
    Permission,         // 403: never retry this target; fail over
    BadRequest,         // 400/422 and other 4xx: stop
    ContextLength,      // prompt too long for the model: stop (a larger model may take it)
    RequestTooLarge,    // 413: stop
    NotFound,           // 404 model or resource: stop, may fail over
    QuotaExhausted,     // insufficient_quota, spend limits, billing: never retry in place, fail over
    ContentFilter,      // refused by a safety filter: stop
    MalformedResponse,  // 2xx with a body we cannot parse: retry once elsewhere
    Cancelled,          // the caller cancelled
    Budget,             // our own budget refused the request
    Internal,           // a bug or a local resource failure (disk, memory)
};

struct ErrorPolicy {
    bool retry = false;           // may the same target be tried again?
    bool failover = false;        // may another target be tried?
    double backoff_factor = 1.0;  // multiplies the base backoff delay
};

struct Error {
    ErrorClass cls = ErrorClass::None;
    std::string message;          // what went wrong, for an operator
    int http_status = 0;          // 0 when there was no HTTP response
    std::string provider_type;    // error.type as the provider sent it
    std::string provider_code;    // error.code / error.details.error_code, numbers as text
    std::string provider_request_id;
    std::optional<bool> should_retry;                    // x-should-retry, when sent
    std::optional<std::chrono::milliseconds> retry_after;  // retry-after-ms / retry-after
    int curl_code = 0;
    explicit operator bool() const { return cls != ErrorClass::None; }
};

std::span<const ErrorClass> error_classes();                    // every class, None first
std::string_view to_string(ErrorClass cls);                     // snake_case, stable (stored in history)
std::optional<ErrorClass> error_class_from_string(std::string_view text);
ErrorPolicy policy_for(ErrorClass cls);

// Retry in place? Combines the class policy with x-should-retry; a class that can never
// succeed in place (quota, auth…) is not retried even if the server says "true".
bool should_retry_in_place(const Error& error);
bool may_fail_over(const Error& error);

// Classifies a non-2xx HTTP response. Accepts OpenAI, Anthropic and Ollama envelopes,
// bodies with no envelope (Cloudflare 413), numeric codes, HTML pages and empty bodies.
Error classify_http_error(int status, const Headers& headers, std::string_view body);

// Classifies the JSON payload of a mid-stream error (OpenAI `data: {"error":…}`,
// Anthropic `event: error`). The HTTP status of such a stream was 200.
Error classify_stream_error(std::string_view data_json);

// Classifies a libcurl result code (CURLcode as int) with curl's error text.
Error classify_transport_error(int curl_code, std::string_view curl_message);

// Reads retry-after-ms, then retry-after (seconds or HTTP-date, relative to `now`).
std::optional<std::chrono::milliseconds> parse_retry_after(
    const Headers& headers,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// One place that turns an error into what a client of ours sees.
int http_status_for(ErrorClass cls);
std::string_view user_facing_text(ErrorClass cls);
std::string_view openai_error_type_for(ErrorClass cls);  // for our OpenAI-compatible replies

}  // namespace sb
