#pragma once
// Which upstream URLs a provider may use: http or https with no credentials in them, and plain
// http only to a loopback address or a host the operator listed. URLs are taken apart by
// libcurl's own parser, so the host judged is the host libcurl connects to: it reads
// 0x7f000001 and 127.1 as 127.0.0.1 (loopback), and 127.evil.example as a name (not loopback).
#include <expected>
#include <span>
#include <string>
#include <string_view>

namespace sb {

// An address in 127.0.0.0/8, ::1 or ::ffff:127.x.y.z (IPv6 with or without brackets), or the
// name localhost in any case. Other names are never resolved, so never loopback: not
// foo.localhost, not localhost., not 127.0.0.1.evil.example. Numbers are read as inet_pton reads
// them (dotted quad), so give a host as libcurl normalised it, or as a listen address.
bool is_loopback_host(std::string_view host);

// Nothing when `url` may be a provider's base URL; else the rule it breaks and why, e.g.
// `must be https:// unless the host is loopback or listed in transport.allow_http_hosts;
// "127.evil.example" is neither …`. `allow_http_hosts` holds lower-case host names.
std::expected<void, std::string> check_base_url(std::string_view url,
                                                std::span<const std::string> allow_http_hosts);

}  // namespace sb
