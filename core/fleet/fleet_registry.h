#pragma once
// The fleet's registry in Redis. Twice a second each instance writes its heartbeat (a key that
// expires after 5 s) with its URL, version, start time and last minute's figures, reads
// everyone else's, and exchanges budget spend: its own by day and provider goes out (as
// totals, so a repeat or a late write is harmless), the others' comes back into the budget
// tracker. An instance whose heartbeat key expired is no longer live; it stays listed, marked
// stopped, for an hour.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <expected>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "console/console_api.h"
#include "fleet/fleet_redis.h"

namespace sb {

class BudgetTracker;

struct FleetMember {
    std::string id;   // the instance's name: unique in the fleet
    std::string url;  // advertised to consoles
    std::string version;
    std::int64_t started_ms = 0;
    std::string run_id;  // random per start: tells a restart from a second instance of the same name
};

// The last minute of this instance, for the others and the consoles.
struct FleetFigures {
    double requests_per_s = 0, p99_ms = 0, error_rate = 0;
};

class FleetRegistry final {
public:
    static constexpr std::chrono::milliseconds kHeartbeatTtl{5'000};
    static constexpr std::chrono::milliseconds kBeatInterval{500};

    FleetRegistry(FleetRedis& redis, FleetMember self, std::function<FleetFigures()> figures, BudgetTracker* budgets);
    ~FleetRegistry();  // stops beating and takes this instance out of the registry
    FleetRegistry(const FleetRegistry&) = delete;
    FleetRegistry& operator=(const FleetRegistry&) = delete;

    // Starts beating with the URL consoles reach this instance at; the first beat happens
    // before it returns. Refuses when another live instance has this id and another URL (two
    // instances given the same --name). Unreachable Redis is no refusal: the instance starts
    // degraded.
    std::expected<void, std::string> start(std::string url);

    FleetStatus status() const;
    // Live instances as last seen, at least 1 (this one): what limits are shared by when
    // Redis is out of reach.
    std::int64_t live_instances() const { return m_live.load(); }

private:
    std::expected<void, std::string> beat();
    void run();

    FleetRedis& m_redis;
    FleetMember m_self;  // its url is set by start()
    const std::function<FleetFigures()> m_figures;
    BudgetTracker* m_budgets;

    std::atomic<std::int64_t> m_live{1};
    mutable std::mutex m_mutex;
    std::vector<FleetInstance> m_instances;  // m_mutex
    std::string m_beat_error;                // m_mutex; the last beat's, empty when it worked

    std::mutex m_thread_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    std::thread m_thread;
};

}  // namespace sb
