#pragma once
// Single flight: when identical requests miss the cache at the same moment, the first one
// (the leader) makes the upstream call and the others wait for its answer instead of each
// paying for their own. Keyed by the cache key. Thread-safe; callbacks run on the thread
// that calls complete(), outside the lock.
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace sb {

template <typename Result>
class SingleFlight {
public:
    using Waiter = std::function<void(const Result&)>;

    // True: the caller leads and must call complete(key, …) exactly once. False: `waiter`
    // was queued behind the leader and fires when it completes.
    bool join(const std::string& key, Waiter waiter) {
        std::lock_guard lock(m_mutex);
        const auto [it, leads] = m_flights.try_emplace(key);
        if (!leads) it->second.push_back(std::move(waiter));
        return leads;
    }

    // Ends the flight; every waiter gets `result`. Returns how many were waiting.
    std::size_t complete(const std::string& key, const Result& result) {
        std::vector<Waiter> waiters;
        {
            std::lock_guard lock(m_mutex);
            const auto it = m_flights.find(key);
            if (it == m_flights.end()) return 0;
            waiters = std::move(it->second);
            m_flights.erase(it);
        }
        for (auto& waiter : waiters) waiter(result);
        return waiters.size();
    }

    std::size_t in_flight() const {
        std::lock_guard lock(m_mutex);
        return m_flights.size();
    }

private:
    mutable std::mutex m_mutex;
    std::unordered_map<std::string, std::vector<Waiter>> m_flights;
};

}  // namespace sb
