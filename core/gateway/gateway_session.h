#pragma once
// One client connection of the gateway, plain http or https: reads requests (with limits and a
// deadline), hands each to the routes, and writes what comes back through its ResponseChannel —
// a whole response or a chunked stream. Everything runs on the connection's strand; engine
// threads reach it only by posting through the channel.
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <mutex>

namespace boost::asio::ssl {
class context;
}

namespace sb {

struct GatewayOptions;
class GatewayRoutes;
class TlsHandshakeFailures;

// Engine callbacks may outlive the server; they post only while the gate is open, and
// GatewayServer::stop() closes it before the io_context goes away.
struct PostGate {
    std::mutex mutex;
    bool open = true;
};

void start_gateway_session(boost::asio::ip::tcp::socket socket, GatewayRoutes& routes,
                           const GatewayOptions& options, std::shared_ptr<PostGate> gate);

// The same over TLS: the handshake first, within the read deadline. The connection keeps
// `certificate` for its life; a failed handshake is recorded in `failures` and closes it.
void start_gateway_tls_session(boost::asio::ip::tcp::socket socket,
                               std::shared_ptr<boost::asio::ssl::context> certificate, GatewayRoutes& routes,
                               const GatewayOptions& options, std::shared_ptr<PostGate> gate,
                               TlsHandshakeFailures& failures);

}  // namespace sb
