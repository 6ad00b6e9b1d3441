#pragma once
// A plain-http request as LoopTransport sends it: where its URL points, and its HTTP/1.1 bytes.
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "transport/http_types.h"

namespace sb {

struct HttpTarget {
    std::string host;         // without brackets
    std::string port;         // "80" when the URL names none
    std::string path;         // origin-form, "/" at least
    std::string host_header;  // the URL's authority, as the Host header carries it
};

// "http://host[:port][/path][?query]" → its parts; nullopt for anything else (https, user
// info, a bad port).
std::optional<HttpTarget> parse_http_url(std::string_view url);

// The request line, Host, the request's headers (its own Host dropped), Content-Length when a
// body method has none, and the body. Fails on a header name with a colon or line break, or a
// value with a line break: it would end the header early and let the rest pose as headers of
// their own.
std::expected<std::string, std::string> http1_request_bytes(const HttpRequest& request, const HttpTarget& target);

}  // namespace sb
