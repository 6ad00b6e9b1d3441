#pragma once
// An open-loop HTTP/1.1 load generator on one Asio thread: keep-alive connections, a
// scheduled send time per request, latency measured from that time (so a server that stalls
// is charged for every request queued behind the stall: no coordinated omission).
// LoadRun(LoadRun::Closed{}, …) is the closed-loop form: a fixed number of requests in flight, each
// connection sending its next request as soon as it has the answer.
// number_requests() makes every request distinct (a cache in the server then misses every time,
// as distinct prompts do) by writing a running number, as letters, over a placeholder.
#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb::bench {

namespace load_detail {
namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;
using namespace std::chrono;

struct LoadResult {
    double target_rate = 0;
    double achieved_rate = 0;
    long ok = 0;
    long errors = 0;
    double p50_ms = 0, p99_ms = 0, max_ms = 0;
    double generator_cpu_us = 0;  // this process, per request

    // No errors, at least 95 % of the target rate achieved, p99 within `max_p99_ms`.
    bool clean(double max_p99_ms) const {
        return errors == 0 && achieved_rate >= 0.95 * target_rate && p99_ms <= max_p99_ms;
    }
};

double cpu_seconds_self() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& tv) { return double(tv.tv_sec) + double(tv.tv_usec) / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// One open-loop run: `rate` requests/s for `seconds_long`, over `connections` keep-alive
// connections, on the calling thread. A request due while every connection is busy waits
// in a backlog; its latency still counts from its scheduled time.
class LoadRun {
public:
    // `request`: the raw HTTP/1.1 request, sent as is each time.
    LoadRun(std::uint16_t port, std::string request, double rate, double seconds_long, int connections)
        : m_endpoint(net::ip::make_address("127.0.0.1"), port),
          m_request(std::move(request)),
          m_connection_count(connections),
          m_rate(rate),
          m_total(std::lround(rate * seconds_long)),
          m_timer(m_context),
          m_deadline(m_context) {}

    // Closed loop: `connections` requests always in flight for `seconds_long`; latency from each send.
    struct Closed {};
    LoadRun(Closed, std::uint16_t port, std::string request, int connections, double seconds_long)
        : LoadRun(port, std::move(request), 1.0, 0.0, connections) {
        m_closed = true;
        m_seconds = seconds_long;
    }

    // Each request gets the next value of `counter` written over the first `placeholder` in the
    // request, as letters a–z (digits could read as a phone or card number to a PII scan). The
    // placeholder's length is kept, so Content-Length still holds; `counter` must outlive the run.
    LoadRun& number_requests(std::string_view placeholder, std::uint64_t& counter) {
        m_number_at = m_request.find(placeholder);
        m_number_width = placeholder.size();
        m_counter = m_number_at == std::string::npos ? nullptr : &counter;
        return *this;
    }

    LoadResult run() {
        for (int i = 0; i < m_connection_count; ++i) {
            auto connection = std::make_unique<Connection>(m_context);
            error_code ec;
            connection->socket.connect(m_endpoint, ec);
            if (ec) return fail_setup(ec);
            connection->socket.set_option(tcp::no_delay(true), ec);
            m_idle.push_back(connection.get());
            m_connections.push_back(std::move(connection));
        }
        m_latencies_us.reserve(static_cast<std::size_t>(m_closed ? 100'000 : m_total));
        const double cpu_before = cpu_seconds_self();
        m_start = steady_clock::now() + milliseconds(5);
        m_last_done = m_start;
        m_end = m_start + duration_cast<nanoseconds>(duration<double>(m_seconds));
        m_timer.expires_at(m_start);
        m_timer.async_wait([this](error_code) { m_closed ? start_closed() : on_tick(); });
        // Whatever is still open this long after the last send counts as an error (timeout).
        m_deadline.expires_at((m_closed ? m_end : scheduled(m_total)) + seconds(5));
        m_deadline.async_wait([this](error_code ec) {
            if (!ec) m_context.stop();
        });
        m_context.run();
        const double cpu = cpu_seconds_self() - cpu_before;

        LoadResult result;
        result.target_rate = m_closed ? 0 : m_rate;
        result.ok = static_cast<long>(m_latencies_us.size());
        result.errors = m_errors + (m_closed ? m_sent - m_finished : m_total - m_finished);
        const double span = m_closed ? std::max(1e-9, duration<double>(m_last_done - m_start).count())
                                     : std::max(duration<double>(scheduled(m_total) - m_start).count(),
                                                duration<double>(m_last_done - m_start).count());
        result.achieved_rate = double(result.ok) / span;
        if (!m_latencies_us.empty()) {
            std::sort(m_latencies_us.begin(), m_latencies_us.end());
            const auto n = m_latencies_us.size();
            result.p50_ms = m_latencies_us[n / 2] / 1e3;
            result.p99_ms = m_latencies_us[std::min(n - 1, n * 99 / 100)] / 1e3;
            result.max_ms = m_latencies_us.back() / 1e3;
        }
        result.generator_cpu_us = cpu / double(std::max<long>(1, m_closed ? m_sent : m_total)) * 1e6;
        return result;
    }

private:
    struct Connection {
        explicit Connection(net::io_context& context) : socket(context) {}
        tcp::socket socket;
        boost::beast::flat_buffer buffer;
        std::string request;  // this connection's numbered request, while it is being written
        std::optional<http::response_parser<http::string_body>> parser;
        steady_clock::time_point scheduled;
    };

    LoadResult fail_setup(const error_code& ec) {
        std::fprintf(stderr, "load: connect to port %u: %s\n", unsigned(m_endpoint.port()),
                     ec.message().c_str());
        LoadResult result;
        result.target_rate = m_rate;
        result.errors = m_total;
        return result;
    }

    steady_clock::time_point scheduled(long i) const {
        return m_start + duration_cast<nanoseconds>(duration<double>(double(i) / m_rate));
    }

    // Sends everything that is due, then sleeps until the next request is.
    void on_tick() {
        const auto now = steady_clock::now();
        for (; m_next < m_total && scheduled(m_next) <= now; ++m_next) dispatch(scheduled(m_next));
        if (m_next < m_total) {
            m_timer.expires_at(scheduled(m_next));
            m_timer.async_wait([this](error_code) { on_tick(); });
        }
    }

    void dispatch(steady_clock::time_point due) {
        if (m_idle.empty()) {
            m_backlog.push_back(due);
            return;
        }
        Connection* connection = m_idle.back();
        m_idle.pop_back();
        send(*connection, due);
    }

    // Closed loop: every connection sends at once, then again after each answer until m_end.
    void start_closed() {
        auto idle = std::move(m_idle);
        m_idle.clear();
        const auto now = steady_clock::now();
        for (Connection* connection : idle) send(*connection, now);
    }

    void send(Connection& connection, steady_clock::time_point due) {
        ++m_sent;
        connection.scheduled = due;
        connection.parser.emplace();
        connection.parser->body_limit(1 << 20);
        const std::string* request = &m_request;
        if (m_counter) {
            connection.request = m_request;
            std::uint64_t number = (*m_counter)++;
            for (std::size_t i = m_number_width; i-- > 0; number /= 26)
                connection.request[m_number_at + i] = char('a' + number % 26);
            request = &connection.request;
        }
        // A failed write closes the socket; the read then fails and counts the error once.
        net::async_write(connection.socket, net::buffer(*request),
                         [&connection](error_code ec, std::size_t) {
                             if (ec) connection.socket.close(ec);
                         });
        http::async_read(connection.socket, connection.buffer, *connection.parser,
                         [this, &connection](error_code ec, std::size_t) {
                             if (ec) return on_error(connection);
                             on_response(connection);
                         });
    }

    void on_response(Connection& connection) {
        const auto now = steady_clock::now();
        m_last_done = now;
        const auto& response = connection.parser->get();
        if (response.result_int() == 200)
            m_latencies_us.push_back(float(duration<double, std::micro>(now - connection.scheduled).count()));
        else
            ++m_errors;
        if (finish_one()) return;
        if (!response.keep_alive()) return reconnect(connection);
        next(connection);
    }

    void on_error(Connection& connection) {
        ++m_errors;
        if (finish_one()) return;
        reconnect(connection);
    }

    bool finish_one() {
        if (m_closed) {
            ++m_finished;
            return false;  // next() decides when a closed run is over
        }
        if (++m_finished < m_total) return false;
        m_context.stop();
        return true;
    }

    void reconnect(Connection& connection) {
        error_code ignored;
        connection.socket.close(ignored);
        connection.buffer.clear();
        connection.socket.async_connect(m_endpoint, [this, &connection](error_code ec) {
            if (ec) return;  // this connection is lost for the rest of the run
            error_code ignored;
            connection.socket.set_option(tcp::no_delay(true), ignored);
            next(connection);
        });
    }

    void next(Connection& connection) {
        if (m_closed) {
            const auto now = steady_clock::now();
            if (now < m_end) return send(connection, now);
            m_idle.push_back(&connection);
            if (m_finished >= m_sent) m_context.stop();  // the last answer is in
            return;
        }
        if (m_backlog.empty()) return m_idle.push_back(&connection);
        const auto due = m_backlog.front();
        m_backlog.pop_front();
        send(connection, due);
    }

    net::io_context m_context{1};
    tcp::endpoint m_endpoint;
    std::string m_request;
    std::size_t m_number_at = std::string::npos, m_number_width = 0;
    std::uint64_t* m_counter = nullptr;  // null: every request is m_request as is
    int m_connection_count;
    double m_rate;
    long m_total;
    long m_next = 0;
    long m_finished = 0;
    long m_errors = 0;
    long m_sent = 0;
    bool m_closed = false;
    double m_seconds = 0;
    steady_clock::time_point m_end;
    net::steady_timer m_timer;
    net::steady_timer m_deadline;
    steady_clock::time_point m_start, m_last_done;
    std::vector<std::unique_ptr<Connection>> m_connections;
    std::vector<Connection*> m_idle;
    std::deque<steady_clock::time_point> m_backlog;
    std::vector<float> m_latencies_us;
};

}  // namespace load_detail

using load_detail::LoadResult;
using load_detail::LoadRun;

}  // namespace sb::bench
