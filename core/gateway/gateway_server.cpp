// The listener: acceptor, Asio threads, start and stop. Connections: gateway_session.cpp.
//
// One io_context per thread, each run by that thread alone, and every connection bound to one
// of them (round robin): the context is the connection's strand (an implicit one). A shared
// context with several threads costs a futex hand-off between its threads on most requests
// (one waits in epoll, another runs the handler); here the thread that sees a socket ready runs
// its handler, and an engine callback wakes exactly the thread that owns the connection.
#include "gateway/gateway_server.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "gateway/gateway_routes.h"
#include "gateway/gateway_session.h"
#include "gateway/tls_certificate.h"
#include "transport/loop_transport.h"
#include "transport/url_policy.h"

namespace sb {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::system::error_code;

struct GatewayServer::Impl {
    Impl(Engine& engine, GatewayOptions opts) : options(std::move(opts)), routes(engine, options) {}

    void accept() {
        net::io_context& owner = *contexts[next_context++ % contexts.size()];
        acceptor->async_accept(owner, [this](error_code ec, tcp::socket socket) {
            if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
            if (ec) {
                // Out of file descriptors, most likely: try again shortly instead of spinning.
                retry->expires_after(std::chrono::milliseconds(50));
                retry->async_wait([this](error_code wait) {
                    if (!wait) accept();
                });
                return;
            }
            error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);
            if (certificate)
                start_gateway_tls_session(std::move(socket), certificate->current(), routes, options, gate,
                                          handshake_failures);
            else
                start_gateway_session(std::move(socket), routes, options, gate);
            accept();
        });
    }

    // Declared in the order they must outlive each other: sessions (owned by the context)
    // refer to the routes and options.
    GatewayOptions options;
    GatewayRoutes routes;
    std::unique_ptr<TlsCertificate> certificate;  // https; null for plain http
    TlsHandshakeFailures handshake_failures;
    std::shared_ptr<PostGate> gate = std::make_shared<PostGate>();
    // One per thread, each run by its thread only (concurrency hint 1); the acceptor lives on the first.
    std::vector<std::unique_ptr<net::io_context>> contexts;
    std::size_t next_context = 0;  // acceptor handler only
    std::optional<tcp::acceptor> acceptor;
    std::optional<net::steady_timer> retry;
    std::vector<std::thread> threads;
};

GatewayServer::GatewayServer(std::unique_ptr<Impl> impl, std::uint16_t port)
    : m_impl(std::move(impl)), m_port(port) {}

GatewayServer::~GatewayServer() {
    stop();
}

std::expected<std::unique_ptr<GatewayServer>, std::string> GatewayServer::start(Engine& engine,
                                                                                GatewayOptions options) {
    // Without keys, /v1 spends the providers' keys for whoever reaches it: only this machine may.
    if (options.allow_unauthenticated && !is_loopback_host(options.address))
        return std::unexpected("gateway: unauthenticated access is served on loopback only, not on \"" +
                               options.address + "\"");
    std::unique_ptr<TlsCertificate> certificate;
    if (options.tls) {
        auto loaded = TlsCertificate::load(*options.tls);
        if (!loaded) return std::unexpected(loaded.error());
        certificate = std::move(*loaded);
    }
    const std::string where = options.address + ":" + std::to_string(options.port);
    const int threads = std::max(1, options.threads);
    auto impl = std::make_unique<Impl>(engine, std::move(options));
    impl->certificate = std::move(certificate);
    for (int i = 0; i < threads; ++i) impl->contexts.push_back(std::make_unique<net::io_context>(1));
    impl->acceptor.emplace(*impl->contexts.front());
    impl->retry.emplace(*impl->contexts.front());
    error_code ec;
    const auto address = net::ip::make_address(impl->options.address, ec);
    if (ec) return std::unexpected("gateway: bad listen address \"" + impl->options.address + "\"");
    const tcp::endpoint endpoint(address, impl->options.port);
    auto& acceptor = *impl->acceptor;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return std::unexpected("gateway: cannot listen on " + where + ": " + ec.message());
    const auto port = acceptor.local_endpoint(ec).port();
    if (ec) return std::unexpected("gateway: cannot read the bound port: " + ec.message());

    impl->accept();
    for (auto& context : impl->contexts)
        impl->threads.emplace_back([context = context.get()] {
            // The engine's plain-http upstream calls made on this thread run on its own loop:
            // the answer comes back to the thread that owns the caller's connection.
            LoopTransport transport(*context);
            LoopTransport::Scope lend(transport);
            // Idle contexts (no connection yet) must not return from run().
            auto guard = net::make_work_guard(*context);
            context->run();
        });
    return std::unique_ptr<GatewayServer>(new GatewayServer(std::move(impl), port));
}

std::expected<void, std::string> GatewayServer::reload_tls() {
    if (!m_impl || !m_impl->certificate) return std::unexpected(std::string("gateway: TLS is off"));
    return m_impl->certificate->reload();
}

TlsHandshakeFailures::Tally GatewayServer::tls_handshake_failures() const {
    if (!m_impl) return {};
    return m_impl->handshake_failures.tally();
}

void GatewayServer::stop() {
    if (!m_impl || m_impl->contexts.empty()) return;
    m_impl->routes.set_stopping();
    {
        // From here on, engine callbacks drop what they would have posted.
        std::lock_guard lock(m_impl->gate->mutex);
        m_impl->gate->open = false;
    }
    for (auto& context : m_impl->contexts) context->stop();
    for (auto& thread : m_impl->threads) thread.join();
    m_impl->threads.clear();
    // Destroying a context frees its sessions (closing each socket and cancelling its engine
    // request); the acceptor and timer go first, they use the first context.
    m_impl->acceptor.reset();
    m_impl->retry.reset();
    m_impl->contexts.clear();
}

}  // namespace sb
