// The listener: acceptor, Asio threads, start and stop. Connections: gateway_session.cpp.
#include "gateway/gateway_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "gateway/gateway_routes.h"
#include "gateway/gateway_session.h"

namespace sb {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::system::error_code;

struct GatewayServer::Impl {
    Impl(Engine& engine, GatewayOptions opts) : options(std::move(opts)), routes(engine, options) {}

    void accept() {
        acceptor->async_accept(net::make_strand(*context), [this](error_code ec, tcp::socket socket) {
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
            start_gateway_session(std::move(socket), routes, options, gate);
            accept();
        });
    }

    // Declared in the order they must outlive each other: sessions (owned by the context)
    // refer to the routes and options.
    GatewayOptions options;
    GatewayRoutes routes;
    std::shared_ptr<PostGate> gate = std::make_shared<PostGate>();
    std::unique_ptr<net::io_context> context = std::make_unique<net::io_context>();
    std::optional<tcp::acceptor> acceptor{std::in_place, *context};
    std::optional<net::steady_timer> retry{std::in_place, *context};
    std::vector<std::thread> threads;
};

GatewayServer::GatewayServer(std::unique_ptr<Impl> impl, std::uint16_t port)
    : m_impl(std::move(impl)), m_port(port) {}

GatewayServer::~GatewayServer() {
    stop();
}

std::expected<std::unique_ptr<GatewayServer>, std::string> GatewayServer::start(Engine& engine,
                                                                                GatewayOptions options) {
    const std::string where = options.address + ":" + std::to_string(options.port);
    const int threads = std::max(1, options.threads);
    auto impl = std::make_unique<Impl>(engine, std::move(options));
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
    for (int i = 0; i < threads; ++i)
        impl->threads.emplace_back([context = impl->context.get()] { context->run(); });
    return std::unique_ptr<GatewayServer>(new GatewayServer(std::move(impl), port));
}

void GatewayServer::stop() {
    if (!m_impl || !m_impl->context) return;
    m_impl->routes.set_stopping();
    {
        // From here on, engine callbacks drop what they would have posted.
        std::lock_guard lock(m_impl->gate->mutex);
        m_impl->gate->open = false;
    }
    m_impl->context->stop();
    for (auto& thread : m_impl->threads) thread.join();
    m_impl->threads.clear();
    // Destroying the context frees every session (closing its socket and cancelling its
    // engine request); the acceptor and timer go first, they use the context.
    m_impl->acceptor.reset();
    m_impl->retry.reset();
    m_impl->context.reset();
}

}  // namespace sb
