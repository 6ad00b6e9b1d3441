#pragma once
// Redis commands over a hiredis connection: every argument sent with its length, each reply
// owned, and a failed connection's error in words.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct redisContext;
struct redisReply;

namespace sb {

struct RedisReplyDeleter {
    void operator()(redisReply* reply) const noexcept;
};
using RedisReplyPtr = std::unique_ptr<redisReply, RedisReplyDeleter>;

// Queues a command for the next round trip (pipelining). Keys and values are binary-safe.
// False only when hiredis is out of memory.
bool redis_append(redisContext* context, const std::vector<std::string_view>& args);
// The next reply; null when the connection failed (redis_error says why). An error *reply*
// is not null.
RedisReplyPtr redis_read_reply(redisContext* context);
// One command and its reply.
RedisReplyPtr redis_run(redisContext* context, const std::vector<std::string_view>& args);

// Why the connection failed. hiredis reports a socket timeout as EAGAIN's text; this says
// "no reply within <timeout> ms" instead.
std::string redis_error(const redisContext* context, std::chrono::milliseconds timeout);
// A string, status or error reply's text.
std::string_view redis_text(const redisReply* reply);
// The SCAN MATCH pattern of every key that starts with `prefix` (its glob characters escaped).
std::string redis_prefix_pattern(std::string_view prefix);

}  // namespace sb
