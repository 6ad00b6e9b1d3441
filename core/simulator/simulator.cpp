// The only Beast translation unit of the simulator: sockets, parsing, timers and framing.
#include "simulator/simulator.h"

#include <chrono>
#include <limits>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace sb {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using boost::beast::error_code;

namespace {

std::string_view field(const http::request<http::string_body>& request, std::string_view name)
{
    const auto it = request.find(boost::beast::string_view(name.data(), name.size()));
    if (it == request.end())
        return {};
    const auto value = it->value();
    return {value.data(), value.size()};
}

std::chrono::microseconds as_duration(double ms)
{
    return std::chrono::microseconds(static_cast<std::int64_t>(ms * 1000.0));
}

// One keep-alive connection. Every handler runs on the connection's strand.
class Session final : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket socket, SimHandler& handler)
        : m_socket(std::move(socket)), m_timer(m_socket.get_executor()), m_handler(handler)
    {
    }

    void start() { read_header(); }

private:
    void read_header()
    {
        m_parser.emplace();
        // Any length passes the header; on_header applies the target's own limit.
        m_parser->body_limit(std::numeric_limits<std::uint64_t>::max());
        http::async_read_header(m_socket, m_buffer, *m_parser,
                                [self = shared_from_this()](error_code ec, std::size_t) {
                                    self->on_header(ec);
                                });
    }

    void on_header(error_code ec)
    {
        if (ec)
            return close();
        const auto& head = m_parser->get();
        const std::string_view method(head.method_string().data(), head.method_string().size());
        const std::string_view target(head.target().data(), head.target().size());
        const std::uint64_t limit = SimHandler::body_limit(method, target);
        m_parser->body_limit(limit);
        // A body announced too large is refused before it is read (and before any 100 Continue).
        if (const auto length = m_parser->content_length(); length && *length > limit) {
            SimRequest view;
            view.method = method;
            view.target = target;
            m_plan = m_handler.refuse_oversized(view, *length);
            m_keep_alive = false;
            m_drain = true;
            return write_reply();
        }
        // libcurl waits a second for this before sending a large body; answer it at once.
        if (boost::beast::iequals(head[http::field::expect], "100-continue")) {
            static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
            net::async_write(m_socket, net::buffer(kContinue.data(), kContinue.size()),
                             [self = shared_from_this()](error_code ec, std::size_t) {
                                 if (ec)
                                     return self->close();
                                 self->read_body();
                             });
            return;
        }
        read_body();
    }

    void read_body()
    {
        http::async_read(m_socket, m_buffer, *m_parser,
                         [self = shared_from_this()](error_code ec, std::size_t) {
                             self->on_request(ec);
                         });
    }

    void on_request(error_code ec)
    {
        if (ec)
            return close();
        const auto& request = m_parser->get();
        m_keep_alive = request.keep_alive();
        SimRequest view;
        view.method = {request.method_string().data(), request.method_string().size()};
        view.target = {request.target().data(), request.target().size()};
        view.body = request.body();
        view.host = field(request, "host");
        view.content_type = field(request, "content-type");
        view.authorization = field(request, "authorization");
        view.api_key = field(request, "x-api-key");
        view.sim_key = field(request, "x-sim-key");
        view.sim_fault = field(request, "x-sim-fault");
        view.sim_fault_times = field(request, "x-sim-fault-times");
        view.sim_latency_ms = field(request, "x-sim-latency-ms");
        view.sim_echo = !field(request, "x-sim-echo").empty();
        view.sim_retry_after = field(request, "x-sim-retry-after");
        view.sim_chunk_interval_ms = field(request, "x-sim-chunk-interval-ms");
        view.sim_reply_bytes = field(request, "x-sim-reply-bytes");
        view.sim_batch_delay_ms = field(request, "x-sim-batch-delay-ms");
        m_plan = m_handler.handle(view);

        if (m_plan.action == SimResponse::Action::hang)
            return hang();
        if (m_plan.delay_ms <= 0)
            return act();
        m_timer.expires_after(as_duration(m_plan.delay_ms));
        m_timer.async_wait([self = shared_from_this()](error_code ec) {
            if (ec)
                return self->close();
            self->act();
        });
    }

    void act()
    {
        switch (m_plan.action) {
        case SimResponse::Action::reset: {
            error_code ignored;
            m_socket.set_option(net::socket_base::linger(true, 0), ignored);  // close sends RST
            m_socket.close(ignored);
            return;
        }
        case SimResponse::Action::stream:
            return write_stream_head();
        default:
            if (m_plan.ending != SimResponse::Ending::complete)
                return write_partial_reply();
            return write_reply();
        }
    }

    // Headers that promise the whole body, then only its first `ending_after` bytes.
    void write_partial_reply()
    {
        const auto status = static_cast<http::status>(m_plan.status);
        const auto reason = http::obsolete_reason(status);
        m_chunk = "HTTP/1.1 " + std::to_string(m_plan.status) + " " + std::string(reason.data(), reason.size())
            + "\r\n";
        for (const auto& [name, value] : m_plan.headers)
            m_chunk += name + ": " + value + "\r\n";
        m_chunk += "Content-Length: " + std::to_string(m_plan.body.size()) + "\r\n\r\n";
        m_chunk.append(m_plan.body, 0, std::min(m_plan.ending_after, m_plan.body.size()));
        net::async_write(m_socket, net::buffer(m_chunk), [self = shared_from_this()](error_code ec, std::size_t) {
            if (ec)
                return self->close();
            self->end_early();
        });
    }

    // The planned death of a connection mid-answer.
    void end_early()
    {
        if (m_plan.ending == SimResponse::Ending::stall)
            return hang();
        error_code ignored;
        m_socket.set_option(net::socket_base::linger(true, 0), ignored);  // close sends RST
        m_socket.close(ignored);
    }

    bool ends_here() const
    {
        return m_plan.ending != SimResponse::Ending::complete && m_next_event >= m_plan.ending_after;
    }

    void write_reply()
    {
        m_reply.emplace(static_cast<http::status>(m_plan.status), 11);
        for (const auto& [name, value] : m_plan.headers)
            m_reply->set(name, value);
        m_reply->body() = std::move(m_plan.body);
        m_reply->keep_alive(m_keep_alive);
        m_reply->prepare_payload();
        http::async_write(m_socket, *m_reply, [self = shared_from_this()](error_code ec, std::size_t) {
            self->on_done(ec);
        });
    }

    void write_stream_head()
    {
        m_head.emplace(static_cast<http::status>(m_plan.status), 11);
        for (const auto& [name, value] : m_plan.headers)
            m_head->set(name, value);
        m_head->keep_alive(m_keep_alive);
        m_head->chunked(true);
        m_head_writer.emplace(*m_head);
        m_next_event = 0;
        http::async_write_header(m_socket, *m_head_writer,
                                 [self = shared_from_this()](error_code ec, std::size_t) {
                                     if (ec)
                                         return self->close();
                                     self->next_chunk();
                                 });
    }

    void next_chunk()
    {
        const auto& events = m_plan.events;
        if (ends_here())
            return end_early();
        if (m_next_event == events.size()) {
            net::async_write(m_socket, http::make_chunk_last(),
                             [self = shared_from_this()](error_code ec, std::size_t) {
                                 self->on_done(ec);
                             });
            return;
        }
        const bool pace = m_plan.chunk_interval_ms > 0;
        if (pace && events[m_next_event].paced) {
            m_timer.expires_after(as_duration(m_plan.chunk_interval_ms));
            m_timer.async_wait([self = shared_from_this()](error_code ec) {
                if (ec)
                    return self->close();
                self->write_chunk();
            });
            return;
        }
        write_chunk();
    }

    // Sends the next event plus every following one that need not wait, in one chunk.
    void write_chunk()
    {
        const auto& events = m_plan.events;
        const bool pace = m_plan.chunk_interval_ms > 0;
        m_chunk.clear();
        do {
            m_chunk += events[m_next_event++].bytes;
        } while (m_next_event < events.size() && !(pace && events[m_next_event].paced) && !ends_here());
        net::async_write(m_socket, http::make_chunk(net::buffer(m_chunk)),
                         [self = shared_from_this()](error_code ec, std::size_t) {
                             if (ec)
                                 return self->close();
                             self->next_chunk();
                         });
    }

    void on_done(error_code ec)
    {
        if (!ec && m_drain) {
            // The unread body is still coming: closing now would reset the connection and could
            // lose the answer, so stop sending and read until the client closes.
            error_code ignored;
            m_socket.shutdown(tcp::socket::shutdown_send, ignored);
            return hang();
        }
        if (ec || !m_keep_alive)
            return close();
        read_header();
    }

    // Never answer, but notice when the client gives up so the connection is freed.
    void hang()
    {
        m_socket.async_read_some(net::buffer(m_sink),
                                 [self = shared_from_this()](error_code ec, std::size_t) {
                                     if (ec)
                                         return self->close();
                                     self->hang();
                                 });
    }

    void close()
    {
        error_code ignored;
        m_timer.cancel();
        m_socket.shutdown(tcp::socket::shutdown_both, ignored);
        m_socket.close(ignored);
    }

    tcp::socket m_socket;
    net::steady_timer m_timer;
    SimHandler& m_handler;
    boost::beast::flat_buffer m_buffer;
    std::optional<http::request_parser<http::string_body>> m_parser;
    SimResponse m_plan;
    bool m_keep_alive = true;
    bool m_drain = false;  // the answer went out before the body was read
    std::optional<http::response<http::string_body>> m_reply;
    std::optional<http::response<http::empty_body>> m_head;
    std::optional<http::response_serializer<http::empty_body>> m_head_writer;
    std::size_t m_next_event = 0;
    std::string m_chunk;
    std::array<char, 512> m_sink{};
};

}  // namespace

struct Simulator::Server {
    explicit Server(SimHandler& handler) : handler(handler) {}

    void accept()
    {
        acceptor.async_accept(net::make_strand(context), [this](error_code ec, tcp::socket socket) {
            if (ec == net::error::operation_aborted)
                return;
            if (!ec) {
                error_code ignored;
                socket.set_option(tcp::no_delay(true), ignored);
                std::make_shared<Session>(std::move(socket), handler)->start();
            }
            accept();
        });
    }

    SimHandler& handler;
    net::io_context context;  // declared before what it serves, so it is destroyed last
    tcp::acceptor acceptor{context};
    std::vector<std::thread> threads;
};

Simulator::Simulator(SimulatorProfile profile, SimulatorOptions options)
    : m_options(std::move(options)), m_handler(std::move(profile), m_options.api_key)
{
}

Simulator::~Simulator()
{
    stop();
}

std::expected<std::uint16_t, std::string> Simulator::start(std::uint16_t port)
{
    if (m_server)
        return std::unexpected("simulator: already running on port " + std::to_string(m_port));
    auto server = std::make_unique<Server>(m_handler);
    const std::string where = m_options.address + ":" + std::to_string(port);
    error_code ec;
    const auto address = net::ip::make_address(m_options.address, ec);
    if (ec)
        return std::unexpected("simulator: bad listen address '" + m_options.address + "'");
    const tcp::endpoint endpoint(address, port);
    auto& acceptor = server->acceptor;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec)
        acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec)
        acceptor.bind(endpoint, ec);
    if (!ec)
        acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
        return std::unexpected("simulator: cannot listen on " + where + ": " + ec.message());
    m_port = acceptor.local_endpoint(ec).port();
    if (ec)
        return std::unexpected("simulator: cannot read the bound port: " + ec.message());

    server->accept();
    const int threads = std::max(1, m_options.threads);
    for (int i = 0; i < threads; ++i)
        server->threads.emplace_back([context = &server->context] { context->run(); });
    m_server = std::move(server);
    return m_port;
}

void Simulator::stop()
{
    if (!m_server)
        return;
    // Stopping the context abandons every pending operation; destroying it then frees each
    // session, which closes its socket, hanging connections included.
    m_server->context.stop();
    for (auto& thread : m_server->threads)
        thread.join();
    m_server.reset();
    m_port = 0;
}

}  // namespace sb
