#pragma once
// The kept-alive upstream connections of one LoopTransport, by "host:port", waiting for
// their next request. Used on the loop's thread only.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

namespace sb {

class IdleConnections final {
public:
    static constexpr std::size_t kMaxPerHost = 256;
    // A connection idle longer than this is closed rather than reused: servers drop theirs
    // after 5–75 s, and a send on a dropped one costs a retry.
    static constexpr std::chrono::seconds kMaxIdle{30};

    // The most recently kept connection to `key` that is still open and not idle too long;
    // those found closed or too old on the way are closed.
    std::optional<boost::asio::ip::tcp::socket> take(const std::string& key);
    // Kept for reuse, unless kMaxPerHost already wait (then it is closed).
    void keep(const std::string& key, boost::asio::ip::tcp::socket socket);
    void clear() { m_idle.clear(); }

private:
    struct Idle {
        boost::asio::ip::tcp::socket socket;
        std::chrono::steady_clock::time_point since;
    };
    std::unordered_map<std::string, std::vector<Idle>> m_idle;
};

}  // namespace sb
