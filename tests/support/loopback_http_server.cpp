// The scripted loopback HTTP server's implementation (see loopback_http_server.h): Boost.Beast
// coroutines on one thread of their own, compiled once for every test that uses it.
#include "loopback_http_server.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "model/text.h"

namespace sb::test {

std::string RecordedRequest::header(std::string_view name) const {
    for (const auto& [key, value] : headers)
        if (key == name) return value;
    return {};
}

bool RecordedRequest::has_header(std::string_view name) const {
    for (const auto& entry : headers)
        if (entry.first == name) return true;
    return false;
}

struct LoopbackHttpServer::Server {
    Server() : m_acceptor(m_io, {boost::asio::ip::address_v4::loopback(), 0}) {
        boost::asio::co_spawn(m_io, accept_loop(), boost::asio::detached);
        m_thread = std::thread([this] { m_io.run(); });
    }

    ~Server() {
        m_io.stop();
        m_thread.join();
    }

    using tcp = boost::asio::ip::tcp;
    template <typename T>
    using awaitable = boost::asio::awaitable<T>;

    static auto redirect(boost::system::error_code& ec) {
        return boost::asio::redirect_error(boost::asio::use_awaitable, ec);
    }

    awaitable<void> accept_loop() {
        for (;;) {
            boost::system::error_code ec;
            tcp::socket socket = co_await m_acceptor.async_accept(redirect(ec));
            if (ec) {
                if (ec == boost::asio::error::operation_aborted) co_return;
                continue;
            }
            ++m_accepted;
            boost::asio::co_spawn(m_io, session(std::move(socket)), boost::asio::detached);
        }
    }

    awaitable<void> session(tcp::socket socket) {
        namespace http = boost::beast::http;
        boost::beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> request;
            boost::system::error_code ec;
            co_await http::async_read(socket, buffer, request, redirect(ec));
            if (ec) co_return;
            record(request);
            ++m_requests;
            if (!co_await respond(socket, request)) co_return;
        }
    }

    void record(const boost::beast::http::request<boost::beast::http::string_body>& request) {
        RecordedRequest entry;
        entry.method = std::string(request.method_string());
        entry.target = std::string(request.target());
        for (const auto& field : request) {
            const auto name = field.name_string();
            entry.headers.emplace_back(to_lower(std::string_view(name.data(), name.size())), std::string(field.value()));
        }
        entry.body = request.body();
        std::lock_guard lock(m_mutex);
        m_recorded.push_back(std::move(entry));
    }

    static int number_at(std::string_view text, std::size_t index) {
        // The index-th '/'-separated number after the first path segment.
        std::size_t pos = text.find('/', 1);
        for (std::size_t i = 0; i < index && pos != std::string_view::npos; ++i) pos = text.find('/', pos + 1);
        if (pos == std::string_view::npos) return 0;
        return std::atoi(std::string(text.substr(pos + 1)).c_str());
    }

    static std::string simple_response(int status, std::string_view content_type, std::string_view body,
                                       std::string_view extra_headers = {}) {
        std::string out = "HTTP/1.1 " + std::to_string(status) + (status < 400 ? " OK" : " Error") + "\r\n";
        out += "Content-Type: " + std::string(content_type) + "\r\n";
        out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
        out += extra_headers;
        out += "\r\n";
        out += body;
        return out;
    }

    static std::string chunk(std::string_view data) {
        char size[32];
        std::snprintf(size, sizeof size, "%zx\r\n", data.size());
        return std::string(size) + std::string(data) + "\r\n";
    }

    static constexpr std::string_view kChunkedHead =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
        "Transfer-Encoding: chunked\r\n\r\n";

    static awaitable<bool> write(tcp::socket& socket, std::string_view bytes) {
        boost::system::error_code ec;
        co_await boost::asio::async_write(socket, boost::asio::buffer(bytes.data(), bytes.size()), redirect(ec));
        co_return !ec;
    }

    static awaitable<void> sleep(tcp::socket& socket, std::chrono::milliseconds delay) {
        boost::asio::steady_timer timer(socket.get_executor(), delay);
        boost::system::error_code ec;
        co_await timer.async_wait(redirect(ec));
    }

    // Returns once the client has closed the connection.
    static awaitable<void> wait_for_close(tcp::socket& socket) {
        char scratch[512];
        for (;;) {
            boost::system::error_code ec;
            co_await socket.async_read_some(boost::asio::buffer(scratch), redirect(ec));
            if (ec) co_return;
        }
    }

    bool take_drop_mark(tcp::socket& socket) {
        std::lock_guard lock(m_mutex);
        const auto it = std::find(m_drop_next.begin(), m_drop_next.end(), socket.native_handle());
        if (it == m_drop_next.end()) return false;
        m_drop_next.erase(it);
        return true;
    }

    // Returns whether the connection stays open for another request.
    awaitable<bool> respond(tcp::socket& socket,
                            const boost::beast::http::request<boost::beast::http::string_body>& request) {
        const std::string target(request.target());
        std::string_view path(target);
        if (path.starts_with("http://")) {
            const auto slash = path.find('/', 7);
            path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
        }
        if (take_drop_mark(socket)) {
            // The connection a keep-alive client kept: closed as an idle server would, unanswered.
            boost::system::error_code ec;
            socket.close(ec);
            co_return false;
        }
        if (path == "/ok-drop-next") {
            {
                std::lock_guard lock(m_mutex);
                m_drop_next.push_back(socket.native_handle());
            }
            co_return co_await write(socket, simple_response(200, "application/json", R"({"ok":true})"));
        }
        if (path == "/ok") co_return co_await write(socket, simple_response(200, "application/json", R"({"ok":true})"));
        if (path == "/v1/chat/completions")
            co_return co_await write(
                socket, simple_response(200, "application/json",
                                        R"({"id":"chatcmpl-loopback","object":"chat.completion","created":1,)"
                                        R"("model":"loopback","choices":[{"index":0,"message":{"role":"assistant",)"
                                        R"("content":"answered by the loopback server"},"finish_reason":"stop"}],)"
                                        R"("usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}})"));
        if (path == "/echo") {
            const std::string extra = "X-Mixed-Case: Value\r\nX-Echo-Method: " +
                                      std::string(request.method_string()) + "\r\n";
            co_return co_await write(socket, simple_response(200, "application/json", request.body(), extra));
        }
        if (path.starts_with("/status/")) {
            const int status = number_at(path, 0);
            const std::string body = R"({"error":{"message":"status )" + std::to_string(status) + R"(","code":)" +
                                     std::to_string(status) + "}}";
            co_return co_await write(socket, simple_response(status, "application/json", body));
        }
        if (path == "/stream") {
            std::string payload;
            int pieces = 1;
            std::chrono::milliseconds delay{0};
            {
                std::lock_guard lock(m_mutex);
                payload = m_stream_payload;
                pieces = m_stream_pieces;
                delay = m_stream_delay;
            }
            if (!co_await write(socket, kChunkedHead)) co_return false;
            const std::size_t step = (payload.size() + pieces - 1) / pieces;
            for (std::size_t at = 0; at < payload.size(); at += step) {
                if (at > 0) co_await sleep(socket, delay);
                if (!co_await write(socket, chunk(std::string_view(payload).substr(at, step)))) co_return false;
            }
            co_return co_await write(socket, "0\r\n\r\n");
        }
        if (path == "/stream-forever") {
            if (!co_await write(socket, kChunkedHead)) co_return false;
            // Bounded so a forgotten client cannot keep the server busy for ever.
            for (int i = 0; i < 3000; ++i) {
                if (!co_await write(socket, chunk("data: tick " + std::to_string(i) + "\n\n"))) co_return false;
                co_await sleep(socket, std::chrono::milliseconds(20));
            }
            co_return co_await write(socket, "0\r\n\r\n");
        }
        if (path == "/stall") {
            if (!co_await write(socket, kChunkedHead)) co_return false;
            if (!co_await write(socket, chunk("data: first\n\n"))) co_return false;
            co_await wait_for_close(socket);
            co_return false;
        }
        if (path.starts_with("/drip/")) {
            const int count = number_at(path, 0);
            const std::chrono::milliseconds gap(number_at(path, 1));
            if (!co_await write(socket, kChunkedHead)) co_return false;
            for (int i = 0; i < count; ++i) {
                if (i > 0) co_await sleep(socket, gap);
                if (!co_await write(socket, chunk("data: drop " + std::to_string(i) + "\n\n"))) co_return false;
            }
            co_return co_await write(socket, "0\r\n\r\n");
        }
        if (path == "/hang") {
            co_await wait_for_close(socket);
            co_return false;
        }
        if (path.starts_with("/slow-headers/")) {
            co_await sleep(socket, std::chrono::milliseconds(number_at(path, 0)));
            co_return co_await write(socket, simple_response(200, "application/json", R"({"ok":true})"));
        }
        if (path == "/interim") {
            co_return co_await write(socket, "HTTP/1.1 103 Early Hints\r\nX-Interim: 1\r\n\r\n" +
                                                 simple_response(200, "text/plain", "final", "X-Final: 1\r\n"));
        }
        if (path == "/reset") {
            boost::system::error_code ec;
            socket.set_option(boost::asio::socket_base::linger(true, 0), ec);
            socket.close(ec);
            co_return false;
        }
        if (path == "/close") {
            co_await write(socket, simple_response(200, "text/plain", "bye", "Connection: close\r\n"));
            boost::system::error_code ec;
            socket.shutdown(tcp::socket::shutdown_both, ec);
            co_return false;
        }
        co_return co_await write(socket, simple_response(404, "text/plain", "no such behaviour"));
    }

    boost::asio::io_context m_io;
    tcp::acceptor m_acceptor;
    std::uint16_t m_port = m_acceptor.local_endpoint().port();
    std::atomic<std::size_t> m_accepted{0};
    std::atomic<std::size_t> m_requests{0};

    mutable std::mutex m_mutex;  // guards the members below
    std::vector<int> m_drop_next;  // sockets whose next request is dropped (/ok-drop-next)
    std::vector<RecordedRequest> m_recorded;
    std::string m_stream_payload = "data: one\n\ndata: two\n\n";
    int m_stream_pieces = 2;
    std::chrono::milliseconds m_stream_delay{20};

    std::thread m_thread;  // last: starts once everything above exists
};

LoopbackHttpServer::LoopbackHttpServer() : m_server(std::make_unique<Server>()) {}
LoopbackHttpServer::~LoopbackHttpServer() = default;

std::uint16_t LoopbackHttpServer::port() const { return m_server->m_port; }
std::size_t LoopbackHttpServer::accepted_connections() const { return m_server->m_accepted.load(); }
std::size_t LoopbackHttpServer::requests_received() const { return m_server->m_requests.load(); }

std::vector<RecordedRequest> LoopbackHttpServer::recorded() const {
    std::lock_guard lock(m_server->m_mutex);
    return m_server->m_recorded;
}

void LoopbackHttpServer::set_stream(std::string payload, int pieces, std::chrono::milliseconds delay) {
    std::lock_guard lock(m_server->m_mutex);
    m_server->m_stream_payload = std::move(payload);
    m_server->m_stream_pieces = pieces < 1 ? 1 : pieces;
    m_server->m_stream_delay = delay;
}

std::uint16_t LoopbackHttpServer::closed_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::address_v4::loopback(), 0});
    const auto port = probe.local_endpoint().port();
    probe.close();
    return port;
}

}  // namespace sb::test
