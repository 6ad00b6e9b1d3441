// The Redis cache's connections: connecting, the read pool, and availability after failures.
#include "cache/redis_connections.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <algorithm>
#include <string_view>
#include <utility>

#include "cache/redis_cache.h"
#include "cache/redis_command.h"

namespace sb {

namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
    return tv;
}

}  // namespace

void RedisConnections::ContextDeleter::operator()(redisContext* context) const noexcept { redisFree(context); }

RedisConnections::Lease::Lease(RedisConnections* owner, Connection connection)
    : m_owner(owner), m_connection(std::move(connection)) {}

RedisConnections::Lease::Lease(Lease&& other) noexcept
    : m_owner(std::exchange(other.m_owner, nullptr)), m_connection(std::move(other.m_connection)) {}

RedisConnections::Lease::~Lease() {
    if (m_owner) m_owner->release(std::move(m_connection));
}

RedisConnections::RedisConnections(const RedisCacheOptions& options) : m_options(options) {}

std::string RedisConnections::where() const {
    return "redis " + m_options.host + ":" + std::to_string(m_options.port);
}

std::expected<RedisConnections::Connection, std::string> RedisConnections::connect() {
    const std::uint64_t generation = m_generation.load();
    ContextPtr context(redisConnectWithTimeout(m_options.host.c_str(), m_options.port,
                                               to_timeval(m_options.connect_timeout)));
    if (!context) return std::unexpected(where() + ": cannot allocate a connection");
    if (context->err)
        return std::unexpected(where() + ": connect: " + redis_error(context.get(), m_options.connect_timeout));
    if (redisSetTimeout(context.get(), to_timeval(m_options.command_timeout)) != REDIS_OK)
        return std::unexpected(where() + ": cannot set the command timeout");
    auto setup = [&](std::string_view what, std::vector<std::string_view> args) -> std::string {
        const RedisReplyPtr reply = redis_run(context.get(), args);
        if (!reply)
            return where() + ": " + std::string(what) + ": " + redis_error(context.get(), m_options.command_timeout);
        if (reply->type == REDIS_REPLY_ERROR)
            return where() + ": " + std::string(what) + ": " + std::string(redis_text(reply.get()));
        return {};
    };
    if (!m_options.password.empty())
        if (auto error = setup("AUTH", {"AUTH", m_options.password}); !error.empty())
            return std::unexpected(error);
    if (m_options.database != 0) {
        const std::string db = std::to_string(m_options.database);
        if (auto error = setup("SELECT", {"SELECT", db}); !error.empty()) return std::unexpected(error);
    }
    {
        // Back in service, unless another failure came in while this connection was made.
        std::lock_guard lock(m_state_mutex);
        if (m_generation.load() == generation) m_available = true;
    }
    return Connection{std::move(context), generation};
}

bool RedisConnections::current(const Connection& connection) const {
    return connection.context && connection.generation == m_generation.load();
}

void RedisConnections::record_failure(const std::string& message) {
    std::lock_guard lock(m_state_mutex);
    m_available = false;
    m_last_error = message;
    m_retry_after = Clock::now() + m_options.retry_interval;
    ++m_generation;
}

void RedisConnections::note_error(const std::string& message) {
    std::lock_guard lock(m_state_mutex);
    m_last_error = message;
}

std::string RedisConnections::known_down_error() const {
    if (m_available.load()) return {};
    std::lock_guard lock(m_state_mutex);
    const auto now = Clock::now();
    if (m_available.load() || now >= m_retry_after) return {};
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(m_retry_after - now);
    return where() + ": unavailable, next connection attempt in " + std::to_string(wait.count()) + " ms";
}

RedisConnections::Status RedisConnections::status() const {
    std::lock_guard lock(m_state_mutex);
    return {m_available.load(), m_last_error};
}

std::expected<RedisConnections::Lease, std::string> RedisConnections::acquire() {
    if (auto down = known_down_error(); !down.empty()) return std::unexpected(std::move(down));
    std::unique_lock lock(m_pool_mutex);
    const auto deadline = Clock::now() + m_options.command_timeout;
    const int capacity = std::max(1, m_options.read_connections);
    while (true) {
        const std::uint64_t generation = m_generation.load();
        while (!m_idle.empty()) {
            Connection connection = std::move(m_idle.back());
            m_idle.pop_back();
            if (connection.generation == generation) return Lease(this, std::move(connection));
            --m_open;  // opened before the last failure: most likely broken too
        }
        if (m_open < capacity) {
            ++m_open;
            lock.unlock();
            auto connection = connect();
            if (!connection) {
                release(Connection{});
                record_failure(connection.error());
                return std::unexpected(connection.error());
            }
            return Lease(this, std::move(*connection));
        }
        if (m_pool_cv.wait_until(lock, deadline) == std::cv_status::timeout && m_idle.empty() &&
            m_open >= capacity)
            return std::unexpected(where() + ": all " + std::to_string(capacity) + " connections busy");
    }
}

void RedisConnections::release(Connection connection) {
    {
        std::lock_guard lock(m_pool_mutex);
        if (current(connection))
            m_idle.push_back(std::move(connection));
        else
            --m_open;
    }
    m_pool_cv.notify_one();
}

}  // namespace sb
