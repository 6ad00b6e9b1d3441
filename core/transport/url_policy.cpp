// Which upstream URLs a provider may use, decided on libcurl's own parse of the URL.
#include "transport/url_policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <optional>

#include "model/text.h"
#include "transport/curl_handles.h"

namespace sb {

namespace {

// The part of `url` libcurl knows as `part`; nullopt when it has none.
std::optional<std::string> url_part(CURLU* url, CURLUPart part) {
    char* text = nullptr;
    const CURLUcode code = curl_url_get(url, part, &text, 0);
    const CurlString owned(text);
    if (code != CURLUE_OK || !owned) return std::nullopt;
    return std::string(owned.get());
}

std::string_view unbracketed(std::string_view host) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') return host.substr(1, host.size() - 2);
    return host;
}

}  // namespace

bool is_loopback_host(std::string_view host) {
    if (iequals(host, "localhost")) return true;
    in_addr v4{};
    if (inet_pton(AF_INET, std::string(host).c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    if (inet_pton(AF_INET6, std::string(unbracketed(host)).c_str(), &v6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
    return false;
}

std::expected<void, std::string> check_base_url(std::string_view url,
                                                std::span<const std::string> allow_http_hosts) {
    const CurlUrl parsed(curl_url());
    if (!parsed) return std::unexpected(std::string("cannot be checked: out of memory"));
    if (const auto code = curl_url_set(parsed.get(), CURLUPART_URL, std::string(url).c_str(), 0);
        code != CURLUE_OK)
        return std::unexpected(std::string("must be an http:// or https:// URL (") + curl_url_strerror(code) +
                               ")");
    const std::string scheme = url_part(parsed.get(), CURLUPART_SCHEME).value_or("");
    if (scheme != "http" && scheme != "https")
        return std::unexpected("must be an http:// or https:// URL (\"" + scheme + "\" is neither)");
    const std::string host = to_lower(url_part(parsed.get(), CURLUPART_HOST).value_or(""));
    if (host.empty()) return std::unexpected(std::string("must be an http:// or https:// URL with a host"));

    // Even an empty user or password counts: "http://127.0.0.1@evil.example" goes to evil.example.
    // The credentials themselves are never repeated in the message, which is logged.
    if (url_part(parsed.get(), CURLUPART_USER) || url_part(parsed.get(), CURLUPART_PASSWORD))
        return std::unexpected(
            "must not hold a user name or password (the part before '@'; the host here is \"" + host +
            "\"): a URL is logged and saved in plain text, so give the key in api_key");

    if (scheme == "https" || is_loopback_host(host)) return {};
    const auto listed = [&](const std::string& allowed) {
        return allowed == host || allowed == unbracketed(host);
    };
    if (std::any_of(allow_http_hosts.begin(), allow_http_hosts.end(), listed)) return {};
    return std::unexpected(
        "must be https:// unless the host is loopback or listed in transport.allow_http_hosts; \"" + host +
        "\" is neither (loopback: an address in 127.0.0.0/8, [::1], or the name localhost)");
}

}  // namespace sb
