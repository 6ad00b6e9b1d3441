#pragma once
// The fleet's shared settings in Redis: routing, cache rules, prices, alert rules and the API
// keys' records, each with a version. A change is a compare-and-set in one Lua script (its
// base version must still be live, else the live version comes back), then a message on the
// fleet's channel. Each instance listens on that channel with a connection of its own and,
// every 500 ms or when a message came, compares the versions (one round trip) and takes what
// is newer: a change reaches every instance within a second, even when a message is lost.
#include <array>
#include <condition_variable>
#include <cstdint>
#include <expected>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "console/console_api.h"
#include "fleet/fleet_redis.h"
#include "gateway/gateway_keys.h"

namespace sb {

enum class FleetSetting { Routing, CacheRules, Prices, AlertRules, Keys };
inline constexpr std::array kFleetSettings{FleetSetting::Routing, FleetSetting::CacheRules, FleetSetting::Prices,
                                           FleetSetting::AlertRules, FleetSetting::Keys};
std::string_view to_string(FleetSetting setting);  // "routing", "cache_rules", …

struct SharedSetting {
    std::uint64_t version = 0;  // 0: the fleet has none yet
    std::string value;          // JSON, as the console wire writes it
    std::string author;
    std::int64_t at_ms = 0;
};

class FleetSettings final {
public:
    explicit FleetSettings(FleetRedis& redis);
    ~FleetSettings();  // stops watching
    FleetSettings(const FleetSettings&) = delete;
    FleetSettings& operator=(const FleetSettings&) = delete;

    // A new version over `basis.base_version` (over whatever is live without one). Stale:
    // ConsoleError::current_version; Redis out of reach: ConsoleError::unavailable.
    std::expected<std::uint64_t, ConsoleError> put(FleetSetting setting, const std::string& value, const ChangeBasis& basis,
                                                   std::string_view what);
    // Version 1 from this instance's own value, only when the fleet has none yet.
    std::expected<void, std::string> seed(FleetSetting setting, const std::string& value, const std::string& author);
    // After Redis lost its data (a restart without persistence), an instance's live value at the
    // version it had: written only while the fleet's version is lower.
    std::expected<void, std::string> restore(FleetSetting setting, std::uint64_t version, const std::string& value,
                                             const std::string& author);
    std::expected<std::array<std::uint64_t, kFleetSettings.size()>, std::string> versions();
    std::expected<SharedSetting, std::string> get(FleetSetting setting);

    // The keys' records, by id; a change bumps the keys' version.
    std::expected<std::vector<GatewayKeyRecord>, std::string> keys();
    std::expected<void, ConsoleError> put_keys(const std::vector<GatewayKeyRecord>& records, std::string_view what);

    // Runs `check` on a thread of its own after each message on the channel, and at least
    // every 500 ms.
    void watch(std::function<void()> check);

private:
    std::string setting_key(FleetSetting setting) const;
    void run_watch();

    FleetRedis& m_redis;
    std::function<void()> m_check;
    std::mutex m_thread_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    std::thread m_thread;
};

}  // namespace sb
