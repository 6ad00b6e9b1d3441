// Plain-http URLs taken apart, and HTTP/1.1 requests written out, for LoopTransport.
#include "transport/http1_request.h"

#include "model/text.h"

namespace sb {

std::optional<HttpTarget> parse_http_url(std::string_view url) {
    constexpr std::string_view scheme = "http://";
    if (url.size() <= scheme.size() || !iequals(url.substr(0, scheme.size()), scheme)) return std::nullopt;
    url.remove_prefix(scheme.size());
    const auto path_at = url.find_first_of("/?#");
    std::string_view authority = url.substr(0, path_at);
    std::string_view path = path_at == std::string_view::npos ? std::string_view("/") : url.substr(path_at);
    if (const auto fragment = path.find('#'); fragment != std::string_view::npos) path = path.substr(0, fragment);
    if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
    HttpTarget target;
    target.host_header = std::string(authority);
    std::string_view host = authority;
    std::string_view port = "80";
    if (authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = authority.substr(1, close - 1);
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') return std::nullopt;
            port = authority.substr(close + 2);
        }
    } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (host.empty() || port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string_view::npos || std::stoi(std::string(port)) > 65535)
        return std::nullopt;
    target.host = std::string(host);
    target.port = std::string(port);
    target.path = path.starts_with('?') ? "/" + std::string(path) : std::string(path);
    return target;
}

std::expected<std::string, std::string> http1_request_bytes(const HttpRequest& request, const HttpTarget& target) {
    std::string wire;
    wire.reserve(256 + request.body.size());
    wire.append(request.method).append(" ").append(target.path).append(" HTTP/1.1\r\nHost: ");
    wire.append(target.host_header).append("\r\n");
    bool has_length = false;
    for (const auto& [name, value] : request.headers) {
        if (name.find_first_of("\r\n:") != std::string::npos || value.find_first_of("\r\n") != std::string::npos)
            return std::unexpected("the request header \"" + name + "\" contains a line break or colon");
        if (iequals(name, "host")) continue;
        if (iequals(name, "content-length")) has_length = true;
        wire.append(name).append(": ").append(value).append("\r\n");
    }
    if (!has_length && (request.method != "GET" && request.method != "HEAD"))
        wire.append("Content-Length: ").append(std::to_string(request.body.size())).append("\r\n");
    wire.append("\r\n").append(request.body);
    return wire;
}

}  // namespace sb
