#pragma once
// The semantic cache's questions shared by a fleet through Redis. Every instance appends the
// questions whose answers it stored to one stream (<prefix>semantic:questions, XADD with
// MAXLEN ~ max_entries) and reads the stream from where it last stopped before it searches its
// own index, so a question answered by one instance can serve a paraphrase asked at another.
// The answers themselves are in the shared response cache (RedisCache); a question whose answer
// is gone is simply not served.
//
// An entry: scope, key (the exact cache key), q (the question), v (the vector as raw
// little-endian float32s) and ms (when it was stored, unix ms). publish() only enqueues: one
// writer thread appends; a store that is down costs a lookup one failed read within the
// command timeout, then nothing until the retry interval has passed (RedisConnections).
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <expected>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cache/redis_cache.h"
#include "cache/redis_connections.h"

namespace sb {

struct SharedQuestion {
    std::string scope;
    std::string key;
    std::string question;
    std::vector<float> vector;
    std::int64_t stored_ms = 0;
};

struct SharedQuestionStats {
    std::uint64_t published = 0;  // appended to the stream
    std::uint64_t received = 0;   // read from the stream (this instance's own included)
    std::uint64_t dropped = 0;    // never appended: queue full, store down, write failed
    std::uint64_t errors = 0;
    bool available = true;
    std::string last_error;
};

class RedisSemanticVectors {
public:
    RedisSemanticVectors(RedisCacheOptions options, std::size_t max_entries);
    ~RedisSemanticVectors();
    RedisSemanticVectors(const RedisSemanticVectors&) = delete;
    RedisSemanticVectors& operator=(const RedisSemanticVectors&) = delete;

    // False when it was not accepted (queue full, store known down).
    bool publish(SharedQuestion question);
    // The entries appended since the last call (all of the stream's on the first), in order.
    std::expected<std::vector<SharedQuestion>, std::string> fetch_new();
    SharedQuestionStats stats() const;
    std::string stream_key() const { return m_options.key_prefix + "semantic:questions"; }

private:
    void writer_loop();
    void write_batch(std::vector<SharedQuestion>& batch);

    const RedisCacheOptions m_options;
    const std::size_t m_max_entries;
    RedisConnections m_connections;  // after m_options, which it reads

    std::mutex m_read_mutex;       // one reader at a time moves the position
    std::string m_last_id = "0";   // m_read_mutex

    std::mutex m_queue_mutex;
    std::condition_variable m_queue_cv;
    std::deque<SharedQuestion> m_queue;  // m_queue_mutex
    bool m_stopping = false;             // m_queue_mutex
    std::thread m_writer;
    RedisConnections::Connection m_write_connection;  // writer thread only

    std::atomic<std::uint64_t> m_published{0}, m_received{0}, m_dropped{0}, m_errors{0};
};

}  // namespace sb
