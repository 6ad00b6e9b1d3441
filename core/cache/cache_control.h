#pragma once
// The per-request cache switch as an HTTP caller sets it: the request's Cache-Control header
// (RFC 9111 directives, case-insensitive, comma-separated). "no-store" wins over "no-cache";
// other directives (max-age, private…) do not apply to a gateway's answer cache and are
// ignored.
#include <string_view>

#include "model/chat.h"

namespace sb {

CachePolicy cache_policy_from_header(std::string_view cache_control);

}  // namespace sb
