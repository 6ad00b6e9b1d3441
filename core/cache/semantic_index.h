#pragma once
// The semantic response cache's index: when a question misses the exact cache key, the
// embedding of its last user turn is looked up among the questions whose answers are stored,
// and a stored answer close enough in meaning (cosine similarity at or above a threshold) is
// served instead of a new upstream call.
//
// SemanticIndex is one bounded, thread-safe nearest-neighbour index over unit vectors, on
// hnswlib's HNSW graph: cosine similarity is the inner product of L2-normalised vectors, so
// every vector is normalised here before it is stored or searched with. Each entry is named by
// a key, the exact cache key of the stored question, which is where its answer lives. Entries
// live for the index's TTL; when the index is full the oldest entry makes room. A slot freed by
// eviction, expiry or removal is marked deleted in the graph and its label reused by the next
// new key (hnswlib 0.6 updates a deleted label's point in place), so the graph never outgrows
// the capacity; its memory grows with the entries, doubling up to the capacity.
//
// Scopes. An answer is only right for questions asked in the same setting: the same system
// prompt and earlier turns, the same parameters, the same tier and the same model target. SemanticIndexSet keeps one SemanticIndex
// per scope (semantic_scope() names one), so a lookup can only ever find questions of its own
// scope — filtering a shared index after a k-nearest search could miss a scope crowded out by
// others. The set holds at most `max_scopes` indexes (the least recently used scope goes
// first), so at most max_scopes × capacity entries in all.
//
// Refusals: a vector of another dimension than the index's, a zero vector (it has no
// direction) or one holding NaN or infinity is refused with a message, never stored or
// searched with.
#include <chrono>
#include <cstddef>
#include <expected>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sb {

struct SemanticMatch {
    std::string key;        // the exact cache key of the stored question
    double similarity = 0;  // cosine, in [-1, 1]
    std::string question;   // as it was stored with the entry
};

class SemanticIndex {
public:
    using Clock = std::chrono::system_clock;

    // `capacity` entries at most (at least 1); an entry expires `ttl` after it was added.
    SemanticIndex(std::size_t dimensions, std::size_t capacity, std::chrono::milliseconds ttl);
    ~SemanticIndex();
    SemanticIndex(const SemanticIndex&) = delete;
    SemanticIndex& operator=(const SemanticIndex&) = delete;

    // Stores `vector` under `key`, replacing the key's earlier vector and age. `question`: the
    // text the vector is of, handed back with a match (for the Cache page).
    std::expected<void, std::string> add(std::string key, std::span<const float> vector, Clock::time_point now,
                                         std::string question = {});
    // The most similar entry not expired at `now`; nullopt when there is none.
    std::expected<std::optional<SemanticMatch>, std::string> nearest(std::span<const float> vector,
                                                                     Clock::time_point now);
    // False when the key is not there.
    bool remove(std::string_view key);
    // Entries held; expired ones count until a later add() or nearest() drops them.
    std::size_t size() const;
    void clear();

    std::size_t dimensions() const { return m_dimensions; }
    std::size_t capacity() const { return m_capacity; }

private:
    struct Impl;  // the graph and the entries' bookkeeping: hnswlib stays out of this header

    const std::size_t m_dimensions;
    const std::size_t m_capacity;
    const std::chrono::milliseconds m_ttl;
    mutable std::mutex m_mutex;
    std::unique_ptr<Impl> m_impl;
};

// The scope of a question: what must be equal for one answer to serve another's question.
// `context`: everything of the conversation but its last user turn (the system prompt, the
// earlier turns, the parameters); `target`: the concrete model, or the tier's name when
// routing picks the model.
std::string semantic_scope(std::string_view context, std::string_view tier, std::string_view target);

class SemanticIndexSet {
public:
    using Clock = SemanticIndex::Clock;

    SemanticIndexSet(std::size_t dimensions, std::size_t capacity_per_scope, std::chrono::milliseconds ttl,
                     std::size_t max_scopes);

    std::expected<void, std::string> add(std::string_view scope, std::string key, std::span<const float> vector,
                                         Clock::time_point now, std::string question = {});
    // Only among the entries of `scope`.
    std::expected<std::optional<SemanticMatch>, std::string> nearest(std::string_view scope,
                                                                     std::span<const float> vector,
                                                                     Clock::time_point now);
    bool remove(std::string_view scope, std::string_view key);
    std::size_t size() const;  // entries over every scope
    std::size_t scopes() const;
    void clear();

private:
    struct Scope {
        std::string name;
        std::shared_ptr<SemanticIndex> index;  // shared: a lookup runs after the set's lock is released
    };
    using ScopeList = std::list<Scope>;  // front = most recently used
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };

    // The scope's index, made most recently used; nullptr when absent and not `create`.
    std::shared_ptr<SemanticIndex> find(std::string_view scope, bool create);

    const std::size_t m_dimensions;
    const std::size_t m_capacity_per_scope;
    const std::chrono::milliseconds m_ttl;
    const std::size_t m_max_scopes;
    mutable std::mutex m_mutex;
    ScopeList m_recent;
    std::unordered_map<std::string, ScopeList::iterator, Hash, std::equal_to<>> m_by_name;
};

}  // namespace sb
