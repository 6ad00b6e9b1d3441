#include "cache/redis_cache.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <utility>
#include "model/clock.h"

namespace sb {

void RedisCache::ContextDeleter::operator()(redisContext* context) const noexcept {
    redisFree(context);
}

namespace {

struct ReplyDeleter {
    void operator()(redisReply* reply) const noexcept { freeReplyObject(reply); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

constexpr std::size_t kWriteBatch = 256;  // puts per pipelined round trip
constexpr std::size_t kScanCount = 500;   // SCAN COUNT hint and UNLINK batch size

timeval to_timeval(std::chrono::milliseconds ms) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
    return tv;
}

// Every argument goes with its length: keys and values are binary-safe.
int append(redisContext* context, const std::vector<std::string_view>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const auto arg : args) {
        argv.push_back(arg.data());
        lengths.push_back(arg.size());
    }
    return redisAppendCommandArgv(context, static_cast<int>(args.size()), argv.data(), lengths.data());
}

// Null when the connection failed (context->err says why); an error *reply* is not null.
ReplyPtr read_reply(redisContext* context) {
    void* reply = nullptr;
    if (redisGetReply(context, &reply) != REDIS_OK) return nullptr;
    return ReplyPtr(static_cast<redisReply*>(reply));
}

ReplyPtr run(redisContext* context, const std::vector<std::string_view>& args) {
    if (append(context, args) != REDIS_OK) return nullptr;
    return read_reply(context);
}

// hiredis reports a socket timeout as EAGAIN's text; say what it means instead.
std::string context_error(const redisContext* context, std::chrono::milliseconds timeout) {
    if (context->err == REDIS_ERR_IO && std::strcmp(context->errstr, std::strerror(EAGAIN)) == 0)
        return "no reply within " + std::to_string(timeout.count()) + " ms";
    if (context->err == REDIS_ERR_EOF) return "connection closed by the server";
    return context->errstr[0] ? std::string(context->errstr) : std::string("connection error");
}

std::string_view reply_text(const redisReply* reply) {
    return reply->str ? std::string_view(reply->str, reply->len) : std::string_view();
}

// SCAN MATCH is a glob: a prefix with * ? [ ] or \ must match only itself.
std::string glob_escape(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

}  // namespace

// A read connection checked out of the pool by one thread; back into the pool when done,
// unless drop() was called because it failed (a failed hiredis context is unusable).
class RedisCache::Lease {
public:
    Lease(RedisCache* owner, Connection connection) : m_owner(owner), m_connection(std::move(connection)) {}
    Lease(Lease&& other) noexcept
        : m_owner(std::exchange(other.m_owner, nullptr)), m_connection(std::move(other.m_connection)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
        if (m_owner) m_owner->release(std::move(m_connection));
    }
    redisContext* get() const { return m_connection.context.get(); }
    void drop() { m_connection.context.reset(); }

private:
    RedisCache* m_owner;
    Connection m_connection;
};

std::unique_ptr<RedisCache> RedisCache::create(RedisCacheOptions options) {
    std::unique_ptr<RedisCache> cache(new RedisCache(std::move(options)));
    // One connection up front, so stats().available tells the truth from the start.
    (void)cache->acquire();
    return cache;
}

RedisCache::RedisCache(RedisCacheOptions options) : m_options(std::move(options)) {
    m_writer = std::thread([this] { writer_loop(); });
}

RedisCache::~RedisCache() {
    {
        std::lock_guard lock(m_queue_mutex);
        m_stopping = true;
    }
    m_queue_cv.notify_all();
    m_writer.join();
}

std::string RedisCache::where() const {
    return "redis " + m_options.host + ":" + std::to_string(m_options.port);
}

std::expected<RedisCache::Connection, std::string> RedisCache::connect() {
    const std::uint64_t generation = m_generation.load();
    ContextPtr context(redisConnectWithTimeout(m_options.host.c_str(), m_options.port,
                                               to_timeval(m_options.connect_timeout)));
    if (!context) return std::unexpected(where() + ": cannot allocate a connection");
    if (context->err)
        return std::unexpected(where() +
                               ": connect: " + context_error(context.get(), m_options.connect_timeout));
    if (redisSetTimeout(context.get(), to_timeval(m_options.command_timeout)) != REDIS_OK)
        return std::unexpected(where() + ": cannot set the command timeout");
    // Only the server's reply goes into a message, never the password itself.
    auto setup = [&](std::string_view what, std::vector<std::string_view> args) -> std::string {
        const ReplyPtr reply = run(context.get(), args);
        if (!reply)
            return where() + ": " + std::string(what) + ": " +
                   context_error(context.get(), m_options.command_timeout);
        if (reply->type == REDIS_REPLY_ERROR)
            return where() + ": " + std::string(what) + ": " + std::string(reply_text(reply.get()));
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

void RedisCache::record_failure(const std::string& message) {
    std::lock_guard lock(m_state_mutex);
    m_available = false;
    m_last_error = message;
    m_retry_after = Clock::now() + m_options.retry_interval;
    ++m_generation;
}

void RedisCache::note_error(const std::string& message) {
    std::lock_guard lock(m_state_mutex);
    m_last_error = message;
}

std::string RedisCache::known_down_error() const {
    if (m_available.load()) return {};
    std::lock_guard lock(m_state_mutex);
    const auto now = Clock::now();
    if (m_available.load() || now >= m_retry_after) return {};
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(m_retry_after - now);
    return where() + ": unavailable, next connection attempt in " + std::to_string(wait.count()) + " ms";
}

std::expected<RedisCache::Lease, std::string> RedisCache::acquire() {
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

void RedisCache::release(Connection connection) {
    {
        std::lock_guard lock(m_pool_mutex);
        if (connection.context && connection.generation == m_generation.load())
            m_idle.push_back(std::move(connection));
        else
            --m_open;
    }
    m_pool_cv.notify_one();
}

std::expected<std::optional<std::string>, std::string> RedisCache::get(std::string_view key) {
    auto lease = acquire();
    if (!lease) {
        ++m_errors;
        return std::unexpected(std::move(lease.error()));
    }
    const std::string full_key = m_options.key_prefix + std::string(key);
    const ReplyPtr reply = run(lease->get(), {"GET", full_key});
    if (!reply) {
        const std::string message =
            where() + ": GET: " + context_error(lease->get(), m_options.command_timeout);
        lease->drop();
        record_failure(message);
        ++m_errors;
        return std::unexpected(message);
    }
    if (reply->type == REDIS_REPLY_NIL) {
        ++m_misses;
        return std::nullopt;
    }
    if (reply->type != REDIS_REPLY_STRING) {
        const std::string message = where() + ": GET: " +
                                    (reply->type == REDIS_REPLY_ERROR ? std::string(reply_text(reply.get()))
                                                                      : std::string("unexpected reply type"));
        note_error(message);
        ++m_errors;
        return std::unexpected(message);
    }
    const std::string_view text = reply_text(reply.get());
    const auto doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
    const auto value = doc.is_object() ? doc.find("v") : doc.end();
    if (doc.is_discarded() || !doc.is_object() || value == doc.end() || !value->is_string()) {
        // Someone else's value, or a format we no longer write: the caller goes upstream.
        note_error(where() + ": value under a cache key is not a Switchboard entry");
        ++m_errors;
        ++m_misses;
        return std::nullopt;
    }
    ++m_hits;
    return value->get<std::string>();
}

bool RedisCache::put(std::string key, CacheEntry entry) {
    if (!known_down_error().empty()) {
        ++m_dropped;
        ++m_errors;
        return false;
    }
    {
        std::lock_guard lock(m_queue_mutex);
        if (m_stopping || m_queue.size() >= m_options.write_queue) {
            ++m_dropped;
            ++m_errors;
            return false;
        }
        m_queue.push_back(Pending{m_options.key_prefix + key, std::move(entry)});
    }
    m_queue_cv.notify_one();
    return true;
}

void RedisCache::writer_loop() {
    std::unique_lock lock(m_queue_mutex);
    std::optional<Clock::time_point> flush_deadline;
    while (true) {
        // The timeout lets the writer notice a count that became due without a put.
        // A count starts at most every kStatsInterval, and only while someone asks. The
        // timeout lets the writer notice one that became due without a put.
        const auto count_due = [&] {
            return !m_counting && m_stats_wanted.load() && Clock::now() - m_last_count >= kStatsInterval;
        };
        m_queue_cv.wait_for(lock, std::chrono::milliseconds(200),
                            [&] { return m_stopping || !m_queue.empty() || m_counting || count_due(); });
        if (m_stopping) {
            if (!flush_deadline) flush_deadline = Clock::now() + kShutdownFlush;
            // Nothing more reaches a store that is down or past the flush budget.
            if (m_queue.empty() || Clock::now() >= *flush_deadline || !known_down_error().empty()) {
                m_dropped += m_queue.size();
                m_queue.clear();
                break;
            }
        }
        std::vector<Pending> batch;
        while (!m_queue.empty() && batch.size() < kWriteBatch) {
            batch.push_back(std::move(m_queue.front()));
            m_queue.pop_front();
        }
        lock.unlock();
        if (!batch.empty()) {
            write_batch(batch);
        } else if (!m_stopping) {
            if (count_due()) {
                m_stats_wanted = false;
                m_counting = true;
                m_last_count = Clock::now();
                m_scan_cursor = "0";
                m_scan_entries = m_scan_bytes = 0;
            }
            if (m_counting) count_step();
        }
        lock.lock();
    }
}

bool RedisCache::writer_connected() {
    if (m_write_connection.context && m_write_connection.generation == m_generation.load()) return true;
    m_write_connection = {};
    if (!known_down_error().empty()) return false;
    auto connection = connect();
    if (!connection) {
        record_failure(connection.error());
        ++m_errors;
        return false;
    }
    m_write_connection = std::move(*connection);
    return true;
}

void RedisCache::write_batch(std::vector<Pending>& batch) {
    if (!writer_connected()) {
        m_dropped += batch.size();
        return;
    }
    redisContext* context = m_write_connection.context.get();
    const auto now = std::chrono::system_clock::now();
    const std::int64_t stored_ms = unix_ms_now();
    std::vector<bool> is_set;  // per appended command: SET (counts an insertion) or SADD
    for (const Pending& pending : batch) {
        std::string ttl;
        if (pending.entry.expires) {
            const auto left =
                std::chrono::ceil<std::chrono::milliseconds>(*pending.entry.expires - now).count();
            if (left <= 0) {
                ++m_expirations;
                continue;
            }
            ttl = std::to_string(left);
        }
        // Invalid UTF-8 is replaced rather than thrown: a put never fails on content.
        const std::string json = nlohmann::json{
            {"v", pending.entry.value},
            {"rule", pending.entry.rule},
            {"stored_ms", stored_ms}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        // Appending only fails when out of memory; what was appended is still read back.
        if ((ttl.empty() ? append(context, {"SET", pending.key, json})
                         : append(context, {"SET", pending.key, json, "PX", ttl})) != REDIS_OK)
            break;
        is_set.push_back(true);
        if (!pending.entry.rule.empty()) {
            const std::string set = m_options.key_prefix + "rule:" + pending.entry.rule;
            if (append(context, {"SADD", set, pending.key}) != REDIS_OK) break;
            is_set.push_back(false);
        }
    }
    std::size_t unconfirmed = static_cast<std::size_t>(std::count(is_set.begin(), is_set.end(), true));
    for (const bool set : is_set) {
        const ReplyPtr reply = read_reply(context);
        if (!reply) {
            record_failure(where() + ": write: " + context_error(context, m_options.command_timeout));
            m_write_connection = {};
            ++m_errors;
            m_dropped += unconfirmed;
            return;
        }
        if (!set) continue;
        --unconfirmed;
        if (reply->type == REDIS_REPLY_ERROR) {
            note_error(where() + ": SET: " + std::string(reply_text(reply.get())));
            ++m_errors;
            ++m_dropped;
        } else {
            ++m_insertions;
        }
    }
}

void RedisCache::count_step() {
    if (!writer_connected()) {
        m_counting = false;
        return;
    }
    redisContext* context = m_write_connection.context.get();
    const std::string pattern = glob_escape(m_options.key_prefix) + "*";
    const std::string count = std::to_string(kScanCount);
    auto fail = [&](const std::string& what) {
        record_failure(where() + ": " + what + ": " + context_error(context, m_options.command_timeout));
        m_write_connection = {};
        ++m_errors;
        m_counting = false;
    };
    const ReplyPtr page = run(context, {"SCAN", m_scan_cursor, "MATCH", pattern, "COUNT", count});
    if (!page) return fail("SCAN");
    if (page->type != REDIS_REPLY_ARRAY || page->elements != 2 ||
        page->element[1]->type != REDIS_REPLY_ARRAY) {
        note_error(where() + ": SCAN: unexpected reply");
        ++m_errors;
        m_counting = false;
        return;
    }
    const redisReply* keys = page->element[1];
    // STRLEN answers WRONGTYPE for the rule sets, which is how they stay out of the count;
    // 0 means the key expired since SCAN saw it.
    for (std::size_t i = 0; i < keys->elements; ++i)
        append(context, {"STRLEN", reply_text(keys->element[i])});
    for (std::size_t i = 0; i < keys->elements; ++i) {
        const ReplyPtr length = read_reply(context);
        if (!length) return fail("STRLEN");
        if (length->type == REDIS_REPLY_INTEGER && length->integer > 0) {
            ++m_scan_entries;
            m_scan_bytes += keys->element[i]->len + static_cast<std::size_t>(length->integer);
        }
    }
    m_scan_cursor = std::string(reply_text(page->element[0]));
    if (m_scan_cursor == "0") {
        m_entries = m_scan_entries;
        m_bytes = m_scan_bytes;
        m_counting = false;
    }
}

std::size_t RedisCache::purge_all() {
    {
        std::lock_guard lock(m_queue_mutex);
        m_dropped += m_queue.size();
        m_queue.clear();
    }
    auto lease = acquire();
    if (!lease) {
        ++m_errors;
        return 0;
    }
    redisContext* context = lease->get();
    const std::string pattern = glob_escape(m_options.key_prefix) + "*";
    const std::string rule_prefix = m_options.key_prefix + "rule:";
    const std::string count = std::to_string(kScanCount);
    std::string cursor = "0";
    std::size_t removed = 0;
    auto fail = [&](std::string_view what) {
        record_failure(where() + ": " + std::string(what) + ": " +
                       context_error(context, m_options.command_timeout));
        lease->drop();
        ++m_errors;
        return removed;
    };
    do {
        const ReplyPtr page = run(context, {"SCAN", cursor, "MATCH", pattern, "COUNT", count});
        if (!page) return fail("SCAN");
        if (page->type != REDIS_REPLY_ARRAY || page->elements != 2 ||
            page->element[1]->type != REDIS_REPLY_ARRAY) {
            note_error(where() + ": SCAN: unexpected reply");
            ++m_errors;
            return removed;
        }
        cursor = std::string(reply_text(page->element[0]));
        // Entries and rule sets go in separate commands so that only entries are counted.
        std::vector<std::string_view> entries{"UNLINK"}, sets{"UNLINK"};
        const redisReply* keys = page->element[1];
        for (std::size_t i = 0; i < keys->elements; ++i) {
            const std::string_view name = reply_text(keys->element[i]);
            (name.starts_with(rule_prefix) ? sets : entries).push_back(name);
        }
        for (const auto* args : {&entries, &sets}) {
            if (args->size() == 1) continue;
            const ReplyPtr reply = run(context, *args);
            if (!reply) return fail("UNLINK");
            if (args == &entries && reply->type == REDIS_REPLY_INTEGER)
                removed += static_cast<std::size_t>(reply->integer);
        }
    } while (cursor != "0");
    m_entries = 0;
    m_bytes = 0;
    return removed;
}

std::size_t RedisCache::purge_rule(std::string_view rule) {
    {
        std::lock_guard lock(m_queue_mutex);
        m_dropped +=
            std::erase_if(m_queue, [&](const Pending& pending) { return pending.entry.rule == rule; });
    }
    auto lease = acquire();
    if (!lease) {
        ++m_errors;
        return 0;
    }
    redisContext* context = lease->get();
    const std::string set = m_options.key_prefix + "rule:" + std::string(rule);
    std::size_t removed = 0;
    auto fail = [&](std::string_view what) {
        record_failure(where() + ": " + std::string(what) + ": " +
                       context_error(context, m_options.command_timeout));
        lease->drop();
        ++m_errors;
        return removed;
    };
    // Read and delete the set in one transaction, so a key added meanwhile is not lost from it.
    append(context, {"MULTI"});
    append(context, {"SMEMBERS", set});
    append(context, {"UNLINK", set});
    append(context, {"EXEC"});
    ReplyPtr exec;
    for (int i = 0; i < 4; ++i) {
        exec = read_reply(context);
        if (!exec) return fail("purge rule");
    }
    if (exec->type != REDIS_REPLY_ARRAY || exec->elements != 2 ||
        exec->element[0]->type != REDIS_REPLY_ARRAY) {
        note_error(where() + ": purge rule: unexpected reply");
        ++m_errors;
        return 0;
    }
    const redisReply* members = exec->element[0];
    for (std::size_t start = 0; start < members->elements; start += kScanCount) {
        std::vector<std::string_view> args{"UNLINK"};
        for (std::size_t i = start; i < std::min(members->elements, start + kScanCount); ++i)
            args.push_back(reply_text(members->element[i]));
        const ReplyPtr reply = run(context, args);
        if (!reply) return fail("UNLINK");
        if (reply->type == REDIS_REPLY_INTEGER) removed += static_cast<std::size_t>(reply->integer);
    }
    return removed;
}

CacheBackendStats RedisCache::stats() const {
    m_stats_wanted = true;
    m_queue_cv.notify_one();
    CacheBackendStats s;
    s.hits = m_hits.load();
    s.misses = m_misses.load();
    s.insertions = m_insertions.load();
    s.expirations = m_expirations.load();
    s.errors = m_errors.load();
    s.entries = m_entries.load();
    s.bytes = m_bytes.load();
    s.max_bytes = 0;  // Redis bounds itself (maxmemory)
    std::lock_guard lock(m_state_mutex);
    s.available = m_available.load();
    s.last_error = m_last_error;
    return s;
}

}  // namespace sb
