// Kept-alive connections waiting for reuse, each checked before it is handed out again.
#include "transport/idle_connections.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace sb {

namespace {

// A kept-alive connection the server closed reads as end-of-file (or an error) right away.
bool peer_closed(boost::asio::ip::tcp::socket& socket) {
    char byte;
    const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

}  // namespace

std::optional<boost::asio::ip::tcp::socket> IdleConnections::take(const std::string& key) {
    const auto it = m_idle.find(key);
    if (it == m_idle.end()) return std::nullopt;
    const auto now = std::chrono::steady_clock::now();
    auto& idle = it->second;
    while (!idle.empty()) {
        Idle entry = std::move(idle.back());
        idle.pop_back();
        if (now - entry.since < kMaxIdle && !peer_closed(entry.socket)) return std::move(entry.socket);
    }
    return std::nullopt;
}

void IdleConnections::keep(const std::string& key, boost::asio::ip::tcp::socket socket) {
    auto& idle = m_idle[key];
    // Oldest first: those past kMaxIdle would be refused by take() anyway; close them now.
    const auto now = std::chrono::steady_clock::now();
    const auto fresh = std::find_if(idle.begin(), idle.end(), [&](const Idle& entry) { return now - entry.since < kMaxIdle; });
    idle.erase(idle.begin(), fresh);
    if (idle.size() >= kMaxPerHost) return;  // closes it
    idle.push_back(Idle{std::move(socket), now});
}

}  // namespace sb
