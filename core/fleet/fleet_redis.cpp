// The fleet's Redis connections and commands.
#include "fleet/fleet_redis.h"

#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include <charconv>

#include "model/digest.h"

namespace sb {

namespace {

RedisCacheOptions options_from(const RedisConfig& config) {
    RedisCacheOptions options;
    options.host = config.host;
    options.port = config.port;
    options.password = config.password;
    options.database = config.database;
    options.key_prefix = config.key_prefix;
    options.connect_timeout = config.connect_timeout;
    options.command_timeout = config.command_timeout;
    options.read_connections = 8;  // admits from every gateway thread, plus the fleet's own threads
    return options;
}

std::vector<std::string_view> views(const FleetRedis::Command& command) {
    return {command.begin(), command.end()};
}

}  // namespace

LuaScript::LuaScript(std::string text) : source(std::move(text)) {
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(source.data()), source.size(), digest);
    sha1 = to_hex(std::span<const unsigned char>(digest, SHA_DIGEST_LENGTH));
}

FleetRedis::FleetRedis(const RedisConfig& config) : m_options(options_from(config)), m_connections(m_options) {}

std::string FleetRedis::failed(redisContext* context, std::string_view what) {
    std::string message = where() + ": " + std::string(what) + ": " + redis_error(context, m_options.command_timeout);
    m_connections.record_failure(message);
    return message;
}

std::expected<RedisReplyPtr, std::string> FleetRedis::run(const Command& command) {
    auto lease = m_connections.acquire();
    if (!lease) return std::unexpected(std::move(lease.error()));
    RedisReplyPtr reply = redis_run(lease->get(), views(command));
    if (!reply) {
        auto message = failed(lease->get(), command.front());
        lease->drop();
        return std::unexpected(std::move(message));
    }
    if (reply->type == REDIS_REPLY_ERROR)
        return std::unexpected(where() + ": " + command.front() + ": " + std::string(redis_text(reply.get())));
    return reply;
}

std::expected<std::vector<RedisReplyPtr>, std::string> FleetRedis::pipeline(const std::vector<Command>& commands) {
    std::vector<RedisReplyPtr> replies;
    if (commands.empty()) return replies;
    auto lease = m_connections.acquire();
    if (!lease) return std::unexpected(std::move(lease.error()));
    for (const auto& command : commands)
        if (!redis_append(lease->get(), views(command))) return std::unexpected(where() + ": out of memory");
    for (std::size_t i = 0; i < commands.size(); ++i) {
        RedisReplyPtr reply = redis_read_reply(lease->get());
        if (!reply) {
            auto message = failed(lease->get(), commands[i].front());
            lease->drop();
            return std::unexpected(std::move(message));
        }
        replies.push_back(std::move(reply));
    }
    return replies;
}

std::expected<RedisReplyPtr, std::string> FleetRedis::eval(const LuaScript& script, const std::vector<std::string>& keys,
                                                           const std::vector<std::string>& args) {
    Command command{"EVALSHA", script.sha1, std::to_string(keys.size())};
    command.insert(command.end(), keys.begin(), keys.end());
    command.insert(command.end(), args.begin(), args.end());
    auto reply = run(command);
    // The server restarted (or flushed its scripts): send the source once, which loads it.
    if (!reply && reply.error().find("NOSCRIPT") != std::string::npos) {
        command[0] = "EVAL";
        command[1] = script.source;
        reply = run(command);
    }
    return reply;
}

long long reply_integer(const redisReply* reply) {
    if (!reply) return 0;
    if (reply->type == REDIS_REPLY_INTEGER) return reply->integer;
    if (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS) {
        long long value = 0;
        std::from_chars(reply->str, reply->str + reply->len, value);
        return value;
    }
    return 0;
}

std::string reply_string(const redisReply* reply) {
    if (!reply) return {};
    if (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS || reply->type == REDIS_REPLY_ERROR)
        return std::string(reply->str, reply->len);
    if (reply->type == REDIS_REPLY_INTEGER) return std::to_string(reply->integer);
    return {};
}

}  // namespace sb
