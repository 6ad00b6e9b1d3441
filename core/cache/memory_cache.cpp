#include "cache/memory_cache.h"

namespace sb {

MemoryCache::MemoryCache(std::size_t max_bytes, std::function<Clock::time_point()> now)
    : m_max_bytes(max_bytes), m_now(now ? std::move(now) : [] { return Clock::now(); }) {}

void MemoryCache::erase(List::iterator it) {
    m_bytes -= it->bytes;
    m_index.erase(m_index.find(std::string_view(it->key)));
    m_lru.erase(it);
}

std::expected<std::optional<std::string>, std::string> MemoryCache::get(std::string_view key) {
    std::lock_guard lock(m_mutex);
    const auto found = m_index.find(key);
    if (found == m_index.end()) {
        ++m_stats.misses;
        return std::nullopt;
    }
    const auto it = found->second;
    if (it->entry.expires && *it->entry.expires <= m_now()) {
        erase(it);
        ++m_stats.expirations;
        ++m_stats.misses;
        return std::nullopt;
    }
    m_lru.splice(m_lru.begin(), m_lru, it);
    ++m_stats.hits;
    return it->entry.value;
}

bool MemoryCache::put(std::string key, CacheEntry entry) {
    const std::size_t bytes = entry_bytes(key, entry);
    if (bytes > m_max_bytes) return false;
    std::lock_guard lock(m_mutex);
    if (const auto found = m_index.find(std::string_view(key)); found != m_index.end()) erase(found->second);
    m_lru.push_front(Node{std::move(key), std::move(entry), bytes});
    m_index.emplace(m_lru.front().key, m_lru.begin());
    m_bytes += bytes;
    ++m_stats.insertions;
    evict_to_fit();
    return true;
}

void MemoryCache::evict_to_fit() {
    // Least recently used first, skipping pinned entries; then pinned ones if still over.
    for (bool pinned_too : {false, true}) {
        auto it = m_lru.end();
        while (m_bytes > m_max_bytes && it != m_lru.begin()) {
            --it;
            if (!pinned_too && !it->entry.expires) continue;
            const auto victim = it;
            ++it;  // erase invalidates only the victim
            erase(victim);
            ++m_stats.evictions;
        }
        if (m_bytes <= m_max_bytes) return;
    }
}

std::size_t MemoryCache::purge_all() {
    std::lock_guard lock(m_mutex);
    const std::size_t n = m_lru.size();
    m_lru.clear();
    m_index.clear();
    m_bytes = 0;
    return n;
}

std::size_t MemoryCache::purge_rule(std::string_view rule) {
    std::lock_guard lock(m_mutex);
    std::size_t n = 0;
    for (auto it = m_lru.begin(); it != m_lru.end();) {
        const auto next = std::next(it);
        if (it->entry.rule == rule) {
            erase(it);
            ++n;
        }
        it = next;
    }
    return n;
}

std::size_t MemoryCache::purge_expired() {
    std::lock_guard lock(m_mutex);
    const auto now = m_now();
    std::size_t n = 0;
    for (auto it = m_lru.begin(); it != m_lru.end();) {
        const auto next = std::next(it);
        if (it->entry.expires && *it->entry.expires <= now) {
            erase(it);
            ++n;
        }
        it = next;
    }
    m_stats.expirations += n;
    return n;
}

CacheBackendStats MemoryCache::stats() const {
    std::lock_guard lock(m_mutex);
    CacheBackendStats s = m_stats;
    s.entries = m_lru.size();
    s.bytes = m_bytes;
    s.max_bytes = m_max_bytes;
    return s;
}

}  // namespace sb
