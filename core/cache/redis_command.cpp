// Redis commands over hiredis: binary-safe arguments, owned replies, connection errors in words.
#include "cache/redis_command.h"

#include <hiredis/hiredis.h>

#include <cerrno>
#include <cstring>

namespace sb {

void RedisReplyDeleter::operator()(redisReply* reply) const noexcept { freeReplyObject(reply); }

bool redis_append(redisContext* context, const std::vector<std::string_view>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const auto arg : args) {
        argv.push_back(arg.data());
        lengths.push_back(arg.size());
    }
    return redisAppendCommandArgv(context, static_cast<int>(args.size()), argv.data(), lengths.data()) == REDIS_OK;
}

RedisReplyPtr redis_read_reply(redisContext* context) {
    void* reply = nullptr;
    if (redisGetReply(context, &reply) != REDIS_OK) return nullptr;
    return RedisReplyPtr(static_cast<redisReply*>(reply));
}

RedisReplyPtr redis_run(redisContext* context, const std::vector<std::string_view>& args) {
    if (!redis_append(context, args)) return nullptr;
    return redis_read_reply(context);
}

std::string redis_error(const redisContext* context, std::chrono::milliseconds timeout) {
    if (context->err == REDIS_ERR_IO && std::strcmp(context->errstr, std::strerror(EAGAIN)) == 0)
        return "no reply within " + std::to_string(timeout.count()) + " ms";
    if (context->err == REDIS_ERR_EOF) return "connection closed by the server";
    return context->errstr[0] ? std::string(context->errstr) : std::string("connection error");
}

std::string_view redis_text(const redisReply* reply) {
    return reply->str ? std::string_view(reply->str, reply->len) : std::string_view();
}

std::string redis_prefix_pattern(std::string_view prefix) {
    std::string out;
    for (const char c : prefix) {
        if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
        out += c;
    }
    return out + "*";
}

}  // namespace sb
