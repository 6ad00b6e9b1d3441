#include "cache/redis_cache.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "cache/redis_command.h"
#include "model/clock.h"

namespace sb {

namespace {

constexpr std::size_t kWriteBatch = 256;  // puts per pipelined round trip
constexpr std::size_t kScanCount = 500;   // SCAN COUNT hint and UNLINK batch size

}  // namespace

std::unique_ptr<RedisCache> RedisCache::create(RedisCacheOptions options) {
    std::unique_ptr<RedisCache> cache(new RedisCache(std::move(options)));
    // One connection up front, so stats().available tells the truth from the start.
    (void)cache->m_connections.acquire();
    return cache;
}

RedisCache::RedisCache(RedisCacheOptions options) : m_options(std::move(options)), m_connections(m_options) {
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

std::string RedisCache::command_failed(const redisContext* context, std::string_view what) {
    std::string message =
        m_connections.where() + ": " + std::string(what) + ": " + redis_error(context, m_options.command_timeout);
    m_connections.record_failure(message);
    ++m_errors;
    return message;
}

std::expected<std::optional<std::string>, std::string> RedisCache::get(std::string_view key) {
    auto lease = m_connections.acquire();
    if (!lease) {
        ++m_errors;
        return std::unexpected(std::move(lease.error()));
    }
    const std::string full_key = m_options.key_prefix + std::string(key);
    const RedisReplyPtr reply = redis_run(lease->get(), {"GET", full_key});
    if (!reply) {
        std::string message = command_failed(lease->get(), "GET");
        lease->drop();
        return std::unexpected(std::move(message));
    }
    if (reply->type == REDIS_REPLY_NIL) {
        ++m_misses;
        return std::nullopt;
    }
    if (reply->type != REDIS_REPLY_STRING) {
        const std::string message = m_connections.where() + ": GET: " +
                                    (reply->type == REDIS_REPLY_ERROR ? std::string(redis_text(reply.get()))
                                                                      : std::string("unexpected reply type"));
        m_connections.note_error(message);
        ++m_errors;
        return std::unexpected(message);
    }
    const std::string_view text = redis_text(reply.get());
    const auto doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
    const auto value = doc.is_object() ? doc.find("v") : doc.end();
    if (doc.is_discarded() || !doc.is_object() || value == doc.end() || !value->is_string()) {
        // Someone else's value, or a format we no longer write: the caller goes upstream.
        m_connections.note_error(m_connections.where() + ": value under a cache key is not a Switchboard entry");
        ++m_errors;
        ++m_misses;
        return std::nullopt;
    }
    ++m_hits;
    return value->get<std::string>();
}

bool RedisCache::put(std::string key, CacheEntry entry) {
    if (!m_connections.known_down_error().empty()) {
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
            if (m_queue.empty() || Clock::now() >= *flush_deadline || !m_connections.known_down_error().empty()) {
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
    if (m_connections.current(m_write_connection)) return true;
    m_write_connection = {};
    if (!m_connections.known_down_error().empty()) return false;
    auto connection = m_connections.connect();
    if (!connection) {
        m_connections.record_failure(connection.error());
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
    const std::int64_t stored_ms = unix_ms(now);
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
        if (!(ttl.empty() ? redis_append(context, {"SET", pending.key, json})
                          : redis_append(context, {"SET", pending.key, json, "PX", ttl})))
            break;
        is_set.push_back(true);
        if (!pending.entry.rule.empty()) {
            const std::string set = m_options.key_prefix + "rule:" + pending.entry.rule;
            if (!redis_append(context, {"SADD", set, pending.key})) break;
            is_set.push_back(false);
        }
    }
    std::size_t unconfirmed = static_cast<std::size_t>(std::count(is_set.begin(), is_set.end(), true));
    for (const bool set : is_set) {
        const RedisReplyPtr reply = redis_read_reply(context);
        if (!reply) {
            command_failed(context, "write");
            m_write_connection = {};
            m_dropped += unconfirmed;
            return;
        }
        if (!set) continue;
        --unconfirmed;
        if (reply->type == REDIS_REPLY_ERROR) {
            m_connections.note_error(m_connections.where() + ": SET: " + std::string(redis_text(reply.get())));
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
    const std::string pattern = redis_prefix_pattern(m_options.key_prefix);
    const std::string count = std::to_string(kScanCount);
    auto fail = [&](std::string_view what) {
        command_failed(context, what);
        m_write_connection = {};
        m_counting = false;
    };
    const RedisReplyPtr page = redis_run(context, {"SCAN", m_scan_cursor, "MATCH", pattern, "COUNT", count});
    if (!page) return fail("SCAN");
    if (page->type != REDIS_REPLY_ARRAY || page->elements != 2 ||
        page->element[1]->type != REDIS_REPLY_ARRAY) {
        m_connections.note_error(m_connections.where() + ": SCAN: unexpected reply");
        ++m_errors;
        m_counting = false;
        return;
    }
    const redisReply* keys = page->element[1];
    // STRLEN answers WRONGTYPE for the rule sets, which is how they stay out of the count;
    // 0 means the key expired since SCAN saw it.
    for (std::size_t i = 0; i < keys->elements; ++i) redis_append(context, {"STRLEN", redis_text(keys->element[i])});
    for (std::size_t i = 0; i < keys->elements; ++i) {
        const RedisReplyPtr length = redis_read_reply(context);
        if (!length) return fail("STRLEN");
        if (length->type == REDIS_REPLY_INTEGER && length->integer > 0) {
            ++m_scan_entries;
            m_scan_bytes += keys->element[i]->len + static_cast<std::size_t>(length->integer);
        }
    }
    m_scan_cursor = std::string(redis_text(page->element[0]));
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
    auto lease = m_connections.acquire();
    if (!lease) {
        ++m_errors;
        return 0;
    }
    redisContext* context = lease->get();
    const std::string pattern = redis_prefix_pattern(m_options.key_prefix);
    const std::string rule_prefix = m_options.key_prefix + "rule:";
    const std::string semantic_prefix = m_options.key_prefix + "semantic:";  // the semantic cache's questions
    const std::string count = std::to_string(kScanCount);
    std::string cursor = "0";
    std::size_t removed = 0;
    auto fail = [&](std::string_view what) {
        command_failed(context, what);
        lease->drop();
        return removed;
    };
    do {
        const RedisReplyPtr page = redis_run(context, {"SCAN", cursor, "MATCH", pattern, "COUNT", count});
        if (!page) return fail("SCAN");
        if (page->type != REDIS_REPLY_ARRAY || page->elements != 2 ||
            page->element[1]->type != REDIS_REPLY_ARRAY) {
            m_connections.note_error(m_connections.where() + ": SCAN: unexpected reply");
            ++m_errors;
            return removed;
        }
        cursor = std::string(redis_text(page->element[0]));
        // Entries and the rest (rule sets, the semantic cache's questions) go in separate
        // commands so that only entries are counted.
        std::vector<std::string_view> entries{"UNLINK"}, sets{"UNLINK"};
        const redisReply* keys = page->element[1];
        for (std::size_t i = 0; i < keys->elements; ++i) {
            const std::string_view name = redis_text(keys->element[i]);
            (name.starts_with(rule_prefix) || name.starts_with(semantic_prefix) ? sets : entries).push_back(name);
        }
        for (const auto* args : {&entries, &sets}) {
            if (args->size() == 1) continue;
            const RedisReplyPtr reply = redis_run(context, *args);
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
    auto lease = m_connections.acquire();
    if (!lease) {
        ++m_errors;
        return 0;
    }
    redisContext* context = lease->get();
    const std::string set = m_options.key_prefix + "rule:" + std::string(rule);
    std::size_t removed = 0;
    auto fail = [&](std::string_view what) {
        command_failed(context, what);
        lease->drop();
        return removed;
    };
    // Read and delete the set in one transaction, so a key added meanwhile is not lost from it.
    redis_append(context, {"MULTI"});
    redis_append(context, {"SMEMBERS", set});
    redis_append(context, {"UNLINK", set});
    redis_append(context, {"EXEC"});
    RedisReplyPtr exec;
    for (int i = 0; i < 4; ++i) {
        exec = redis_read_reply(context);
        if (!exec) return fail("purge rule");
    }
    if (exec->type != REDIS_REPLY_ARRAY || exec->elements != 2 ||
        exec->element[0]->type != REDIS_REPLY_ARRAY) {
        m_connections.note_error(m_connections.where() + ": purge rule: unexpected reply");
        ++m_errors;
        return 0;
    }
    const redisReply* members = exec->element[0];
    for (std::size_t start = 0; start < members->elements; start += kScanCount) {
        std::vector<std::string_view> args{"UNLINK"};
        for (std::size_t i = start; i < std::min(members->elements, start + kScanCount); ++i)
            args.push_back(redis_text(members->element[i]));
        const RedisReplyPtr reply = redis_run(context, args);
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
    const auto status = m_connections.status();
    s.available = status.available;
    s.last_error = status.last_error;
    return s;
}

}  // namespace sb
