#pragma once
// The response cache as the engine uses it: rules + key + backend + counters. lookup()
// runs before a request is sent and decides hit / miss / skip / bypass; store() keeps a
// complete, successful answer when the lookup allowed it. Rules can be replaced live (the
// Cache page); the backend is chosen once from the config (memory or Redis).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cache/cache_backend.h"
#include "cache/cache_rules.h"
#include "cache/cache_status.h"
#include "cache/cached_answer.h"
#include "cache/semantic_cache.h"
#include "config/cache_config.h"
#include "model/chat.h"

namespace sb {

struct CacheLookup {
    CacheStatus status = CacheStatus::Off;
    std::string key;
    CacheDecision decision;
    bool may_store = false;              // the rules and the request allow storing the answer
    std::optional<CachedAnswer> answer;  // on a hit
    std::string error;                   // on a bypass: why the store could not answer
    std::string question;                // the last user message (shortened), for "top questions"
    std::optional<SemanticQuestion> semantic;  // on a miss that the semantic cache may answer
    std::string semantic_skip;                 // else, with the semantic cache on: why not
};

// What would happen to a conversation, for the Cache page's key box. No counters move.
struct CachePreview {
    std::string target;    // what the key is bound to: "tier:simple" or "openai/gpt-4o"
    std::string key;
    std::string material;  // the canonical JSON that was hashed
    CacheDecision decision;
    // With the semantic cache on: the closest stored question of the conversation's scope, or
    // why the conversation does not take part (semantic_note).
    std::optional<SemanticMatch> nearest;
    std::optional<double> threshold;
    std::string semantic_note;
};

struct TopQuestion {
    std::string question;
    std::uint64_t hits = 0;
};

struct ResponseCacheStats {
    std::string backend;  // "memory", "redis"
    CacheBackendStats store;
    std::uint64_t lookups = 0, hits = 0, misses = 0, skipped = 0, bypassed = 0, coalesced = 0, stored = 0;
    double saved_usd = 0;                    // what the hits and shared answers would have cost
    std::vector<TopQuestion> top_questions;  // most hits first, at most 10
    std::optional<SemanticCacheStats> semantic;  // with the semantic cache on
    // Semantic hits are among the misses: the exact key missed first.
    double hit_ratio() const {
        const auto answered = hits + coalesced + misses + bypassed;
        const auto semantic_hits = semantic ? semantic->hits : 0;
        return answered ? double(hits + coalesced + semantic_hits) / double(answered) : 0.0;
    }
};

class ResponseCache {
public:
    using Clock = std::chrono::system_clock;
    // `semantic`: the semantic cache, when the config turns it on.
    ResponseCache(const CacheConfig& config, std::unique_ptr<CacheBackend> backend, std::function<Clock::time_point()> now = {},
                  std::unique_ptr<SemanticCache> semantic = nullptr);
    // The backend the config names; an error only for a config it cannot serve.
    static std::expected<std::unique_ptr<ResponseCache>, std::string> create(const CacheConfig& config);

    // `target`: "tier:<name>" when any of the tier's models may answer, else "<provider>/<model>".
    // `tier`: the request's tier, for the semantic cache's scope.
    CacheLookup lookup(const ChatRequest& request, std::string_view target, std::string_view tier = {});
    // Stores `response` when the lookup allowed it and the answer is complete (finish
    // reason "stop", some content). Returns whether it was handed to the backend.
    bool store(const CacheLookup& lookup, const ChatResponse& response, const std::string& provider,
               std::optional<double> cost_usd);
    // An identical request shared a leader's answer: counts it and what it saved.
    void count_coalesced(std::optional<double> saved_usd);
    // The answer stored under `match.key`, when it is still there; counted as a semantic hit.
    std::optional<CachedAnswer> semantic_answer(const SemanticMatch& match);
    SemanticCache* semantic() { return m_semantic.get(); }
    // The key, its material and the rules' decision; the semantic part is the caller's.
    CachePreview preview(const ChatRequest& request, std::string_view target) const;

    std::vector<CacheRule> rules() const;
    // Validated first; an invalid set is refused with "rules[i].field: rule" lines.
    std::expected<void, std::string> set_rules(std::vector<CacheRule> rules);
    std::uint64_t rules_version() const { return m_rules_version; }  // bumped by each set_rules()
    std::size_t purge_all();
    std::size_t purge_rule(std::string_view rule);
    ResponseCacheStats stats() const;
    int turns() const { return m_turns; }

private:
    std::shared_ptr<const CacheRules> current_rules() const;
    void count_hit(const std::string& key, const std::string& question, std::optional<double> saved);

    const int m_turns;
    const std::chrono::seconds m_default_ttl;
    std::unique_ptr<CacheBackend> m_backend;
    std::function<Clock::time_point()> m_now;
    std::unique_ptr<SemanticCache> m_semantic;

    mutable std::mutex m_rules_mutex;
    std::shared_ptr<const CacheRules> m_rules;
    std::atomic<std::uint64_t> m_rules_version{0};

    mutable std::mutex m_stats_mutex;
    ResponseCacheStats m_counts;
    std::unordered_map<std::string, TopQuestion> m_questions;  // by key; bounded (see count_hit)
};

}  // namespace sb
