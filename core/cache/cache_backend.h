#pragma once
// Where cached answers live. Two backends: MemoryCache (in-process LRU, the default) and
// RedisCache (shared by several instances). The engine talks only to this interface.
// A backend never throws: an unreachable store answers get() with an error, which the
// engine treats as "bypass the cache for this request" (counted and visible).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace sb {

struct CacheEntry {
    std::string value;  // the answer as JSON text (never a language-specific serialisation)
    std::optional<std::chrono::system_clock::time_point> expires;  // nullopt = pinned
    std::string rule;  // the rule that stored it, for purge by rule
};

struct CacheBackendStats {
    std::uint64_t hits = 0, misses = 0, insertions = 0, evictions = 0, expirations = 0;
    std::uint64_t errors = 0;     // operations that failed (store down, timeout, bad reply)
    std::size_t entries = 0, bytes = 0, max_bytes = 0;  // 0 max_bytes: bounded elsewhere (Redis maxmemory)
    bool available = true;        // false while the store cannot be reached
    std::string last_error;       // the most recent failure, for the Cache page
};

class CacheBackend {
public:
    virtual ~CacheBackend() = default;
    virtual std::string_view name() const = 0;  // "memory", "redis"

    // The value, nullopt on a miss, or an error when the store could not answer in time.
    virtual std::expected<std::optional<std::string>, std::string> get(std::string_view key) = 0;
    // False when the entry was not accepted (larger than the whole cache, store down). May
    // complete asynchronously: it must not block the caller for a network round trip.
    virtual bool put(std::string key, CacheEntry entry) = 0;
    virtual std::size_t purge_all() = 0;
    virtual std::size_t purge_rule(std::string_view rule) = 0;
    virtual CacheBackendStats stats() const = 0;
};

}  // namespace sb
