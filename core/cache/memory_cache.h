#pragma once
// The in-process response cache: LRU bounded by bytes (default 256 MiB), with a TTL per
// entry and pinned entries that never expire. Size of an entry = key + value + rule +
// kEntryOverhead (list node, map slot, bookkeeping), so the bound holds for what the
// process really spends. Under byte pressure the least recently used non-pinned entries go
// first; pinned ones only when nothing else is left — a pin means "keep while you can",
// not "keep past the memory the operator allowed". Thread-safe (one mutex; get is O(1)).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "cache/cache_backend.h"

namespace sb {

class MemoryCache final : public CacheBackend {
public:
    using Clock = std::chrono::system_clock;
    static constexpr std::size_t kEntryOverhead = 96;
    static constexpr std::size_t kDefaultMaxBytes = 256u << 20;

    explicit MemoryCache(std::size_t max_bytes = kDefaultMaxBytes, std::function<Clock::time_point()> now = {});

    std::string_view name() const override { return "memory"; }
    // Never an error: the in-process store is always there.
    std::expected<std::optional<std::string>, std::string> get(std::string_view key) override;
    // Returns false when the entry alone is larger than the whole cache.
    bool put(std::string key, CacheEntry entry) override;
    std::size_t purge_all() override;
    std::size_t purge_rule(std::string_view rule) override;
    std::size_t purge_expired();
    CacheBackendStats stats() const override;

    static std::size_t entry_bytes(std::string_view key, const CacheEntry& entry) {
        return key.size() + entry.value.size() + entry.rule.size() + kEntryOverhead;
    }

private:
    struct Node {
        std::string key;
        CacheEntry entry;
        std::size_t bytes = 0;
    };
    using List = std::list<Node>;  // front = most recently used
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };

    void erase(List::iterator it);  // m_mutex held
    void evict_to_fit();            // m_mutex held

    const std::size_t m_max_bytes;
    std::function<Clock::time_point()> m_now;
    mutable std::mutex m_mutex;
    List m_lru;
    std::unordered_map<std::string, List::iterator, Hash, std::equal_to<>> m_index;
    std::size_t m_bytes = 0;
    CacheBackendStats m_stats;
};

}  // namespace sb
