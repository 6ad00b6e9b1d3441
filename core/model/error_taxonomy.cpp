// The error taxonomy (declared in error.h): one table of per-class facts, one ordered rule
// table for HTTP/provider errors and one for libcurl codes.
#include <curl/curl.h>

#include <array>
#include <string>

#include "model/error.h"
#include "model/error_body.h"
#include "model/text.h"

namespace sb {
namespace {

struct ClassInfo {
    ErrorClass cls;
    std::string_view name;
    ErrorPolicy policy;
    bool never_in_place;  // retrying the same target cannot help, whatever x-should-retry says
    int http_status;      // what our gateway answers
    std::string_view openai_type;
    std::string_view user_text;
};

using enum ErrorClass;

// clang-format off
constexpr std::array<ClassInfo, 18> kClasses{{
    //  class              name                  retry  failover backoff  never  status  openai type                   user-facing text
    {None,              "none",               {false, false, 1.0}, false, 200, "",                          "OK"},
    {RateLimited,       "rate_limited",       {true,  true,  1.0}, false, 429, "rate_limit_error",          "The upstream provider is rate limiting requests; retry later."},
    {Overloaded,        "overloaded",         {true,  true,  2.0}, false, 503, "service_unavailable_error", "The upstream provider is overloaded; retry later."},
    {ServerTransient,   "server_transient",   {true,  true,  2.0}, false, 502, "server_error",              "The upstream provider had a temporary error."},
    {Timeout,           "timeout",            {true,  true,  1.0}, false, 504, "server_error",              "The upstream provider did not answer in time."},
    {Network,           "network",            {true,  true,  1.0}, false, 502, "server_error",              "The upstream provider could not be reached."},
    {Auth,              "auth",               {false, true,  1.0}, true,  401, "authentication_error",      "The upstream provider rejected the credentials."},
    {Permission,        "permission",         {false, true,  1.0}, true,  403, "permission_error",          "The upstream provider refused access to this resource."},
    {BadRequest,        "bad_request",        {false, false, 1.0}, false, 400, "invalid_request_error",     "The request is invalid."},
    {ContextLength,     "context_length",     {false, false, 1.0}, true,  400, "invalid_request_error",     "The conversation is too long for the model's context window."},
    {RequestTooLarge,   "request_too_large",  {false, false, 1.0}, true,  413, "invalid_request_error",     "The request body is too large."},
    {NotFound,          "not_found",          {false, true,  1.0}, false, 404, "invalid_request_error",     "The model or resource was not found."},
    {QuotaExhausted,    "quota_exhausted",    {false, true,  1.0}, true,  429, "insufficient_quota",        "The upstream account is out of quota or over its spend limit."},
    {ContentFilter,     "content_filter",     {false, false, 1.0}, true,  400, "invalid_request_error",     "The request was refused by a content filter."},
    {MalformedResponse, "malformed_response", {true,  true,  1.0}, false, 502, "server_error",              "The upstream provider sent a response that could not be read."},
    {Cancelled,         "cancelled",          {false, false, 1.0}, true,  499, "request_cancelled",         "The request was cancelled."},
    {Budget,            "budget",             {false, false, 1.0}, true,  429, "insufficient_quota",        "The request was refused by the configured budget."},
    {Internal,          "internal",           {false, false, 1.0}, true,  500, "server_error",              "Internal error."},
}};
// clang-format on

const ClassInfo& info(ErrorClass cls) {
    for (const auto& entry : kClasses)
        if (entry.cls == cls) return entry;
    return kClasses.back();
}

struct StatusRange {
    int lo = 0;
    int hi = 0;
};
constexpr StatusRange kAny{0, 999};
constexpr StatusRange status(int code) {
    return {code, code};
}

// A rule matches when every non-empty field matches; the first match wins, so the table
// runs from the most specific evidence (the provider's code) to the least (the status).
struct Rule {
    StatusRange status;
    std::string_view type;     // error.type, exact
    std::string_view code;     // error.code or error.details.error_code, exact
    std::string_view message;  // substring of the message, case-insensitive
    ErrorClass cls;
};

// clang-format off
constexpr Rule kRules[] = {
    // Provider codes decide first: a 429 insufficient_quota is not a rate limit.
    {kAny, "", "insufficient_quota",                   "", QuotaExhausted},
    {kAny, "", "credit_balance_exhausted",             "", QuotaExhausted},
    {kAny, "", "organization_spend_limit_exceeded",    "", QuotaExhausted},
    {kAny, "", "project_spend_limit_exceeded",         "", QuotaExhausted},
    {kAny, "", "organization_usage_limit_exceeded",    "", QuotaExhausted},
    {kAny, "", "billing_hard_limit_reached",           "", QuotaExhausted},
    {kAny, "", "enforced_spend_limit_reached",         "", QuotaExhausted},
    {kAny, "", "context_length_exceeded",              "", ContextLength},
    {kAny, "", "invalid_api_key",                      "", Auth},
    {kAny, "", "model_not_found",                      "", NotFound},
    {kAny, "", "unsupported_country_region_territory", "", Permission},
    {kAny, "", "server_is_overloaded",                 "", Overloaded},
    {kAny, "", "slow_down",                            "", RateLimited},
    {kAny, "", "rate_limit_exceeded",                  "", RateLimited},
    {kAny, "", "content_filter",                       "", ContentFilter},
    {kAny, "", "content_policy_violation",             "", ContentFilter},
    // Messages, where the provider has no code for it.
    {kAny, "", "", "reached your specified API usage limits", QuotaExhausted},  // Anthropic own spend cap, a 400
    {kAny, "", "", "prompt is too long",                      ContextLength},
    {kAny, "", "", "maximum context length",                  ContextLength},
    {kAny, "", "", "context window",                          ContextLength},
    // Types that name one class whatever the status.
    {kAny, "insufficient_quota",   "", "", QuotaExhausted},
    {kAny, "billing_error",        "", "", QuotaExhausted},
    {kAny, "authentication_error", "", "", Auth},
    {kAny, "permission_error",     "", "", Permission},
    {kAny, "request_forbidden",    "", "", Permission},
    {kAny, "not_found_error",      "", "", NotFound},
    {kAny, "request_too_large",    "", "", RequestTooLarge},
    {kAny, "rate_limit_error",     "", "", RateLimited},
    {kAny, "overloaded_error",     "", "", Overloaded},
    {kAny, "timeout_error",        "", "", ServerTransient},
    {kAny, "conflict_error",       "", "", ServerTransient},
    // The status, when the body said nothing more specific.
    {status(401), "", "", "", Auth},
    {status(402), "", "", "", QuotaExhausted},
    {status(403), "", "", "", Permission},
    {status(404), "", "", "", NotFound},
    {status(408), "", "", "", ServerTransient},
    {status(409), "", "", "", ServerTransient},
    {status(413), "", "", "", RequestTooLarge},
    {status(429), "", "", "", RateLimited},
    {status(503), "", "", "", Overloaded},
    {status(529), "", "", "", Overloaded},
    {{400, 499},  "", "", "", BadRequest},
    {{500, 599},  "", "", "", ServerTransient},
    // Generic types only decide when there is no error status (a mid-stream error).
    {kAny, "invalid_request_error", "", "", BadRequest},
    {kAny, "api_error",             "", "", ServerTransient},
    {kAny, "server_error",          "", "", ServerTransient},
    {kAny, "",                      "", "", ServerTransient},
};
// clang-format on

ErrorClass match_rules(int http_status, const detail::ErrorBody& body) {
    for (const auto& rule : kRules) {
        if (http_status < rule.status.lo || http_status > rule.status.hi) continue;
        if (!rule.type.empty() && rule.type != body.type) continue;
        if (!rule.code.empty() && rule.code != body.code) continue;
        if (!rule.message.empty() && ifind(body.message, rule.message) == std::string_view::npos) continue;
        return rule.cls;
    }
    return ServerTransient;
}

// "HTTP 429 rate_limit_exceeded: Rate limit reached for …"
std::string describe(std::string_view prefix, const detail::ErrorBody& body) {
    std::string text(prefix);
    const std::string& label = body.code.empty() ? body.type : body.code;
    if (!label.empty()) text += " " + label;
    if (!body.shape_problem.empty()) text += " (" + body.shape_problem + ")";
    if (!body.message.empty()) text += ": " + body.message;
    return text;
}

std::optional<bool> parse_bool_header(const Headers& headers, std::string_view name) {
    auto value = header_value(headers, name);
    if (!value) return std::nullopt;
    if (iequals(*value, "true")) return true;
    if (iequals(*value, "false")) return false;
    return std::nullopt;
}

struct CurlRule {
    int code;
    std::string_view name;
    ErrorClass cls;
    bool retry_in_place;
};

// clang-format off
constexpr CurlRule kCurlRules[] = {
    {CURLE_COULDNT_RESOLVE_PROXY,      "COULDNT_RESOLVE_PROXY",      Network,   true},
    {CURLE_COULDNT_RESOLVE_HOST,       "COULDNT_RESOLVE_HOST",       Network,   true},
    {CURLE_COULDNT_CONNECT,            "COULDNT_CONNECT",            Network,   true},
    {CURLE_SEND_ERROR,                 "SEND_ERROR",                 Network,   true},
    {CURLE_RECV_ERROR,                 "RECV_ERROR",                 Network,   true},
    {CURLE_GOT_NOTHING,                "GOT_NOTHING",                Network,   true},
    {CURLE_PARTIAL_FILE,               "PARTIAL_FILE",               Network,   true},
    {CURLE_SSL_CONNECT_ERROR,          "SSL_CONNECT_ERROR",          Network,   true},
    {CURLE_HTTP2,                      "HTTP2",                      Network,   true},
    {CURLE_HTTP2_STREAM,               "HTTP2_STREAM",               Network,   true},
    {CURLE_WEIRD_SERVER_REPLY,         "WEIRD_SERVER_REPLY",         Network,   true},
    {CURLE_OPERATION_TIMEDOUT,         "OPERATION_TIMEDOUT",         Timeout,   true},
    {CURLE_ABORTED_BY_CALLBACK,        "ABORTED_BY_CALLBACK",        Cancelled, false},
    // A body past the transport's size limit: the same target would send it again; another may not.
    {CURLE_FILESIZE_EXCEEDED,          "FILESIZE_EXCEEDED",          MalformedResponse, false},
    // A certificate problem will not fix itself on the same host; another target may be fine.
    {CURLE_PEER_FAILED_VERIFICATION,   "PEER_FAILED_VERIFICATION",   Network,   false},
    {CURLE_SSL_CACERT_BADFILE,         "SSL_CACERT_BADFILE",         Network,   false},
    {CURLE_SSL_CERTPROBLEM,            "SSL_CERTPROBLEM",            Network,   false},
    {CURLE_SSL_PINNEDPUBKEYNOTMATCH,   "SSL_PINNEDPUBKEYNOTMATCH",   Network,   false},
    {CURLE_SSL_INVALIDCERTSTATUS,      "SSL_INVALIDCERTSTATUS",      Network,   false},
    {CURLE_SSL_ISSUER_ERROR,           "SSL_ISSUER_ERROR",           Network,   false},
    {CURLE_TOO_MANY_REDIRECTS,         "TOO_MANY_REDIRECTS",         BadRequest, false},
    {CURLE_URL_MALFORMAT,              "URL_MALFORMAT",              Internal,  false},
    {CURLE_UNSUPPORTED_PROTOCOL,       "UNSUPPORTED_PROTOCOL",       Internal,  false},
    {CURLE_OUT_OF_MEMORY,              "OUT_OF_MEMORY",              Internal,  false},
    {CURLE_FAILED_INIT,                "FAILED_INIT",                Internal,  false},
    {CURLE_BAD_FUNCTION_ARGUMENT,      "BAD_FUNCTION_ARGUMENT",      Internal,  false},
};
// clang-format on

}  // namespace

std::span<const ErrorClass> error_classes() {
    static constexpr auto classes = [] {
        std::array<ErrorClass, kClasses.size()> out{};
        for (std::size_t i = 0; i < kClasses.size(); ++i) out[i] = kClasses[i].cls;
        return out;
    }();
    return classes;
}

std::string_view to_string(ErrorClass cls) {
    return info(cls).name;
}

std::optional<ErrorClass> error_class_from_string(std::string_view text) {
    for (const auto& entry : kClasses)
        if (entry.name == text) return entry.cls;
    return std::nullopt;
}

ErrorPolicy policy_for(ErrorClass cls) {
    return info(cls).policy;
}

bool should_retry_in_place(const Error& error) {
    const auto& entry = info(error.cls);
    if (error.should_retry == false || entry.never_in_place) return false;
    return error.should_retry == true || entry.policy.retry;
}

bool may_fail_over(const Error& error) {
    return info(error.cls).policy.failover;
}

Error classify_http_error(int status, const Headers& headers, std::string_view body) {
    auto parsed = detail::read_error_body(body);
    Error error;
    error.cls = match_rules(status, parsed);
    error.http_status = status;
    error.provider_type = parsed.type;
    error.provider_code = parsed.code;
    error.message = describe("HTTP " + std::to_string(status), parsed);
    error.should_retry = parse_bool_header(headers, "x-should-retry");
    error.retry_after = parse_retry_after(headers);
    if (auto id = header_value(headers, "x-request-id"))
        error.provider_request_id = *id;
    else if (auto anthropic_id = header_value(headers, "request-id"))
        error.provider_request_id = *anthropic_id;
    else
        error.provider_request_id = parsed.request_id;
    return error;
}

Error classify_stream_error(std::string_view data_json) {
    Error error;
    error.http_status = 200;  // the stream had started with a 200
    auto json = nlohmann::json::parse(data_json, nullptr, false);
    if (json.is_discarded()) {
        error.cls = MalformedResponse;
        error.message = "stream error event is not JSON: " + detail::clean_message(data_json, 160);
        return error;
    }
    auto parsed = detail::read_error_json(json);
    // No HTTP error status here: pass 0 so the type and code alone decide.
    error.cls = parsed.shape_problem.empty() ? match_rules(0, parsed) : MalformedResponse;
    error.provider_type = parsed.type;
    error.provider_code = parsed.code;
    error.provider_request_id = parsed.request_id;
    error.message = describe("stream error", parsed);
    return error;
}

Error classify_transport_error(int curl_code, std::string_view curl_message) {
    if (curl_code == CURLE_OK) return Error{};
    Error error;
    error.curl_code = curl_code;
    error.cls = Network;  // an unlisted transfer failure is most likely the connection
    std::string_view name = "other";
    for (const auto& rule : kCurlRules) {
        if (rule.code != curl_code) continue;
        error.cls = rule.cls;
        name = rule.name;
        if (!rule.retry_in_place) error.should_retry = false;
        break;
    }
    std::string_view detail = curl_message.empty()
                                  ? std::string_view(curl_easy_strerror(static_cast<CURLcode>(curl_code)))
                                  : curl_message;
    error.message = "libcurl error " + std::to_string(curl_code) + " (" + std::string(name) +
                    "): " + detail::clean_message(detail);
    return error;
}

int http_status_for(ErrorClass cls) {
    return info(cls).http_status;
}
std::string_view user_facing_text(ErrorClass cls) {
    return info(cls).user_text;
}
std::string_view openai_error_type_for(ErrorClass cls) {
    return info(cls).openai_type;
}

}  // namespace sb
