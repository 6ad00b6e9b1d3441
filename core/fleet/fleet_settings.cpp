// The fleet's shared, versioned settings in Redis.
#include "fleet/fleet_settings.h"

#include <hiredis/hiredis.h>
#include <poll.h>

#include <nlohmann/json.hpp>

#include "console/console_wire.h"
#include "model/clock.h"
#include "model/digest.h"

namespace sb {

namespace {

using namespace std::chrono_literals;
constexpr auto kWatchInterval = 500ms;

// KEYS: the setting's hash. ARGV: base version ("" = any), value, author, at (ms), channel, name.
// Returns {1, new version} or {0, live version} when the base is stale.
const LuaScript kPutScript(R"lua(
local live = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if ARGV[1] ~= '' and tonumber(ARGV[1]) ~= live then return {0, live} end
local next = live + 1
redis.call('HSET', KEYS[1], 'version', next, 'value', ARGV[2], 'author', ARGV[3], 'at_ms', ARGV[4])
redis.call('PUBLISH', ARGV[5], ARGV[6] .. ' ' .. next)
return {1, next}
)lua");

// KEYS: the setting's hash. ARGV: value, author, at (ms). Version 1 only when there is none.
const LuaScript kSeedScript(R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'version', 1, 'value', ARGV[1], 'author', ARGV[2], 'at_ms', ARGV[3])
return 1
)lua");

// KEYS: the setting's hash. ARGV: version, value, author, at (ms). Only over a lower version.
const LuaScript kRestoreScript(R"lua(
local live = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if live >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'value', ARGV[2], 'author', ARGV[3], 'at_ms', ARGV[4])
return 1
)lua");

// KEYS: the keys' hash, the keys' setting hash. ARGV: channel, at (ms), then id and record pairs.
const LuaScript kPutKeysScript(R"lua(
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
local next = redis.call('HINCRBY', KEYS[2], 'version', 1)
redis.call('HSET', KEYS[2], 'at_ms', ARGV[2])
redis.call('PUBLISH', ARGV[1], 'keys ' .. next)
return next
)lua");

ConsoleError out_of_reach(std::string_view what, const std::string& error) {
    ConsoleError refused{"not applied: the " + std::string(what) +
                             " are shared by the fleet, and its Redis is out of reach (" + error +
                             "); a change now would reach this instance only. Apply again when Redis is back",
                         {}};
    refused.unavailable = true;
    return refused;
}

std::string record_text(const GatewayKeyRecord& record) {
    GatewayKeyInfo info = record.info;  // the record, not this instance's use
    info.spent_usd = 0;
    info.last_used_ms.reset();
    return nlohmann::json{{"info", wire::encode(info)}, {"sha256", to_hex(record.digest)}}.dump();
}

}  // namespace

std::string_view to_string(FleetSetting setting) {
    switch (setting) {
    case FleetSetting::Routing: return "routing";
    case FleetSetting::CacheRules: return "cache_rules";
    case FleetSetting::Prices: return "prices";
    case FleetSetting::AlertRules: return "alert_rules";
    case FleetSetting::Keys: return "keys";
    }
    return "?";
}

FleetSettings::FleetSettings(FleetRedis& redis) : m_redis(redis) {}

FleetSettings::~FleetSettings() {
    {
        std::lock_guard lock(m_thread_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

std::string FleetSettings::setting_key(FleetSetting setting) const {
    return m_redis.key("setting:" + std::string(to_string(setting)));
}

std::expected<std::uint64_t, ConsoleError> FleetSettings::put(FleetSetting setting, const std::string& value,
                                                              const ChangeBasis& basis, std::string_view what) {
    auto reply = m_redis.eval(kPutScript, {setting_key(setting)},
                              {basis.base_version ? std::to_string(*basis.base_version) : std::string(), value,
                               basis.author, std::to_string(unix_ms_now()), m_redis.key("settings"),
                               std::string(to_string(setting))});
    if (!reply) return std::unexpected(out_of_reach(what, reply.error()));
    const redisReply* r = reply->get();
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 2)
        return std::unexpected(out_of_reach(what, m_redis.where() + ": unexpected reply to the change"));
    const auto version = static_cast<std::uint64_t>(reply_integer(r->element[1]));
    if (reply_integer(r->element[0]) == 1) return version;
    ConsoleError stale{"not applied: the " + std::string(what) + " changed since you loaded them (you edited version " +
                           std::to_string(*basis.base_version) + ", version " + std::to_string(version) +
                           " is live across the fleet); look at the live ones and apply again",
                       {}};
    stale.current_version = version;
    return std::unexpected(std::move(stale));
}

std::expected<void, std::string> FleetSettings::seed(FleetSetting setting, const std::string& value,
                                                     const std::string& author) {
    auto reply = m_redis.eval(kSeedScript, {setting_key(setting)}, {value, author, std::to_string(unix_ms_now())});
    if (!reply) return std::unexpected(reply.error());
    return {};
}

std::expected<void, std::string> FleetSettings::restore(FleetSetting setting, std::uint64_t version,
                                                        const std::string& value, const std::string& author) {
    auto reply = m_redis.eval(kRestoreScript, {setting_key(setting)},
                              {std::to_string(version), value, author, std::to_string(unix_ms_now())});
    if (!reply) return std::unexpected(reply.error());
    return {};
}

std::expected<std::array<std::uint64_t, kFleetSettings.size()>, std::string> FleetSettings::versions() {
    std::vector<FleetRedis::Command> commands;
    for (auto setting : kFleetSettings) commands.push_back({"HGET", setting_key(setting), "version"});
    auto replies = m_redis.pipeline(commands);
    if (!replies) return std::unexpected(replies.error());
    std::array<std::uint64_t, kFleetSettings.size()> versions{};
    for (std::size_t i = 0; i < versions.size(); ++i) versions[i] = static_cast<std::uint64_t>(reply_integer((*replies)[i].get()));
    return versions;
}

std::expected<SharedSetting, std::string> FleetSettings::get(FleetSetting setting) {
    auto reply = m_redis.run({"HMGET", setting_key(setting), "version", "value", "author", "at_ms"});
    if (!reply) return std::unexpected(reply.error());
    const redisReply* r = reply->get();
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 4) return std::unexpected(m_redis.where() + ": unexpected reply");
    return SharedSetting{static_cast<std::uint64_t>(reply_integer(r->element[0])), reply_string(r->element[1]),
                         reply_string(r->element[2]), reply_integer(r->element[3])};
}

std::expected<std::vector<GatewayKeyRecord>, std::string> FleetSettings::keys() {
    auto reply = m_redis.run({"HVALS", m_redis.key("keys")});
    if (!reply) return std::unexpected(reply.error());
    std::vector<GatewayKeyRecord> records;
    const redisReply* r = reply->get();
    for (std::size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; ++i) {
        const auto json = nlohmann::json::parse(reply_string(r->element[i]), nullptr, false);
        if (!json.is_object() || !json.contains("info")) continue;
        auto info = wire::decode<GatewayKeyInfo>(json["info"]);
        const auto digest = digest_from_hex(json.value("sha256", std::string()));
        if (!info || !digest) continue;  // not a record this build wrote
        records.push_back({std::move(*info), *digest});
    }
    return records;
}

std::expected<void, ConsoleError> FleetSettings::put_keys(const std::vector<GatewayKeyRecord>& records,
                                                          std::string_view what) {
    std::vector<std::string> args{m_redis.key("settings"), std::to_string(unix_ms_now())};
    for (const auto& record : records) {
        args.push_back(record.info.id);
        args.push_back(record_text(record));
    }
    auto reply = m_redis.eval(kPutKeysScript, {m_redis.key("keys"), setting_key(FleetSetting::Keys)}, args);
    if (!reply) return std::unexpected(out_of_reach(what, reply.error()));
    return {};
}

void FleetSettings::watch(std::function<void()> check) {
    m_check = std::move(check);
    m_thread = std::thread([this] { run_watch(); });
}

void FleetSettings::run_watch() {
    std::optional<RedisConnections::Connection> subscriber;
    const std::string channel = m_redis.key("settings");
    for (;;) {
        {
            std::lock_guard lock(m_thread_mutex);
            if (m_stop) return;
        }
        if (!subscriber && m_redis.status().available) {
            if (auto connection = m_redis.dedicated()) {
                // The confirmation is the first reply; messages follow as they are published.
                if (redis_run(connection->context.get(), {"SUBSCRIBE", channel})) subscriber = std::move(*connection);
            }
        }
        if (subscriber) {
            redisContext* context = subscriber->context.get();
            pollfd ready{context->fd, POLLIN, 0};
            if (::poll(&ready, 1, static_cast<int>(kWatchInterval.count())) > 0) {
                void* message = nullptr;
                if (redisGetReply(context, &message) != REDIS_OK) {
                    subscriber.reset();  // reconnect next round
                } else {
                    freeReplyObject(message);
                    // Any further messages already read: one check covers them all.
                    while (redisGetReplyFromReader(context, &message) == REDIS_OK && message) freeReplyObject(message);
                }
            }
        } else {
            std::unique_lock lock(m_thread_mutex);
            m_wake.wait_for(lock, kWatchInterval, [this] { return m_stop; });
            if (m_stop) return;
        }
        m_check();
    }
}

}  // namespace sb
