// The semantic cache's shared questions: a Redis stream appended by one writer thread and read
// from the last position before each search.
#include "cache/redis_semantic_vectors.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>

#include "cache/redis_command.h"

namespace sb {

namespace {

constexpr std::size_t kQuestionsPerWrite = 128;   // appends per pipelined round trip
constexpr std::size_t kQuestionQueueLimit = 10'000;
constexpr int kQuestionsPerRead = 1000;           // entries per XREAD
constexpr int kQuestionReadRounds = 20;            // at most this many XREADs per fetch_new()

std::string_view stream_field(const redisReply* fields, std::string_view name) {
    for (std::size_t i = 0; i + 1 < fields->elements; i += 2)
        if (redis_text(fields->element[i]) == name) return redis_text(fields->element[i + 1]);
    return {};
}

// One stream entry ([id, [field, value, …]]); nullopt when it is not a whole question.
std::optional<SharedQuestion> shared_question_of(const redisReply* entry) {
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 || entry->element[1]->type != REDIS_REPLY_ARRAY)
        return std::nullopt;
    const redisReply* fields = entry->element[1];
    SharedQuestion question;
    question.scope = std::string(stream_field(fields, "scope"));
    question.key = std::string(stream_field(fields, "key"));
    question.question = std::string(stream_field(fields, "q"));
    const std::string_view bytes = stream_field(fields, "v");
    const std::string_view stored = stream_field(fields, "ms");
    if (question.scope.empty() || question.key.empty() || bytes.empty() || bytes.size() % sizeof(float) != 0)
        return std::nullopt;
    question.vector.resize(bytes.size() / sizeof(float));
    std::memcpy(question.vector.data(), bytes.data(), bytes.size());
    question.stored_ms = std::strtoll(std::string(stored).c_str(), nullptr, 10);
    return question;
}

}  // namespace

RedisSemanticVectors::RedisSemanticVectors(RedisCacheOptions options, std::size_t max_entries)
    : m_options(std::move(options)), m_max_entries(std::max<std::size_t>(max_entries, 1)), m_connections(m_options) {
    m_writer = std::thread([this] { writer_loop(); });
}

RedisSemanticVectors::~RedisSemanticVectors() {
    {
        std::lock_guard lock(m_queue_mutex);
        m_stopping = true;
    }
    m_queue_cv.notify_all();
    m_writer.join();
}

bool RedisSemanticVectors::publish(SharedQuestion question) {
    if (!m_connections.known_down_error().empty()) {
        ++m_dropped;
        return false;
    }
    {
        std::lock_guard lock(m_queue_mutex);
        if (m_stopping || m_queue.size() >= kQuestionQueueLimit) {
            ++m_dropped;
            return false;
        }
        m_queue.push_back(std::move(question));
    }
    m_queue_cv.notify_one();
    return true;
}

void RedisSemanticVectors::writer_loop() {
    std::unique_lock lock(m_queue_mutex);
    while (true) {
        m_queue_cv.wait(lock, [&] { return m_stopping || !m_queue.empty(); });
        // What is still queued at shutdown is written once more, then the writer stops.
        std::vector<SharedQuestion> batch;
        while (!m_queue.empty() && batch.size() < kQuestionsPerWrite) {
            batch.push_back(std::move(m_queue.front()));
            m_queue.pop_front();
        }
        const bool last = m_stopping && m_queue.empty();
        lock.unlock();
        if (!batch.empty()) write_batch(batch);
        lock.lock();
        if (last || (m_stopping && !m_connections.known_down_error().empty())) {
            m_dropped += m_queue.size();
            m_queue.clear();
            return;
        }
    }
}

void RedisSemanticVectors::write_batch(std::vector<SharedQuestion>& batch) {
    if (!m_connections.current(m_write_connection)) {
        m_write_connection = {};
        auto connection = m_connections.known_down_error().empty()
                              ? m_connections.connect()
                              : std::expected<RedisConnections::Connection, std::string>(
                                    std::unexpected(m_connections.known_down_error()));
        if (!connection) {
            m_connections.record_failure(connection.error());
            ++m_errors;
            m_dropped += batch.size();
            return;
        }
        m_write_connection = std::move(*connection);
    }
    redisContext* context = m_write_connection.context.get();
    const std::string key = stream_key();
    const std::string max_entries = std::to_string(m_max_entries);
    std::size_t appended = 0;
    for (const SharedQuestion& question : batch) {
        const std::string_view bytes(reinterpret_cast<const char*>(question.vector.data()),
                                     question.vector.size() * sizeof(float));
        const std::string stored = std::to_string(question.stored_ms);
        if (!redis_append(context, {"XADD", key, "MAXLEN", "~", max_entries, "*", "scope", question.scope, "key",
                                    question.key, "q", question.question, "v", bytes, "ms", stored}))
            break;
        ++appended;
    }
    m_dropped += batch.size() - appended;
    for (std::size_t i = 0; i < appended; ++i) {
        const RedisReplyPtr reply = redis_read_reply(context);
        if (!reply) {
            m_connections.record_failure(m_connections.where() + ": XADD: " +
                                         redis_error(context, m_options.command_timeout));
            m_write_connection = {};
            ++m_errors;
            m_dropped += appended - i;
            return;
        }
        if (reply->type == REDIS_REPLY_ERROR) {
            m_connections.note_error(m_connections.where() + ": XADD: " + std::string(redis_text(reply.get())));
            ++m_errors;
            ++m_dropped;
        } else {
            ++m_published;
        }
    }
}

std::expected<std::vector<SharedQuestion>, std::string> RedisSemanticVectors::fetch_new() {
    std::lock_guard position(m_read_mutex);
    auto lease = m_connections.acquire();
    if (!lease) {
        ++m_errors;
        return std::unexpected(std::move(lease.error()));
    }
    const std::string key = stream_key();
    const std::string count = std::to_string(kQuestionsPerRead);
    std::vector<SharedQuestion> found;
    for (int round = 0; round < kQuestionReadRounds; ++round) {
        const RedisReplyPtr reply = redis_run(lease->get(), {"XREAD", "COUNT", count, "STREAMS", key, m_last_id});
        if (!reply) {
            std::string message = m_connections.where() + ": XREAD: " + redis_error(lease->get(), m_options.command_timeout);
            m_connections.record_failure(message);
            lease->drop();
            ++m_errors;
            return std::unexpected(std::move(message));
        }
        if (reply->type == REDIS_REPLY_NIL) break;  // nothing new
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 1 || reply->element[0]->type != REDIS_REPLY_ARRAY ||
            reply->element[0]->elements != 2 || reply->element[0]->element[1]->type != REDIS_REPLY_ARRAY) {
            const std::string message = m_connections.where() + ": XREAD: " +
                                        (reply->type == REDIS_REPLY_ERROR ? std::string(redis_text(reply.get()))
                                                                          : std::string("unexpected reply"));
            m_connections.note_error(message);
            ++m_errors;
            return std::unexpected(message);
        }
        const redisReply* entries = reply->element[0]->element[1];
        for (std::size_t i = 0; i < entries->elements; ++i) {
            const redisReply* entry = entries->element[i];
            if (entry->type == REDIS_REPLY_ARRAY && entry->elements == 2)
                m_last_id = std::string(redis_text(entry->element[0]));
            if (auto question = shared_question_of(entry)) found.push_back(std::move(*question));
        }
        m_received += entries->elements;
        if (entries->elements < static_cast<std::size_t>(kQuestionsPerRead)) break;
    }
    return found;
}

SharedQuestionStats RedisSemanticVectors::stats() const {
    SharedQuestionStats stats;
    stats.published = m_published.load();
    stats.received = m_received.load();
    stats.dropped = m_dropped.load();
    stats.errors = m_errors.load();
    const auto status = m_connections.status();
    stats.available = status.available;
    stats.last_error = status.last_error;
    return stats;
}

}  // namespace sb
