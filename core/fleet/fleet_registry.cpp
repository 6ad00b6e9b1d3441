// The fleet's registry: heartbeats, the instances, and the budgets' spend.
#include "fleet/fleet_registry.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "console/console_wire.h"
#include "cost/budget_tracker.h"
#include "model/clock.h"

namespace sb {

namespace {

constexpr std::int64_t kFleetDayMs = 24LL * 3600 * 1000;
constexpr std::int64_t kForgetStoppedMs = 3600LL * 1000;  // a stopped instance stays listed this long
constexpr std::int64_t kSpendDaysKept = 40;               // this month and the trend's week before it
constexpr char kSpendSeparator = '\t';                     // between instance and provider in a field

std::string spend_text(double value) {
    char text[64];
    std::snprintf(text, sizeof text, "%.10f", value);
    return text;
}

}  // namespace

FleetRegistry::FleetRegistry(FleetRedis& redis, FleetMember self, std::function<FleetFigures()> figures,
                             BudgetTracker* budgets)
    : m_redis(redis), m_self(std::move(self)), m_figures(std::move(figures)), m_budgets(budgets) {}

FleetRegistry::~FleetRegistry() {
    {
        std::lock_guard lock(m_thread_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) {
        m_thread.join();
        // A clean stop leaves at once instead of after the heartbeat's lifetime.
        (void)m_redis.run({"DEL", m_redis.key("instance:" + m_self.id)});
    }
}

std::expected<void, std::string> FleetRegistry::start(std::string url) {
    m_self.url = std::move(url);
    auto reply = m_redis.run({"GET", m_redis.key("instance:" + m_self.id)});
    if (reply && (*reply)->type == REDIS_REPLY_STRING) {
        const auto other = nlohmann::json::parse(reply_string(reply->get()), nullptr, false);
        const auto other_url = other.is_object() ? other.value("url", std::string()) : std::string();
        // The same URL is this instance's previous run, whose heartbeat has not expired yet.
        if (!other_url.empty() && other_url != m_self.url)
            return std::unexpected("another live instance of the fleet is named \"" + m_self.id + "\" (at " + other_url +
                                   "): give each instance its own --name");
    }
    (void)beat();
    m_thread = std::thread([this] { run(); });
    return {};
}

std::expected<void, std::string> FleetRegistry::beat() {
    const std::int64_t now = unix_ms_now();
    const FleetFigures figures = m_figures ? m_figures() : FleetFigures{};
    FleetInstance me;
    me.id = m_self.id;
    me.url = m_self.url;
    me.version = m_self.version;
    me.started_ms = m_self.started_ms;
    me.heartbeat_ms = now;
    me.live = true;
    me.requests_per_s = figures.requests_per_s;
    me.p99_ms = figures.p99_ms;
    me.error_rate = figures.error_rate;
    nlohmann::json record = wire::encode(me);
    record["run_id"] = m_self.run_id;
    const std::string text = record.dump();

    const std::string seen_key = m_redis.key("instances");
    std::vector<FleetRedis::Command> commands{
        {"SET", m_redis.key("instance:" + m_self.id), text, "PX", std::to_string(kHeartbeatTtl.count())},
        {"HSET", seen_key, m_self.id, text},
        {"HGETALL", seen_key},
    };
    // Budget spend: this instance's totals by day out, every instance's back.
    const std::int64_t today = now / kFleetDayMs * kFleetDayMs;
    const std::int64_t first_day = std::min(BudgetTracker::month_start_ms(now), today - 7 * kFleetDayMs);
    std::vector<std::int64_t> days;
    if (m_budgets) {
        for (const auto& [day, providers] : m_budgets->own_spend())
            for (const auto& [provider, usd] : providers) {
                const auto key = m_redis.key("spend:" + std::to_string(day));
                commands.push_back({"HSET", key, m_self.id + kSpendSeparator + provider, spend_text(usd)});
                commands.push_back({"PEXPIRE", key, std::to_string(kSpendDaysKept * kFleetDayMs)});
            }
        for (std::int64_t day = first_day; day <= today; day += kFleetDayMs) {
            days.push_back(day);
            commands.push_back({"HGETALL", m_redis.key("spend:" + std::to_string(day))});
        }
    }
    auto replies = m_redis.pipeline(commands);
    if (!replies) {
        std::lock_guard lock(m_mutex);
        m_beat_error = replies.error();
        return std::unexpected(replies.error());
    }

    // Everyone ever seen (recently), then which of them still beat.
    std::vector<FleetInstance> instances;
    std::vector<std::string> stale;
    const redisReply* seen = (*replies)[2].get();
    if (seen->type == REDIS_REPLY_ARRAY)
        for (std::size_t i = 0; i + 1 < seen->elements; i += 2) {
            const auto json = nlohmann::json::parse(reply_string(seen->element[i + 1]), nullptr, false);
            auto instance = wire::decode<FleetInstance>(json);
            if (!instance) continue;
            if (now - instance->heartbeat_ms > kForgetStoppedMs) {
                stale.push_back(reply_string(seen->element[i]));
                continue;
            }
            instances.push_back(std::move(*instance));
        }
    if (!instances.empty()) {
        FleetRedis::Command exists{"MGET"};
        for (const auto& instance : instances) exists.push_back(m_redis.key("instance:" + instance.id));
        if (!stale.empty()) {
            FleetRedis::Command forget{"HDEL", seen_key};
            forget.insert(forget.end(), stale.begin(), stale.end());
            (void)m_redis.run(forget);
        }
        auto live = m_redis.run(exists);
        if (!live) {
            std::lock_guard lock(m_mutex);
            m_beat_error = live.error();
            return std::unexpected(live.error());
        }
        for (std::size_t i = 0; i < instances.size() && i < (*live)->elements; ++i) {
            instances[i].live = (*live)->element[i]->type == REDIS_REPLY_STRING;
            instances[i].self = instances[i].id == m_self.id;
        }
    }
    std::sort(instances.begin(), instances.end(), [](const FleetInstance& a, const FleetInstance& b) {
        return a.live != b.live ? a.live : a.id < b.id;
    });
    const auto live_count = std::count_if(instances.begin(), instances.end(), [](const auto& i) { return i.live; });
    m_live.store(std::max<std::int64_t>(1, live_count));

    if (m_budgets) {
        SpendByDay others;
        const std::size_t first_reply = replies->size() - days.size();
        for (std::size_t d = 0; d < days.size(); ++d) {
            const redisReply* fields = (*replies)[first_reply + d].get();
            if (fields->type != REDIS_REPLY_ARRAY) continue;
            for (std::size_t i = 0; i + 1 < fields->elements; i += 2) {
                const std::string field = reply_string(fields->element[i]);
                const auto separator = field.find(kSpendSeparator);
                if (separator == std::string::npos || field.compare(0, separator, m_self.id) == 0) continue;
                others[days[d]][field.substr(separator + 1)] += std::atof(reply_string(fields->element[i + 1]).c_str());
            }
        }
        m_budgets->set_others_spend(std::move(others));
    }

    std::lock_guard lock(m_mutex);
    m_instances = std::move(instances);
    m_beat_error.clear();
    return {};
}

void FleetRegistry::run() {
    std::unique_lock lock(m_thread_mutex);
    while (!m_stop) {
        m_wake.wait_for(lock, kBeatInterval, [this] { return m_stop; });
        if (m_stop) break;
        lock.unlock();
        (void)beat();
        lock.lock();
    }
}

FleetStatus FleetRegistry::status() const {
    FleetStatus status;
    status.redis = m_redis.where();
    status.live_instances = m_live.load();
    const auto redis = m_redis.status();
    std::lock_guard lock(m_mutex);
    status.instances = m_instances;
    status.degraded = !redis.available || !m_beat_error.empty();
    if (status.degraded) status.reason = !m_beat_error.empty() ? m_beat_error : redis.last_error;
    return status;
}

}  // namespace sb
