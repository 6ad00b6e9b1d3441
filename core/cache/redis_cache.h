#pragma once
// The shared response cache in Redis (hiredis), for several gateway instances behind one
// store. A slow or dead Redis must cost a request almost nothing, so:
//   - get() runs on the caller's thread over a small pool of connections with connect and
//     command timeouts; any failure marks the store unavailable and, for retry_interval, every
//     get() answers with an immediate error instead of another connection attempt
//     (cache/redis_connections);
//   - put() only enqueues; one writer thread with its own connection stores the entries;
//   - entries/bytes for stats() are counted by the writer in the background (an incremental
//     SCAN between batches), so stats() never touches the network.
// Stored value: JSON {"v": value, "rule": rule, "stored_ms": unix ms} under <prefix><key>,
// with PX for TTL entries and no expiry for pinned ones; <prefix>rule:<rule> is a set of the
// keys a rule stored, for purge_rule. A rule set does not expire with its members: names of
// expired keys stay until purge_rule/purge_all (UNLINK of a gone key counts 0), so a set
// grows with the distinct keys a rule ever stored. The password is never logged nor put in
// an error message.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cache/cache_backend.h"
#include "cache/redis_connections.h"

namespace sb {

struct RedisCacheOptions {
    std::string host = "127.0.0.1";
    int port = 6379;
    std::string password;  // resolved secret; never logged, never in an error message
    int database = 0;
    std::string key_prefix = "switchboard:";
    std::chrono::milliseconds connect_timeout{200};
    std::chrono::milliseconds command_timeout{50};   // a slow store is bypassed, not waited for
    std::chrono::milliseconds retry_interval{1000};  // after a failure, no reconnect attempt before this
    std::size_t write_queue = 10'000;  // puts waiting for the writer; beyond → dropped and counted
    int read_connections = 4;          // pool for concurrent get()s
};

class RedisCache final : public CacheBackend {
public:
    using Clock = std::chrono::steady_clock;

    // Never fails: an unreachable server makes the cache unavailable, retried later. Opens
    // one read connection first (bounded by connect_timeout) so stats() is right at once.
    static std::unique_ptr<RedisCache> create(RedisCacheOptions options);
    ~RedisCache() override;
    RedisCache(const RedisCache&) = delete;
    RedisCache& operator=(const RedisCache&) = delete;

    std::string_view name() const override { return "redis"; }
    std::expected<std::optional<std::string>, std::string> get(std::string_view key) override;
    // Enqueues for the writer. False when the queue is full or the store is known to be down
    // (inside the retry interval after a failure); both are counted in dropped() and errors.
    bool put(std::string key, CacheEntry entry) override;
    // Also discard this instance's queued puts: they were made before the purge.
    std::size_t purge_all() override;
    std::size_t purge_rule(std::string_view rule) override;
    // Local counters plus entries/bytes from the last background count (refreshed at most
    // every 2 s while stats() is being called). bytes = key + stored JSON length of each
    // entry (STRLEN), i.e. the payload; Redis's own per-key overhead is not included.
    CacheBackendStats stats() const override;

    // Accepted or refused puts that never reached Redis: queue full, store down, the write
    // failed, or a purge discarded them from the queue.
    std::uint64_t dropped() const { return m_dropped.load(); }
    // How long the destructor keeps flushing queued puts to a live server.
    static constexpr std::chrono::milliseconds kShutdownFlush{2000};
    static constexpr std::chrono::milliseconds kStatsInterval{2000};

private:
    explicit RedisCache(RedisCacheOptions options);

    struct Pending {
        std::string key;  // with the prefix
        CacheEntry entry;
    };

    // A command on `context` failed (no reply): the store is down for retry_interval, the error
    // counted. Returns the message.
    std::string command_failed(const redisContext* context, std::string_view what);

    void writer_loop();
    bool writer_connected();  // (re)connects the writer unless the store is known down
    void write_batch(std::vector<Pending>& batch);
    void count_step();  // one SCAN page of the background entries/bytes count

    const RedisCacheOptions m_options;
    RedisConnections m_connections;  // after m_options, which it reads

    std::mutex m_queue_mutex;
    mutable std::condition_variable m_queue_cv;  // stats() wakes the writer for a count
    std::deque<Pending> m_queue;                 // m_queue_mutex
    bool m_stopping = false;                     // m_queue_mutex
    mutable std::atomic<bool> m_stats_wanted{false};
    std::thread m_writer;

    // Writer-thread only: its connection and the background count in progress.
    RedisConnections::Connection m_write_connection;
    std::string m_scan_cursor = "0";
    bool m_counting = false;
    std::size_t m_scan_entries = 0, m_scan_bytes = 0;
    Clock::time_point m_last_count{};

    std::atomic<std::uint64_t> m_hits{0}, m_misses{0}, m_insertions{0}, m_expirations{0}, m_errors{0},
        m_dropped{0};
    std::atomic<std::size_t> m_entries{0}, m_bytes{0};  // the last finished count
};

}  // namespace sb
