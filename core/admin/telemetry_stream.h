#pragma once
// The live feed every attached console reads: one Server-Sent Events stream per console,
// pushed, never polled. Once a second one `tick` event is built — the last three seconds'
// cells (histograms as buckets), totals, engine and provider state, budgets, cache and
// history figures, settings versions — and the same bytes go to every subscriber, so a
// console costs the gateway one write a second. A console's first event, `state`, is
// everything it shows (settings included); later, `settings` carries a section only when its
// version changed, and `alerts` the events only when they changed.
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine_status.h"

namespace sb {

class ConsoleApi;
class ResponseChannel;

// What a console shows of the instance itself.
struct InstanceInfo {
    std::string name;     // "gw-eu-1"
    std::string version;  // the build's version
    std::int64_t started_ms = 0;
    std::string instance_id;  // random per start: a console that sees it change reloads everything
};

class TelemetryStream final {
public:
    TelemetryStream(ConsoleApi& console, InstanceInfo info);
    ~TelemetryStream();  // stops the ticker; subscribers' streams end

    // Starts an SSE response on `channel` with the `state` event; ticks follow.
    void subscribe(const std::shared_ptr<ResponseChannel>& channel);
    std::size_t subscribers() const;

    // Everything a console shows, as the `state` event carries it (also GET /admin/v1/state).
    nlohmann::json state() const;

private:
    struct Subscriber {
        std::uint64_t id;
        std::shared_ptr<ResponseChannel> channel;
    };
    void run();
    void tick();
    nlohmann::json tick_body(std::int64_t now_s) const;
    void unsubscribe(std::uint64_t id);

    ConsoleApi& m_console;
    const InstanceInfo m_info;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::vector<Subscriber> m_subscribers;
    std::uint64_t m_next_id = 1;
    bool m_stopping = false;
    SettingsVersions m_sent_versions;  // what the last tick said (ticker thread only)
    std::uint64_t m_sent_alerts = 0;   // generation of the last alerts event (ticker thread only)
    std::thread m_thread;              // last: starts when everything above exists
};

}  // namespace sb
