#pragma once
// The semantic cache (config/cache_config.h, SemanticCacheConfig): what takes part, where a
// question's scope is, and the index of the questions whose answers are stored. The request
// path embeds the last user turn through the engine (an embeddings request like any other),
// asks nearest() for the closest stored question of the same scope and, at or above the
// threshold, serves that question's stored answer (ResponseCache::semantic_answer). An answer
// stored after an upstream call brings its question's vector in with remember().
//
// Fleets: with the Redis backend, remember() also appends the question to a Redis stream and
// nearest() first reads what the other instances appended (cache/redis_semantic_vectors).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cache/cache_rules.h"
#include "cache/redis_semantic_vectors.h"
#include "cache/semantic_index.h"
#include "config/cache_config.h"
#include "model/chat.h"

namespace sb {

// A conversation that takes part: its scope and the text that is embedded.
struct SemanticQuestion {
    std::string scope;
    std::string text;     // the last user turn, whole
    std::string display;  // the same, shortened, as the Cache page shows it
};

struct SemanticCacheStats {
    std::string model;
    double threshold = 0;
    std::uint64_t lookups = 0;  // questions embedded and searched for
    std::uint64_t hits = 0;     // served a stored answer
    std::uint64_t errors = 0;   // the embedding or the search failed; sent upstream
    std::uint64_t stored = 0;   // questions added after their answer was stored
    std::size_t entries = 0, scopes = 0;
    std::optional<SharedQuestionStats> shared;  // with the Redis backend
    std::string last_error;
};

class SemanticCache {
public:
    using Clock = std::chrono::system_clock;

    // `shared` may be null (one instance, the in-process backend).
    SemanticCache(SemanticCacheConfig config, std::unique_ptr<RedisSemanticVectors> shared,
                  std::function<Clock::time_point()> now = {});

    const SemanticCacheConfig& config() const { return m_config; }
    // The conversation's question when it takes part, else why it does not. `decision`: the
    // cache rules' verdict; `tier`: the request's tier ("" when pinned to a model); `target`
    // and `turns`: as the exact key has them.
    std::expected<SemanticQuestion, std::string> question_of(const ChatRequest& request, const CacheDecision& decision,
                                                             std::string_view tier, std::string_view target,
                                                             int turns) const;
    // The closest stored question of the scope, at any similarity; counts a lookup.
    std::expected<std::optional<SemanticMatch>, std::string> nearest(const SemanticQuestion& question,
                                                                     std::span<const float> vector);
    // The same without counting it (the Cache page's preview).
    std::expected<std::optional<SemanticMatch>, std::string> peek(const SemanticQuestion& question,
                                                                  std::span<const float> vector);
    bool serves(double similarity) const { return similarity >= m_config.threshold; }
    void count_hit() { ++m_hits; }
    void count_error(std::string message);
    // The question's answer was stored under `key`: its vector joins the index (and the fleet's).
    void remember(const SemanticQuestion& question, const std::string& key, std::vector<float> vector);
    void clear();
    SemanticCacheStats stats() const;

private:
    // The index, made on the first vector: its dimensions are the model's. Never replaced
    // afterwards (clear() empties it), so a caller may use it after the lock is released.
    SemanticIndexSet* index_for(std::size_t dimensions);
    void catch_up();  // adds what the fleet's instances appended since the last call

    const SemanticCacheConfig m_config;
    const std::unique_ptr<RedisSemanticVectors> m_shared;
    const std::function<Clock::time_point()> m_now;

    mutable std::mutex m_mutex;  // guards the two below
    std::unique_ptr<SemanticIndexSet> m_index;
    std::string m_last_error;

    std::atomic<std::uint64_t> m_lookups{0}, m_hits{0}, m_errors{0}, m_stored{0};
};

}  // namespace sb
