#include "admin/telemetry_stream.h"

#include <chrono>

#include "console/console_api.h"
#include "console/console_wire.h"
#include "gateway/gateway_http.h"
#include "model/clock.h"

namespace sb {

namespace {

// The seconds each tick repeats: the one ending now may still gain requests that finish late.
constexpr std::int64_t kTickSeconds = 3;

std::string sse_event(std::string_view name, const nlohmann::json& data) {
    std::string text = "event: ";
    text.append(name).append("\ndata: ").append(data.dump()).append("\n\n");
    return text;
}

nlohmann::json section(const ConsoleApi& console, std::string_view name) {
    if (name == "routing") return {{"routing", wire::encode(console.routing())}, {"config_versions", wire::encode(console.config_versions())}};
    if (name == "cache_rules") {
        const auto rules = console.cache_rules();
        return {{"cache_rules", rules ? wire::encode(*rules) : nlohmann::json()}};
    }
    if (name == "prices") return {{"prices", wire::encode(*console.prices())}};
    if (name == "alert_rules") return {{"alert_rules", wire::encode(console.alert_rules())}};
    return {{"providers", wire::encode(console.providers())}};
}

nlohmann::json alerts_json(const AlertsSnapshot& alerts) {
    return {{"generation", alerts.generation}, {"firing", alerts.firing}, {"events", wire::encode(alerts.events)}};
}

}  // namespace

TelemetryStream::TelemetryStream(ConsoleApi& console, InstanceInfo info)
    : m_console(console), m_info(std::move(info)), m_sent_versions(console.versions()),
      m_sent_alerts(console.alerts(~std::uint64_t{0}).generation), m_thread([this] { run(); }) {}

TelemetryStream::~TelemetryStream() {
    std::vector<Subscriber> ending;
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        ending.swap(m_subscribers);
    }
    m_wake.notify_all();
    m_thread.join();
    for (auto& subscriber : ending) subscriber.channel->end_stream({});
}

std::size_t TelemetryStream::subscribers() const {
    std::lock_guard lock(m_mutex);
    return m_subscribers.size();
}

nlohmann::json TelemetryStream::tick_body(std::int64_t now_s) const {
    const auto from_s = now_s - kTickSeconds + 1;
    return {{"from_s", from_s},
            {"until_s", now_s},
            {"seconds", wire::encode(m_console.metrics_seconds(from_s, now_s))},
            {"totals", wire::encode(m_console.metrics_totals())},
            {"stats", wire::encode(m_console.stats())},
            {"targets", wire::encode(m_console.target_states())},
            {"budgets", wire::encode(m_console.budget_status())},
            {"forecast", wire::encode(m_console.spend_forecast())},
            {"cache", wire::encode(m_console.cache_stats())},
            {"history", wire::encode(m_console.history_stats())},
            {"versions", wire::encode(m_console.versions())},
            {"fleet", wire::encode(m_console.fleet())},
            {"demo_traffic", {{"running", m_console.demo_traffic_running()}, {"rate", m_console.demo_traffic_rate()}}}};
}

nlohmann::json TelemetryStream::state() const {
    const auto config = m_console.started_config();
    auto state = tick_body(unix_ms_now() / 1000);
    state["instance"] = {{"name", m_info.name},
                         {"version", m_info.version},
                         {"started_ms", m_info.started_ms},
                         {"instance_id", m_info.instance_id},
                         {"demo_mode", m_console.demo_mode()},
                         {"history_on", m_console.history_stats().has_value()},
                         {"default_provider", config.default_provider},
                         {"cache", wire::encode(config.cache)},
                         {"budgets", wire::encode(config.budgets)}};
    for (const auto name : {"routing", "cache_rules", "prices", "alert_rules", "providers"})
        state.update(section(m_console, name));
    state["changes"] = wire::encode(m_console.changes());
    state["alerts"] = alerts_json(m_console.alerts(~std::uint64_t{0}));
    return state;
}

void TelemetryStream::subscribe(const std::shared_ptr<ResponseChannel>& channel) {
    std::uint64_t id = 0;
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) return channel->respond(json_response(503, {{"error", {{"message", "the gateway is stopping"}}}}));
        id = m_next_id++;
    }
    channel->begin_stream({{"content-type", "text/event-stream"}, {"cache-control", "no-store"}});
    channel->send(sse_event("state", state()));
    channel->on_disconnect([this, id] { unsubscribe(id); });
    std::lock_guard lock(m_mutex);
    if (!m_stopping) m_subscribers.push_back({id, channel});
}

void TelemetryStream::unsubscribe(std::uint64_t id) {
    std::lock_guard lock(m_mutex);
    std::erase_if(m_subscribers, [id](const Subscriber& s) { return s.id == id; });
}

void TelemetryStream::run() {
    using namespace std::chrono;
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        // Just after each whole second, so the second that ended is complete.
        const auto now = system_clock::now();
        const auto next = ceil<seconds>(now) + milliseconds(20);
        m_wake.wait_until(lock, next, [this] { return m_stopping; });
        if (m_stopping) break;
        if (m_subscribers.empty()) continue;
        lock.unlock();
        tick();
        lock.lock();
    }
}

void TelemetryStream::tick() {
    std::string events = sse_event("tick", tick_body(unix_ms_now() / 1000));
    if (const auto versions = m_console.versions(); versions != m_sent_versions) {
        nlohmann::json changed = {{"versions", wire::encode(versions)}, {"changes", wire::encode(m_console.changes())}};
        if (versions.routing != m_sent_versions.routing) changed.update(section(m_console, "routing"));
        if (versions.cache_rules != m_sent_versions.cache_rules) changed.update(section(m_console, "cache_rules"));
        if (versions.prices != m_sent_versions.prices) changed.update(section(m_console, "prices"));
        if (versions.alert_rules != m_sent_versions.alert_rules) changed.update(section(m_console, "alert_rules"));
        if (versions.providers != m_sent_versions.providers) changed.update(section(m_console, "providers"));
        m_sent_versions = versions;
        events += sse_event("settings", changed);
    }
    if (auto alerts = m_console.alerts(m_sent_alerts); alerts.generation != m_sent_alerts) {
        m_sent_alerts = alerts.generation;
        events += sse_event("alerts", alerts_json(alerts));
    }
    std::vector<std::shared_ptr<ResponseChannel>> channels;
    {
        std::lock_guard lock(m_mutex);
        for (const auto& subscriber : m_subscribers) channels.push_back(subscriber.channel);
    }
    for (const auto& channel : channels) channel->send(events);
}

}  // namespace sb
