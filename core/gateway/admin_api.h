#pragma once
// The admin API: live stats, routing and cache rules, behind the admin key. Callers check the
// key (admin_key_matches) before handing a request here.
#include <string_view>

#include "gateway/gateway_http.h"

namespace sb {

class Engine;

// Constant-time comparison of SHA-256(token) with the configured hex digest.
bool admin_key_matches(std::string_view token, std::string_view admin_key_sha256);

// Is `path` one of the admin API's, and which methods does it take ("GET, PUT")?
std::string_view admin_methods(std::string_view path);

// GET /admin/stats, GET|PUT /admin/routing, GET|PUT /admin/cache/rules.
GatewayResponse handle_admin(Engine& engine, const GatewayRequest& request);

}  // namespace sb
