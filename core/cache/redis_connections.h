#pragma once
// The connections of one RedisCache and whether its server is available. A slow or dead
// Redis must cost a request almost nothing, so a failure (no connection, an I/O error, a
// timeout) makes the server unavailable for retry_interval: inside it every caller gets
// known_down_error() at once instead of another connection attempt, and the connections opened
// before the failure are discarded (they most likely share it) instead of each failing in
// turn. Readers check connections out of a small pool; the writer keeps one of its own.
// Thread-safe.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <expected>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

struct redisContext;

namespace sb {

struct RedisCacheOptions;

class RedisConnections final {
public:
    using Clock = std::chrono::steady_clock;

    struct ContextDeleter {
        void operator()(redisContext* context) const noexcept;
    };
    using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;
    struct Connection {
        ContextPtr context;
        std::uint64_t generation = 0;  // the failure generation it was opened in
    };
    class Lease;

    // Uses host, port, password, database, the timeouts, retry_interval and read_connections;
    // `options` must outlive this.
    explicit RedisConnections(const RedisCacheOptions& options);
    RedisConnections(const RedisConnections&) = delete;
    RedisConnections& operator=(const RedisConnections&) = delete;

    std::string where() const;  // "redis host:port"
    // A new connection, authenticated and on its database; it brings the server back into
    // service. Only the server's reply goes into an error, never the password.
    std::expected<Connection, std::string> connect();
    // A read connection from the pool, opened when none is idle and fewer than
    // read_connections are open; waits at most command_timeout for a busy one.
    std::expected<Lease, std::string> acquire();
    // Opened after the last failure, so still worth using.
    bool current(const Connection& connection) const;

    // The server failed: unavailable for retry_interval.
    void record_failure(const std::string& message);
    // The server answered, but not usefully (an error reply, an unreadable value): shown, not fatal.
    void note_error(const std::string& message);
    // The error to answer with inside the retry interval, or empty when a try is allowed.
    std::string known_down_error() const;

    struct Status {
        bool available = true;
        std::string last_error;
    };
    Status status() const;  // both read together

private:
    void release(Connection connection);

    const RedisCacheOptions& m_options;

    mutable std::mutex m_state_mutex;
    std::atomic<bool> m_available{true};
    std::atomic<std::uint64_t> m_generation{0};  // bumped by each failure
    Clock::time_point m_retry_after{};           // m_state_mutex
    std::string m_last_error;                    // m_state_mutex

    std::mutex m_pool_mutex;
    std::condition_variable m_pool_cv;
    std::vector<Connection> m_idle;  // m_pool_mutex
    int m_open = 0;                  // connections idle or leased; m_pool_mutex
};

// A read connection checked out by one thread: back into the pool when done, unless drop()
// was called because it failed (a failed hiredis context is unusable).
class RedisConnections::Lease {
public:
    Lease(RedisConnections* owner, Connection connection);
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    redisContext* get() const { return m_connection.context.get(); }
    void drop() { m_connection.context.reset(); }

private:
    RedisConnections* m_owner;
    Connection m_connection;
};

}  // namespace sb
