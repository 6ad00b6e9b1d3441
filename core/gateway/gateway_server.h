#pragma once
// The OpenAI-compatible HTTP/1.1 gateway over an Engine: Boost.Beast on a few Asio threads,
// one strand per connection, keep-alive, no thread per connection (a thousand open streams
// are a thousand sockets and a few buffers), plain http or https. Routes: gateway_routes.h.
//
// Stop (or destroy) the server before the engine it serves: open requests are cancelled
// while the engine is still there.
#include <cstdint>
#include <expected>
#include <memory>
#include <string>

#include "gateway/gateway_options.h"
#include "gateway/tls_handshake_failures.h"

namespace sb {

class Engine;

class GatewayServer final {
public:
    // Fails, among other reasons, when options.tls names files that cannot be read, are not
    // PEM or do not match (the message names the file and OpenSSL's reason).
    static std::expected<std::unique_ptr<GatewayServer>, std::string> start(Engine& engine,
                                                                            GatewayOptions options);
    ~GatewayServer();
    GatewayServer(const GatewayServer&) = delete;
    GatewayServer& operator=(const GatewayServer&) = delete;

    std::uint16_t port() const { return m_port; }
    // Closes the listener and every connection, cancels open requests; idempotent.
    void stop();

    // Re-reads the TLS certificate and key for new connections (open ones keep theirs). On
    // failure, or with TLS off, the certificate in use stays and the error says why.
    std::expected<void, std::string> reload_tls();
    // https only: the handshakes that failed since start.
    TlsHandshakeFailures::Tally tls_handshake_failures() const;

    struct Impl;

private:
    explicit GatewayServer(std::unique_ptr<Impl> impl, std::uint16_t port);
    std::unique_ptr<Impl> m_impl;
    std::uint16_t m_port = 0;
};

}  // namespace sb
