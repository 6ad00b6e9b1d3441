// Plain-http transfers on a lent Asio loop: each transfer's connect, write, read and timers,
// and the routing of a cancel to the loop that runs the transfer.
#include "transport/loop_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "transport/http1_request.h"
#include "transport/idle_connections.h"

namespace sb {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

// Ids: the top 16 bits name the loop (its registry slot + 1), so HttpClient::cancel knows
// where to send a cancel; HttpClient's own ids stay far below 2^48.
constexpr int kSlotShift = 48;
constexpr std::size_t kSlots = 256;
constexpr std::size_t kHeaderLimit = 64 * 1024;
constexpr std::size_t kChunk = 16 * 1024;

struct Registry {
    std::mutex mutex;
    std::array<void*, kSlots> slots{};  // LoopTransport::Impl*
};
Registry& registry() {
    static Registry instance;
    return instance;
}

thread_local LoopTransport* t_current = nullptr;

bool proxy_in_environment() {
    // libcurl would send plain http through these; this transport does not speak to proxies.
    static const bool set = [] {
        for (const char* name : {"http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"})
            if (const char* value = std::getenv(name); value && *value) return true;
        return false;
    }();
    return set;
}

double ms_since(Clock::time_point start, Clock::time_point now) {
    return std::chrono::duration<double, std::milli>(now - start).count();
}

}  // namespace

class LoopTransport::Impl {
public:
    explicit Impl(net::io_context& context);
    ~Impl();

    std::uint64_t send(HttpRequest request, DoneCallback on_done, DataCallback on_data);
    void post_cancel(std::uint64_t id);

private:
    struct Transfer;
    using TransferPtr = std::shared_ptr<Transfer>;

    void open(const TransferPtr& t);
    void connect(const TransferPtr& t);
    void write(const TransferPtr& t);
    void read_header(const TransferPtr& t);
    void read_body(const TransferPtr& t);
    void arm_timer(const TransferPtr& t);
    void on_timer(const TransferPtr& t);
    // A send or an empty read on a kept-alive connection: the server closed it while it sat idle.
    bool retry_stale(const TransferPtr& t, const error_code& ec);
    void fail_io(const TransferPtr& t, const error_code& ec, int code, const char* during);
    void succeed(const TransferPtr& t);
    // By value: `t` may be the map entry that finish() erases.
    void finish(TransferPtr t, int code, std::string error, bool cancelled = false);

    net::io_context& m_context;
    std::size_t m_slot = kSlots;  // kSlots: not registered (every slot taken), ids still unique
    std::uint64_t m_next_sequence = 1;
    std::unordered_map<std::uint64_t, TransferPtr> m_active;
    IdleConnections m_idle;
};

struct LoopTransport::Impl::Transfer {
    explicit Transfer(net::io_context& context) : socket(context), timer(context) {}

    std::uint64_t id = 0;
    HttpRequest request;
    DoneCallback on_done;
    DataCallback on_data;
    HttpResponse response;
    HttpTarget target;
    std::string key;  // host:port of the connection pool
    std::string wire;  // the serialised request
    tcp::socket socket;
    bool reused = false;
    bool connecting = false;
    bool stream = false;
    bool finished = false;
    std::size_t body_bytes = 0;
    net::steady_timer timer;
    std::optional<tcp::resolver> resolver;
    boost::beast::flat_buffer buffer;
    std::optional<http::response_parser<http::buffer_body>> parser;
    std::array<char, kChunk> chunk;
    Clock::time_point started;
    Clock::time_point connect_deadline;
    Clock::time_point total_deadline;
    Clock::time_point last_activity;
};

LoopTransport::Impl::Impl(net::io_context& context) : m_context(context) {
    auto& reg = registry();
    std::lock_guard lock(reg.mutex);
    for (std::size_t i = 0; i < kSlots; ++i)
        if (!reg.slots[i]) {
            reg.slots[i] = this;
            m_slot = i;
            break;
        }
}

LoopTransport::Impl::~Impl() {
    {
        auto& reg = registry();
        std::lock_guard lock(reg.mutex);
        if (m_slot < kSlots) reg.slots[m_slot] = nullptr;
    }
    // Callbacks may start new transfers; they go to HttpClient (the scope is gone by now).
    while (!m_active.empty()) finish(m_active.begin()->second, CURLE_ABORTED_BY_CALLBACK, "client is shutting down", true);
    m_idle.clear();
}

std::uint64_t LoopTransport::Impl::send(HttpRequest request, DoneCallback on_done, DataCallback on_data) {
    auto t = std::make_shared<Transfer>(m_context);
    t->id = (std::uint64_t(m_slot + 1) << kSlotShift) | (m_next_sequence++ & ((std::uint64_t{1} << kSlotShift) - 1));
    t->request = std::move(request);
    t->on_done = std::move(on_done);
    t->on_data = std::move(on_data);
    t->started = t->last_activity = Clock::now();
    t->total_deadline = t->started + t->request.total_timeout;
    m_active.emplace(t->id, t);
    // Never complete inside send(): the caller may hold a lock its callback takes.
    net::post(m_context, [this, t] { open(t); });
    return t->id;
}

void LoopTransport::Impl::open(const TransferPtr& t) {
    if (t->finished) return;
    auto target = parse_http_url(t->request.url);
    if (!target) return finish(t, CURLE_URL_MALFORMAT, "not a plain http URL this transport can use: " + t->request.url);
    t->target = std::move(*target);
    t->key = t->target.host + ":" + t->target.port;
    auto wire = http1_request_bytes(t->request, t->target);
    if (!wire) return finish(t, CURLE_URL_MALFORMAT, std::move(wire.error()));
    t->wire = std::move(*wire);

    arm_timer(t);
    if (auto socket = m_idle.take(t->key)) {
        t->socket = std::move(*socket);
        t->reused = true;
        return write(t);
    }
    connect(t);
}

void LoopTransport::Impl::connect(const TransferPtr& t) {
    t->reused = false;
    t->connecting = true;
    t->connect_deadline = Clock::now() + t->request.connect_timeout;
    arm_timer(t);
    ++t->response.new_connections;
    auto on_connected = [this, t](const error_code& ec) {
        if (t->finished) return;
        t->connecting = false;
        if (ec) return fail_io(t, ec, CURLE_COULDNT_CONNECT, "connect");
        error_code ignored;
        t->socket.set_option(tcp::no_delay(true), ignored);
        t->socket.set_option(net::socket_base::keep_alive(true), ignored);
        t->response.timings.connect_ms = ms_since(t->started, Clock::now());
        write(t);
    };
    error_code ec;
    const auto address = net::ip::make_address(t->target.host, ec);
    if (!ec) {
        const tcp::endpoint endpoint(address, static_cast<unsigned short>(std::stoi(t->target.port)));
        t->socket = tcp::socket(m_context);
        t->socket.async_connect(endpoint, std::move(on_connected));
        return;
    }
    t->resolver.emplace(m_context);
    t->resolver->async_resolve(
        t->target.host, t->target.port,
        [this, t, on_connected = std::move(on_connected)](const error_code& ec, tcp::resolver::results_type results) mutable {
            if (t->finished) return;
            if (ec) return fail_io(t, ec, CURLE_COULDNT_RESOLVE_HOST, ("resolve " + t->target.host).c_str());
            t->response.timings.dns_ms = ms_since(t->started, Clock::now());
            t->socket = tcp::socket(m_context);
            net::async_connect(t->socket, results,
                               [on_connected = std::move(on_connected)](const error_code& ec, const tcp::endpoint&) {
                                   on_connected(ec);
                               });
        });
}

void LoopTransport::Impl::write(const TransferPtr& t) {
    net::async_write(t->socket, net::buffer(t->wire), [this, t](const error_code& ec, std::size_t) {
        if (t->finished) return;
        if (ec) {
            if (retry_stale(t, ec)) return;
            return fail_io(t, ec, CURLE_SEND_ERROR, "send");
        }
        read_header(t);
    });
}

void LoopTransport::Impl::read_header(const TransferPtr& t) {
    t->parser.emplace();  // the buffer keeps what followed an interim (1xx) response
    t->parser->header_limit(kHeaderLimit);
    t->parser->body_limit(boost::none);  // the limit is max_response_bytes, checked as bytes arrive
    if (t->request.method == "HEAD") t->parser->skip(true);
    http::async_read_header(t->socket, t->buffer, *t->parser, [this, t](const error_code& ec, std::size_t) {
        if (t->finished) return;
        const auto now = Clock::now();
        t->last_activity = now;
        if (ec) {
            if (retry_stale(t, ec)) return;
            if (ec == http::error::end_of_stream || ec == net::error::eof)
                return fail_io(t, ec, CURLE_GOT_NOTHING, "read the response");
            if (ec.category() == http::make_error_code(http::error::bad_version).category())
                return fail_io(t, ec, CURLE_WEIRD_SERVER_REPLY, "parse the response head");
            return fail_io(t, ec, CURLE_RECV_ERROR, "read the response");
        }
        const auto& head = t->parser->get();
        const int status = static_cast<int>(head.result_int());
        if (status >= 100 && status < 200 && status != 101) return read_header(t);  // interim: the answer follows
        t->response.timings.first_byte_ms = ms_since(t->started, now);
        t->response.status = status;
        t->response.http_version = head.version() == 10 ? 10 : 11;
        t->response.headers.reserve(16);
        for (const auto& field : head) {
            const auto name = field.name_string();
            const auto value = field.value();
            t->response.headers.emplace_back(to_lower(std::string_view(name.data(), name.size())),
                                             std::string(value.data(), value.size()));
        }
        const auto limit = t->request.max_response_bytes;
        if (const auto length = t->parser->content_length(); limit > 0 && length && *length > limit)
            return finish(t, CURLE_FILESIZE_EXCEEDED,
                          "the response body is larger than the limit of " + std::to_string(limit) + " bytes");
        t->stream = t->on_data && t->response.status >= 200 && t->response.status < 300;
        if (t->parser->is_done()) return succeed(t);
        read_body(t);
    });
}

void LoopTransport::Impl::read_body(const TransferPtr& t) {
    auto& body = t->parser->get().body();
    body.data = t->chunk.data();
    body.size = t->chunk.size();
    // read_some: a stream's bytes go on as they arrive, not once the chunk is full.
    http::async_read_some(t->socket, t->buffer, *t->parser, [this, t](error_code ec, std::size_t) {
        if (t->finished) return;
        if (ec == http::error::need_buffer) ec = {};  // the chunk is full: hand it on, read on
        const std::size_t n = t->chunk.size() - t->parser->get().body().size;
        if (n > 0) {
            t->last_activity = Clock::now();
            t->body_bytes += n;
            const auto limit = t->request.max_response_bytes;
            if (limit > 0 && t->body_bytes > limit)
                return finish(t, CURLE_FILESIZE_EXCEEDED,
                              "the response body is larger than the limit of " + std::to_string(limit) + " bytes");
            if (!t->stream) {
                t->response.body.append(t->chunk.data(), n);
            } else {
                try {
                    t->on_data(std::string_view(t->chunk.data(), n));
                } catch (...) {
                    return finish(t, CURLE_WRITE_ERROR, "data callback failed");
                }
                if (t->finished) return;
            }
        }
        if (ec) {
            if (ec == http::error::partial_message || ec == net::error::eof)
                return fail_io(t, ec, CURLE_PARTIAL_FILE, "read the body");
            return fail_io(t, ec, CURLE_RECV_ERROR, "read the body");
        }
        if (t->parser->is_done()) return succeed(t);
        read_body(t);
    });
}

bool LoopTransport::Impl::retry_stale(const TransferPtr& t, const error_code& ec) {
    const bool answered = t->buffer.size() > 0 || (t->parser && t->parser->got_some());
    if (!t->reused || answered || ec == net::error::operation_aborted) return false;
    error_code ignored;
    t->socket.close(ignored);
    connect(t);
    return true;
}

void LoopTransport::Impl::arm_timer(const TransferPtr& t) {
    auto at = t->total_deadline;
    if (t->connecting) at = std::min(at, t->connect_deadline);
    if (t->request.idle_timeout.count() > 0) at = std::min(at, t->last_activity + t->request.idle_timeout);
    t->timer.expires_at(at);
    t->timer.async_wait([this, t](const error_code& ec) {
        if (!ec) on_timer(t);
    });
}

void LoopTransport::Impl::on_timer(const TransferPtr& t) {
    if (t->finished) return;
    const auto now = Clock::now();
    const auto ms = [](auto duration) { return std::to_string(duration.count()); };
    if (now >= t->total_deadline)
        return finish(t, CURLE_OPERATION_TIMEDOUT,
                      "Operation timed out after " + ms(t->request.total_timeout) + " milliseconds");
    if (t->connecting && now >= t->connect_deadline)
        return finish(t, CURLE_OPERATION_TIMEDOUT,
                      "Connection timed out after " + ms(t->request.connect_timeout) + " milliseconds");
    if (t->request.idle_timeout.count() > 0 && now >= t->last_activity + t->request.idle_timeout) {
        t->response.idle_timed_out = true;
        return finish(t, CURLE_OPERATION_TIMEDOUT, "no data for " + ms(t->request.idle_timeout) + " ms");
    }
    arm_timer(t);  // data arrived since: wait for the next deadline
}

void LoopTransport::Impl::fail_io(const TransferPtr& t, const error_code& ec, int code, const char* during) {
    finish(t, code, std::string("could not ") + during + " (" + t->key + "): " + ec.message());
}

void LoopTransport::Impl::succeed(const TransferPtr& t) {
    if (t->parser->keep_alive()) {
        m_idle.keep(t->key, std::move(t->socket));
        t->socket = tcp::socket(m_context);
    }
    finish(t, CURLE_OK, {});
}

void LoopTransport::Impl::finish(TransferPtr t, int code, std::string error, bool cancelled) {
    if (t->finished) return;
    t->finished = true;
    error_code ignored;
    t->timer.cancel();
    if (t->resolver) t->resolver->cancel();
    t->socket.close(ignored);  // pending reads and writes end with operation_aborted
    m_active.erase(t->id);

    HttpResponse& response = t->response;
    response.timings.total_ms = ms_since(t->started, Clock::now());
    // Cumulative like libcurl's: a reused connection has no connect phase.
    response.timings.connect_ms = std::max(response.timings.connect_ms, response.timings.dns_ms);
    response.timings.tls_ms = response.timings.connect_ms;
    response.cancelled = cancelled;
    response.curl_code = code;
    response.curl_error = std::move(error);
    if (code != CURLE_OK && t->stream) response.body.clear();
    DoneCallback on_done = std::move(t->on_done);
    t->on_data = nullptr;
    if (!on_done) return;
    try {
        on_done(std::move(response));
    } catch (...) {
        // A throwing callback must not take the loop (and every connection on it) down.
    }
}

void LoopTransport::Impl::post_cancel(std::uint64_t id) {
    net::post(m_context, [this, id] {
        const auto it = m_active.find(id);
        if (it != m_active.end()) finish(it->second, CURLE_ABORTED_BY_CALLBACK, "cancelled", true);
    });
}

// ---- LoopTransport ---------------------------------------------------------------------

LoopTransport::LoopTransport(net::io_context& context) : m_impl(std::make_unique<Impl>(context)) {}

LoopTransport::~LoopTransport() = default;

LoopTransport::Scope::Scope(LoopTransport& transport) : m_previous(t_current) {
    t_current = &transport;
}

LoopTransport::Scope::~Scope() {
    t_current = m_previous;
}

LoopTransport* LoopTransport::current() {
    return t_current;
}

bool LoopTransport::takes(const HttpRequest& request) {
    return request.url.starts_with("http://") && !proxy_in_environment();
}

std::uint64_t LoopTransport::send(HttpRequest request, DoneCallback on_done, DataCallback on_data) {
    return m_impl->send(std::move(request), std::move(on_done), std::move(on_data));
}

bool LoopTransport::owns(std::uint64_t id) {
    return (id >> kSlotShift) != 0;
}

void LoopTransport::cancel_any(std::uint64_t id) {
    const std::size_t slot = (id >> kSlotShift) - 1;
    if (slot >= kSlots) return;
    auto& reg = registry();
    // Under the registry lock the loop cannot be destroyed; its io_context outlives it.
    std::lock_guard lock(reg.mutex);
    if (void* impl = reg.slots[slot]) static_cast<Impl*>(impl)->post_cancel(id);
}

}  // namespace sb
