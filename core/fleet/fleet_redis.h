#pragma once
// The fleet's Redis: commands, pipelines and Lua scripts over a small pool of connections,
// each bounded by the command timeout. A failure (no connection, an I/O error, a timeout)
// makes the server unavailable for a second, inside which every call fails at once: a dead
// or slow Redis costs a request almost nothing. Thread-safe.
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "cache/redis_cache.h"
#include "cache/redis_command.h"
#include "cache/redis_connections.h"
#include "config/cache_config.h"

namespace sb {

// A Lua script, sent by its SHA-1 (EVALSHA) and loaded again when the server lost it.
struct LuaScript {
    explicit LuaScript(std::string source);
    std::string source;
    std::string sha1;  // hex
};

class FleetRedis final {
public:
    explicit FleetRedis(const RedisConfig& config);
    FleetRedis(const FleetRedis&) = delete;
    FleetRedis& operator=(const FleetRedis&) = delete;

    std::string where() const { return m_connections.where(); }
    const std::string& prefix() const { return m_options.key_prefix; }
    // `prefix() + name`: every key and channel the fleet uses.
    std::string key(std::string_view name) const { return m_options.key_prefix + std::string(name); }
    const RedisCacheOptions& options() const { return m_options; }

    using Command = std::vector<std::string>;
    // One command; an error reply is an error here, naming the command.
    std::expected<RedisReplyPtr, std::string> run(const Command& command);
    // Several commands in one round trip; replies in order (error replies included, as replies).
    std::expected<std::vector<RedisReplyPtr>, std::string> pipeline(const std::vector<Command>& commands);
    std::expected<RedisReplyPtr, std::string> eval(const LuaScript& script, const std::vector<std::string>& keys,
                                                   const std::vector<std::string>& args);

    // A connection outside the pool, for a subscriber.
    std::expected<RedisConnections::Connection, std::string> dedicated() { return m_connections.connect(); }

    // Available unless the last call failed less than a second ago.
    RedisConnections::Status status() const { return m_connections.status(); }

private:
    std::string failed(redisContext* context, std::string_view what);

    RedisCacheOptions m_options;
    RedisConnections m_connections;
};

// A reply's integer (an integer reply, or a number as text); 0 otherwise.
long long reply_integer(const redisReply* reply);
// A reply's text (string, status or error), empty otherwise.
std::string reply_string(const redisReply* reply);

}  // namespace sb
