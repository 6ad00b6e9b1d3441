#pragma once
// How the OpenAI-compatible gateway listens and whom it lets in.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace sb {

class GatewayAuth;
class ResponseChannel;
struct GatewayRequest;

// The PEM files an https listener presents: the certificate (its chain after it) and its key.
struct GatewayTls {
    std::filesystem::path cert_file;
    std::filesystem::path key_file;
};

struct GatewayOptions {
    std::string address = "127.0.0.1";  // loopback unless told
    std::uint16_t port = 8080;          // 0 = ephemeral (tests)
    int threads = 2;
    std::optional<GatewayTls> tls;  // https (TLS 1.2 or later); none = plain http
    std::size_t max_body_bytes = 20 << 20;  // room for a few photos as base64 (serve --max-body-mb)
    std::size_t max_header_bytes = 16 << 10;
    // A request (headers and body) must arrive within this; also the keep-alive idle limit.
    // Slow and idle clients are closed, so they cannot hold connections open for free.
    std::chrono::milliseconds read_timeout{30'000};
    GatewayAuth* auth = nullptr;                // required for /v1/*; null = every /v1 request is 401
    bool allow_unauthenticated = false;         // `serve --no-auth`, local development only
    std::string admin_key_sha256;               // hex SHA-256 of the admin key; empty = admin API off (404)
    std::function<std::string()> metrics_text;  // GET /metrics body (Prometheus text); empty = 404
    bool forward_sim_headers = false;           // pass x-sim-* request headers upstream (demo/tests)
    // The console's admin API (/admin/v1/…), behind the admin key; empty = 404. It answers
    // through the channel, possibly later and from another thread, possibly as a stream.
    std::function<void(const GatewayRequest&, const std::shared_ptr<ResponseChannel>&)> console_api;
    // Set on a fleet member: the fleet's state as JSON text, which /admin/stats adds as "fleet".
    // There the unversioned PUT /admin/routing and /admin/cache/rules are refused: they would
    // change this instance alone.
    std::function<std::string()> fleet_json;
};

}  // namespace sb
