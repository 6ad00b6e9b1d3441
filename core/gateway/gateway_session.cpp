// The only Beast translation unit of the gateway besides the listener: parsing, limits,
// timeouts, keep-alive, chunked framing and disconnect detection. One Session template serves
// both transports; what differs for TLS (the handshake, close_notify) is in `if constexpr`.
#include "gateway/gateway_session.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <atomic>
#include <deque>
#include <functional>
#include <charconv>
#include <optional>
#include <type_traits>

#include "gateway/gateway_errors.h"
#include "gateway/gateway_options.h"
#include "gateway/gateway_routes.h"
#include "gateway/response_head.h"
#include "gateway/tls_handshake_failures.h"

namespace sb {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using boost::beast::error_code;

namespace {

using PlainStream = tcp::socket;
using TlsStream = net::ssl::stream<tcp::socket>;
template <class Stream>
constexpr bool kIsTlsStream = std::is_same_v<Stream, TlsStream>;

// Bytes a client may send ahead (pipelining) while its previous answer is being produced.
constexpr std::size_t kMaxReadAhead = 64 * 1024;
// After an error that leaves a request body unread: how long to drain before closing, so the
// client reads our answer instead of a reset.
constexpr auto kLingerTime = std::chrono::seconds(2);
// How long a closing TLS connection waits for the client's close_notify after sending its own.
constexpr auto kCloseNotifyWait = std::chrono::seconds(2);

// A whole response as the bytes on the wire. A HEAD request's answer has no body, but its
// Content-Length still tells the size.
std::string response_bytes(const GatewayResponse& response, bool keep_alive, bool head_only) {
    std::string out = response_head(response.status, response.headers, keep_alive, response.body.size());
    if (!head_only) out.append(response.body);
    return out;
}

template <class Stream>
class Session;

template <class Stream>
class SessionChannel final : public ResponseChannel,
                             public std::enable_shared_from_this<SessionChannel<Stream>> {
public:
    SessionChannel(std::weak_ptr<Session<Stream>> session, std::shared_ptr<PostGate> gate)
        : m_session(std::move(session)), m_gate(std::move(gate)) {}

    void respond(GatewayResponse response) override;
    void respond_with(std::move_only_function<GatewayResponse()> make) override;
    void begin_stream(Headers headers) override;
    void send(std::string bytes) override;
    void end_stream(Headers trailers) override;
    void abort_stream() override;
    void on_disconnect(std::function<void()> callback) override {
        {
            std::lock_guard lock(m_mutex);
            if (!m_gone) {
                m_on_disconnect = std::move(callback);
                return;
            }
        }
        callback();
    }

    // From the session (strand): the response is complete, or the client is gone.
    void ended() {
        std::lock_guard lock(m_mutex);
        m_ended = true;
        m_on_disconnect = nullptr;
    }
    void gone() {
        std::function<void()> callback;
        {
            std::lock_guard lock(m_mutex);
            if (m_gone || m_ended) return;
            m_gone = true;
            callback = std::move(m_on_disconnect);
        }
        if (callback) callback();
    }

private:
    template <class F>
    void post(F&& action);

    std::weak_ptr<Session<Stream>> m_session;
    std::shared_ptr<PostGate> m_gate;
    std::mutex m_mutex;
    std::function<void()> m_on_disconnect;
    bool m_gone = false;
    bool m_ended = false;
    // Actions posted to the connection's thread and not yet run: while any is, a later one
    // must queue behind it rather than run at once, to keep their order.
    std::atomic<int> m_queued = 0;
};

template <class Stream>
Stream open_stream(tcp::socket socket, net::ssl::context* certificate) {
    if constexpr (kIsTlsStream<Stream>) return Stream(std::move(socket), *certificate);
    else return socket;
}

template <class Stream>
class Session final : public std::enable_shared_from_this<Session<Stream>> {
public:
    // `certificate` and `handshake_failures`: TLS only, null for plain http.
    Session(tcp::socket socket, std::shared_ptr<net::ssl::context> certificate, GatewayRoutes& routes,
            const GatewayOptions& options, std::shared_ptr<PostGate> gate,
            TlsHandshakeFailures* handshake_failures)
        : m_certificate(std::move(certificate)),
          m_stream(open_stream<Stream>(std::move(socket), m_certificate.get())),
          m_timer(m_stream.get_executor()),
          m_routes(routes),
          m_options(options),
          m_gate(std::move(gate)),
          m_handshake_failures(handshake_failures) {}

    ~Session() {
        // The server is stopping (or the connection died): cancel what the engine still does for us.
        if (m_channel) m_channel->gone();
    }

    void start() {
        if constexpr (kIsTlsStream<Stream>) {
            // The handshake and the first request share one deadline: a client that stalls
            // halfway through the handshake is closed like one that trickles its request.
            arm_read_deadline();
            m_stream.async_handshake(net::ssl::stream_base::server,
                                     [self = this->shared_from_this()](error_code ec) { self->on_handshake(ec); });
        } else {
            read_request();
        }
    }
    net::any_io_executor executor() { return m_stream.get_executor(); }
    bool on_its_thread() {
        const auto* loop = m_stream.get_executor().template target<net::io_context::executor_type>();
        return loop && loop->running_in_this_thread();
    }
    bool serves(const SessionChannel<Stream>* channel) const { return channel == m_channel.get(); }

    void respond(GatewayResponse response) {
        if (m_state != State::Responding) return;
        queue(response_bytes(response, m_keep_alive, m_head_request), After::Finish);
    }

    void begin_stream(Headers headers) {
        if (m_state != State::Responding) return;
        m_state = State::Streaming;
        queue(response_head(200, headers, m_keep_alive, std::nullopt), After::Nothing);
    }

    void send(std::string bytes) {
        if (m_state != State::Streaming || bytes.empty()) return;
        char size[20];
        const auto end = std::to_chars(size, size + sizeof size, bytes.size(), 16).ptr;
        std::string chunk;
        chunk.reserve(static_cast<std::size_t>(end - size) + bytes.size() + 4);
        chunk.append(size, end).append("\r\n").append(bytes).append("\r\n");
        queue(std::move(chunk), After::Nothing);
    }

    void end_stream(const Headers& trailers) {
        if (m_state != State::Streaming) return;
        std::string last = "0\r\n";
        for (const auto& [name, value] : trailers) append_header_line(last, name, value);
        queue(last + "\r\n", After::Finish);
    }

    void abort_stream() {
        if (m_state != State::Streaming) return;
        m_keep_alive = false;
        queue({}, After::Close);
    }

private:
    enum class State { Reading, Responding, Streaming, Finishing, Closed };
    enum class After { Nothing, Finish, Close, Linger };

    tcp::socket& socket() { return boost::beast::get_lowest_layer(m_stream); }

    void on_handshake(error_code ec) {
        if (ec) {
            // A client that only connected and left (a port probe) is no failure worth telling.
            const bool left = ec == net::error::eof || ec == net::ssl::error::stream_truncated;
            if (m_state == State::Closed) m_handshake_failures->record("no handshake within the read timeout");
            else if (!left) m_handshake_failures->record(ec.message());
            return close();
        }
        m_tls_open = true;
        read_request(true);
    }

    // `deadline_set`: the wait for this request's deadline is already running (finished()).
    void read_request(bool deadline_set = false) {
        m_state = State::Reading;
        m_parser.emplace();
        m_parser->header_limit(static_cast<std::uint32_t>(m_options.max_header_bytes));
        m_parser->body_limit(m_options.max_body_bytes);
        // One deadline for the whole request, headers and body: a client that trickles bytes
        // (slowloris) or idles on keep-alive is closed when it passes.
        if (!deadline_set) arm_read_deadline();
        http::async_read_header(
            m_stream, m_buffer, *m_parser,
            [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_header(ec); });
    }

    void arm_read_deadline() {
        m_timer.expires_after(m_options.read_timeout);
        m_timer.async_wait([self = this->shared_from_this()](error_code ec) {
            if (!ec && self->m_state == State::Reading) self->close();
        });
    }

    void on_header(error_code ec) {
        if (ec) return on_read_error(ec);
        // libcurl waits a second for this before sending a large body; answer it at once.
        if (boost::beast::iequals(m_parser->get()[http::field::expect], "100-continue")) {
            static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
            net::async_write(m_stream, net::buffer(kContinue.data(), kContinue.size()),
                             [self = this->shared_from_this()](error_code ec, std::size_t) {
                                 if (ec) return self->close();
                                 self->read_body();
                             });
            return;
        }
        read_body();
    }

    void read_body() {
        http::async_read(m_stream, m_buffer, *m_parser,
                         [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_request(ec); });
    }

    void on_read_error(error_code ec) {
        m_timer.cancel();
        if (m_state != State::Reading) return;
        GatewayError error;
        if (ec == http::error::body_limit) {
            error = {413,
                     "the request body is larger than " + std::to_string(m_options.max_body_bytes) + " bytes",
                     "invalid_request_error", "", "request_too_large"};
        } else if (ec == http::error::header_limit) {
            error = {431,
                     "the request headers are larger than " + std::to_string(m_options.max_header_bytes) +
                         " bytes",
                     "invalid_request_error", "", "headers_too_large"};
        } else if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
                   ec != http::error::end_of_stream && ec != http::error::partial_message) {
            error = invalid_request("malformed HTTP request: " + ec.message());
        } else {
            return close();  // the client went away, or sent half a request and stopped
        }
        m_state = State::Responding;
        m_keep_alive = false;
        respond_then_linger(error_response(error));
    }

    void respond_then_linger(GatewayResponse response) {
        queue(response_bytes(response, false, false), After::Linger);
    }

    void on_request(error_code ec) {
        if (ec) return on_read_error(ec);
        m_timer.cancel();
        auto& message = m_parser->get();
        GatewayRequest request;
        request.method = std::string(message.method_string());
        const auto target = std::string_view(message.target().data(), message.target().size());
        const auto question_mark = target.find('?');
        request.path = std::string(target.substr(0, question_mark));
        if (question_mark != std::string_view::npos) request.query = std::string(target.substr(question_mark + 1));
        for (const auto& field : message) {
            const auto name = field.name_string();
            const auto value = field.value();
            request.headers.emplace_back(to_lower(std::string_view(name.data(), name.size())),
                                         std::string(value.data(), value.size()));
        }
        request.body = std::move(message.body());
        m_keep_alive = message.keep_alive();
        m_head_request = message.method() == http::verb::head;
        m_parser.reset();

        m_state = State::Responding;
        m_channel = std::make_shared<SessionChannel<Stream>>(this->weak_from_this(), m_gate);
        watch();
        m_routes.handle(request, m_channel);
    }

    // While an answer is produced, a pending read notices a client that goes away (so the
    // engine request is cancelled) and keeps any pipelined bytes for the next request.
    void watch() {
        if (m_watching) return;
        m_watching = true;
        m_stream.async_read_some(
            m_buffer.prepare(4096),
            [self = this->shared_from_this()](error_code ec, std::size_t n) { self->on_watch(ec, n); });
    }

    void on_watch(error_code ec, std::size_t n) {
        m_watching = false;
        if (!ec || (ec == net::error::operation_aborted && n > 0)) m_buffer.commit(n);
        if (m_state == State::Closed) return;
        if (m_state == State::Reading) return read_request(true);  // the answer ended: the next request
        if (ec == net::error::operation_aborted) return;
        if (ec) return close();  // EOF or reset: the client is gone
        if (m_buffer.size() > kMaxReadAhead) return close();
        watch();
    }

    void queue(std::string bytes, After after) {
        if (!bytes.empty()) m_out.push_back(std::move(bytes));
        if (after != After::Nothing) {
            m_after = after;
            if (m_channel) m_channel->ended();
            m_state = State::Finishing;
        }
        write_next();
    }

    void write_next() {
        if (m_writing) return;
        if (m_out.empty()) {
            if (m_state == State::Finishing) finished();
            return;
        }
        m_writing = true;
        m_current = std::move(m_out.front());
        m_out.pop_front();
        net::async_write(m_stream, net::buffer(m_current),
                         [self = this->shared_from_this()](error_code ec, std::size_t) {
                             self->m_writing = false;
                             if (ec) {
                                 self->m_tls_open = false;  // a record half written: no close_notify after it
                                 return self->close();
                             }
                             self->write_next();
                         });
    }

    void finished() {
        m_channel.reset();
        const auto after = m_after;
        m_after = After::Nothing;
        if (after == After::Linger) return linger();
        if (after == After::Close || !m_keep_alive) return close();
        // Keep-alive: the next request. A pending watch read already waits for its first bytes
        // (it holds the buffer): when they come, on_watch starts the parse. Only the idle
        // deadline is set here; cancelling and re-issuing the read would cost a round through
        // the reactor and a wasted recv per request.
        m_state = State::Reading;
        if (m_watching) {
            arm_read_deadline();
            // Bytes of the next request already here (pipelined): no read will bring more,
            // so stop the watch; on_watch then parses them.
            if (m_buffer.size() > 0) {
                error_code ignored;
                socket().cancel(ignored);
            }
            return;
        }
        read_request();
    }

    // Half-close, drain what the client still sends for a while, then close. Over TLS the
    // drained bytes stay encrypted: they are thrown away, and nothing is sent after the answer.
    void linger() {
        m_state = State::Closed;
        m_tls_open = false;
        error_code ignored;
        socket().shutdown(tcp::socket::shutdown_send, ignored);
        m_timer.expires_after(kLingerTime);
        m_timer.async_wait([self = this->shared_from_this()](error_code) { self->close(); });
        drain();
    }

    void drain() {
        socket().async_read_some(net::buffer(m_sink),
                                 [self = this->shared_from_this()](error_code ec, std::size_t) {
                                     if (ec) return self->close();
                                     self->drain();
                                 });
    }

    void close() {
        m_state = State::Closed;
        if (m_channel) {
            m_channel->gone();
            m_channel.reset();
        }
        m_out.clear();
        m_timer.cancel();
        if constexpr (kIsTlsStream<Stream>) {
            if (m_tls_open && !m_writing) return send_close_notify();
        }
        close_socket();
    }

    // The TLS goodbye, so the client can tell the end from a cut connection; bounded, since
    // many clients close without answering it.
    void send_close_notify() {
        m_tls_open = false;
        error_code ignored;
        socket().cancel(ignored);  // the watch read: the close_notify goes out on its own
        m_timer.expires_after(kCloseNotifyWait);
        m_timer.async_wait([self = this->shared_from_this()](error_code ec) {
            if (!ec) self->close_socket();
        });
        m_stream.async_shutdown([self = this->shared_from_this()](error_code) {
            self->m_timer.cancel();
            self->close_socket();
        });
    }

    void close_socket() {
        error_code ignored;
        socket().shutdown(tcp::socket::shutdown_both, ignored);
        socket().close(ignored);
    }

    // Declared before the stream, which uses it.
    std::shared_ptr<net::ssl::context> m_certificate;
    Stream m_stream;
    net::steady_timer m_timer;
    GatewayRoutes& m_routes;
    const GatewayOptions& m_options;
    std::shared_ptr<PostGate> m_gate;
    TlsHandshakeFailures* m_handshake_failures;
    bool m_tls_open = false;  // handshake done and nothing broke it: a close_notify can be sent
    boost::beast::flat_buffer m_buffer;
    std::optional<http::request_parser<http::string_body>> m_parser;
    State m_state = State::Reading;
    bool m_keep_alive = true;
    bool m_head_request = false;
    bool m_watching = false;
    bool m_writing = false;
    After m_after = After::Nothing;
    std::shared_ptr<SessionChannel<Stream>> m_channel;
    std::deque<std::string> m_out;
    std::string m_current;
    std::array<char, 4096> m_sink{};
};

template <class Stream>
template <class F>
void SessionChannel<Stream>::post(F&& action) {
    std::shared_ptr<Session<Stream>> session;
    {
        std::lock_guard lock(m_gate->mutex);
        if (!m_gate->open) return;
        session = m_session.lock();
        if (!session) return;
        if (m_queued.load() != 0 || !session->on_its_thread()) {
            // The handler owns the session while it waits, so the last reference never drops here.
            ++m_queued;
            auto executor = session->executor();
            net::post(executor, [session = std::move(session), self = this->shared_from_this(),
                                 action = std::forward<F>(action)]() mutable {
                --self->m_queued;
                if (session->serves(self.get())) action(*session);
            });
            return;
        }
    }
    // Already on the connection's thread with nothing queued ahead (the answer of a call made
    // on this thread's loop): act now, so the answer leaves without another turn of the loop.
    if (session->serves(this)) action(*session);
}

template <class Stream>
void SessionChannel<Stream>::respond(GatewayResponse response) {
    post(
        [response = std::move(response)](Session<Stream>& session) mutable { session.respond(std::move(response)); });
}
template <class Stream>
void SessionChannel<Stream>::respond_with(std::move_only_function<GatewayResponse()> make) {
    post([make = std::move(make)](Session<Stream>& session) mutable { session.respond(make()); });
}
template <class Stream>
void SessionChannel<Stream>::begin_stream(Headers headers) {
    post([headers = std::move(headers)](Session<Stream>& session) mutable {
        session.begin_stream(std::move(headers));
    });
}
template <class Stream>
void SessionChannel<Stream>::send(std::string bytes) {
    post([bytes = std::move(bytes)](Session<Stream>& session) mutable { session.send(std::move(bytes)); });
}
template <class Stream>
void SessionChannel<Stream>::end_stream(Headers trailers) {
    post([trailers = std::move(trailers)](Session<Stream>& session) { session.end_stream(trailers); });
}
template <class Stream>
void SessionChannel<Stream>::abort_stream() {
    post([](Session<Stream>& session) { session.abort_stream(); });
}

}  // namespace

void start_gateway_session(tcp::socket socket, GatewayRoutes& routes, const GatewayOptions& options,
                           std::shared_ptr<PostGate> gate) {
    std::make_shared<Session<PlainStream>>(std::move(socket), nullptr, routes, options, std::move(gate), nullptr)
        ->start();
}

void start_gateway_tls_session(tcp::socket socket, std::shared_ptr<net::ssl::context> certificate,
                               GatewayRoutes& routes, const GatewayOptions& options, std::shared_ptr<PostGate> gate,
                               TlsHandshakeFailures& failures) {
    std::make_shared<Session<TlsStream>>(std::move(socket), std::move(certificate), routes, options,
                                         std::move(gate), &failures)
        ->start();
}

}  // namespace sb
