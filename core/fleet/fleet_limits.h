#pragma once
// Per-key limits counted across a fleet. Each admit is one Lua script in Redis (one round
// trip): the key's monthly budget against every instance's spend, then its tokens and
// requests per minute in a sliding window of 60 one-second buckets (a request counts in the
// second it was admitted and leaves the window 60 s later; Retry-After is when the oldest
// counted second leaves; each window keeps its sum, walked only when a second expires).
// Tokens and spend are written back by a background thread every
// 50 ms, in one pipeline: never a round trip of the request's own.
//
// Redis trouble never fails a request: while it is out of reach, each instance admits against
// its share (GatewayKeyStore::admit_share): rpm and tpm divided by the instances last seen,
// the budget against the fleet's spend as last read plus this instance's own since. Spend is
// written as each instance's month total (never an increment), so it is exact again as soon as
// Redis is back. Tokens used while it was away are not counted in the fleet's window.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fleet/fleet_redis.h"
#include "gateway/gateway_auth.h"
#include "gateway/gateway_keys.h"

namespace sb {

class GatewayKeyStore;

class FleetLimits final : public GatewayAuth {
public:
    // `member` names this instance in the spend it writes; `live_instances` gives the number of
    // instances last seen, for the shares.
    FleetLimits(FleetRedis& redis, GatewayKeyStore& keys, std::string member,
                std::function<std::int64_t()> live_instances);
    ~FleetLimits() override;  // writes what is pending
    FleetLimits(const FleetLimits&) = delete;
    FleetLimits& operator=(const FleetLimits&) = delete;

    std::expected<GatewayCaller, Error> authenticate(std::string_view bearer_token) override;
    std::expected<void, Error> admit(const GatewayCaller& caller, std::int64_t estimated_tokens) override;
    void charge(const GatewayCaller& caller, std::int64_t tokens, double cost_usd) override;

    // Writes pending tokens and spend now; false when Redis is out of reach (they stay pending).
    bool flush();
    // Every instance's spend this month, by key id; an error when Redis is out of reach.
    std::expected<std::map<std::string, double>, std::string> fleet_spend(const std::vector<std::string>& key_ids);
    // Admits answered from the local share because Redis was out of reach.
    std::uint64_t local_admits() const;

private:
    struct SpendSeen {
        std::int64_t month_ms = 0;
        double fleet_usd = 0;  // every instance's, as Redis answered
        double own_usd = 0;    // this instance's at that moment
    };
    std::string spend_key(const std::string& key_id, std::int64_t month_ms) const;
    // This instance's spend of the month not in Redis yet: the budget counts it at once.
    double unwritten_spend(const GatewayKeyInfo& info, std::int64_t month_ms) const;
    std::expected<void, Error> admit_locally(const GatewayCaller& caller, std::int64_t estimated_tokens);
    void run_flusher();

    FleetRedis& m_redis;
    GatewayKeyStore& m_keys;
    const std::string m_member;
    const std::function<std::int64_t()> m_live_instances;

    mutable std::mutex m_mutex;
    std::map<std::pair<std::string, std::int64_t>, std::int64_t> m_pending_tokens;  // (key, second) → tokens
    std::set<std::string> m_dirty_spend;                                            // keys whose spend changed
    std::map<std::string, SpendSeen> m_spend_seen;
    std::map<std::string, std::pair<std::int64_t, double>> m_written_spend;  // key → (month, total written)
    std::uint64_t m_local_admits = 0;
    // Redis failed since the last flush: it may have restarted empty, so the next flush writes
    // every key's month total, not only the changed ones.
    bool m_rewrite_all = true;

    std::mutex m_thread_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    std::thread m_flusher;
};

}  // namespace sb
