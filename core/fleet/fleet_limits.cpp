// Per-key limits counted across a fleet, in Redis.
#include "fleet/fleet_limits.h"

#include <hiredis/hiredis.h>

#include <cmath>
#include <cstdio>
#include <utility>

#include "gateway/gateway_key_store.h"
#include "gateway/key_refusals.h"
#include "model/clock.h"

namespace sb {

namespace {

using namespace std::chrono_literals;

constexpr auto kFlushInterval = 50ms;
constexpr std::string_view kAcrossTheFleet = " across the fleet";
constexpr std::int64_t kSpendLifetimeMs = 40LL * 24 * 3600 * 1000;  // a month's spend outlives the month

// A window is a hash: one field per second with traffic ("<unix second>" → count), plus "sum"
// (their total) and "oldest" (the oldest second held). An admit reads the two; only when the
// oldest second has left the window are the buckets walked and the expired ones dropped, which
// happens at most once a second per key.
//
// KEYS: requests window, tokens window, the month's spend (instance → USD).
// ARGV: now (ms), rpm, tpm, estimated tokens, monthly budget (USD; 0 = no such limit), this
// instance's spend not written yet.
// Returns {0, 0, 0, spent} admitted; {1, requests wait ms, tokens wait ms, spent} over a rate
// limit; {3, 0, 0, spent} larger than the whole tpm limit; {4, 0, 0, spent} over the budget.
const LuaScript kAdmitScript(R"lua(
local now = tonumber(ARGV[1])
local second = math.floor(now / 1000)
local rpm, tpm, estimate, budget = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local spent = tonumber(ARGV[6])
for _, usd in ipairs(redis.call('HVALS', KEYS[3])) do spent = spent + tonumber(usd) end
local spent_text = string.format('%.10f', spent)
if budget > 0 and spent >= budget then return {4, 0, 0, spent_text} end
local function window(key)
  local held = redis.call('HMGET', key, 'sum', 'oldest')
  local sum, oldest = tonumber(held[1]) or 0, tonumber(held[2])
  if oldest ~= nil and oldest <= second - 60 then
    sum, oldest = 0, nil
    local fields = redis.call('HGETALL', key)
    for i = 1, #fields, 2 do
      local s = tonumber(fields[i])
      if s ~= nil then
        if s <= second - 60 then
          redis.call('HDEL', key, fields[i])
        else
          sum = sum + tonumber(fields[i + 1])
          if oldest == nil or s < oldest then oldest = s end
        end
      end
    end
    redis.call('HSET', key, 'sum', sum)
    if oldest == nil then redis.call('HDEL', key, 'oldest') else redis.call('HSET', key, 'oldest', oldest) end
  end
  return sum, oldest
end
local wait_requests, wait_tokens = 0, 0
if tpm > 0 then
  if estimate > tpm then return {3, 0, 0, spent_text} end
  local used, oldest = window(KEYS[2])
  if used + estimate > tpm and oldest ~= nil then wait_tokens = math.max(1, (oldest + 60) * 1000 - now) end
end
local requests_oldest = nil
if rpm > 0 then
  local used, oldest = window(KEYS[1])
  requests_oldest = oldest
  if used >= rpm and oldest ~= nil then wait_requests = math.max(1, (oldest + 60) * 1000 - now) end
end
if wait_requests > 0 or wait_tokens > 0 then return {1, wait_requests, wait_tokens, spent_text} end
if rpm > 0 then
  redis.call('HINCRBY', KEYS[1], second, 1)
  redis.call('HINCRBY', KEYS[1], 'sum', 1)
  if requests_oldest == nil then redis.call('HSET', KEYS[1], 'oldest', second) end
  redis.call('PEXPIRE', KEYS[1], 61000)
end
return {0, 0, 0, spent_text}
)lua");

// KEYS: a tokens window (as above). ARGV: second, tokens. Adds them to that second.
const LuaScript kTokensScript(R"lua(
redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[1], 'sum', ARGV[2])
local oldest = tonumber(redis.call('HGET', KEYS[1], 'oldest'))
if oldest == nil or tonumber(ARGV[1]) < oldest then redis.call('HSET', KEYS[1], 'oldest', ARGV[1]) end
redis.call('PEXPIRE', KEYS[1], 61000)
return 1
)lua");

// KEYS: the month's spend. ARGV: instance, its month total, lifetime (ms). A total never goes
// down: a late write from before cannot undo a newer one.
const LuaScript kSpendScript(R"lua(
local old = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if tonumber(ARGV[2]) > old then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
)lua");

std::string decimal_text(double value) {
    char text[64];
    std::snprintf(text, sizeof text, "%.10f", value);
    return text;
}

}  // namespace

FleetLimits::FleetLimits(FleetRedis& redis, GatewayKeyStore& keys, std::string member,
                         std::function<std::int64_t()> live_instances)
    : m_redis(redis), m_keys(keys), m_member(std::move(member)), m_live_instances(std::move(live_instances)) {
    m_flusher = std::thread([this] { run_flusher(); });
}

FleetLimits::~FleetLimits() {
    {
        std::lock_guard lock(m_thread_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_flusher.joinable()) m_flusher.join();
    (void)flush();
}

std::string FleetLimits::spend_key(const std::string& key_id, std::int64_t month_ms) const {
    return m_redis.key("keyspend:" + key_id + ":" + std::to_string(month_ms));
}

double FleetLimits::unwritten_spend(const GatewayKeyInfo& info, std::int64_t month_ms) const {
    const double own = info.spent_month_ms == month_ms ? info.spent_usd : 0.0;
    std::lock_guard lock(m_mutex);
    const auto it = m_written_spend.find(info.id);
    const double written = it != m_written_spend.end() && it->second.first == month_ms ? it->second.second : 0.0;
    return std::max(0.0, own - written);
}

std::expected<GatewayCaller, Error> FleetLimits::authenticate(std::string_view bearer_token) {
    return m_keys.authenticate(bearer_token);
}

std::expected<void, Error> FleetLimits::admit(const GatewayCaller& caller, std::int64_t estimated_tokens) {
    const auto info = m_keys.info(caller.key_id);
    const bool limited = info && !info->revoked() &&
                         (info->limits.rpm > 0 || info->limits.tpm > 0 || info->limits.monthly_budget_usd > 0);
    // Nothing to count (or nothing to admit): the key store answers alone.
    if (!limited) return m_keys.admit(caller, estimated_tokens);

    const std::int64_t now = unix_ms_now();
    const std::int64_t month = utc_month_start_ms(now);
    const auto& limits = info->limits;
    auto reply = m_redis.eval(kAdmitScript,
                              {m_redis.key("rpm:" + info->id), m_redis.key("tpm:" + info->id), spend_key(info->id, month)},
                              {std::to_string(now), std::to_string(limits.rpm), std::to_string(limits.tpm),
                               std::to_string(estimated_tokens), decimal_text(limits.monthly_budget_usd),
                               decimal_text(unwritten_spend(*info, month))});
    if (!reply || (*reply)->type != REDIS_REPLY_ARRAY || (*reply)->elements < 4) {
        {
            std::lock_guard lock(m_mutex);
            m_rewrite_all = true;
        }
        return admit_locally(caller, estimated_tokens);
    }

    const redisReply* r = reply->get();
    const long long code = reply_integer(r->element[0]);
    const double spent = std::atof(reply_string(r->element[3]).c_str());
    {
        std::lock_guard lock(m_mutex);
        m_spend_seen[info->id] = {month, spent, info->spent_in_month_of(now)};
    }
    switch (code) {
    case 0: return {};
    case 4: return std::unexpected(key_over_budget(*info, spent, now, kAcrossTheFleet));
    case 3: return std::unexpected(key_request_too_large(*info, estimated_tokens, limits.tpm));
    default:
        return std::unexpected(key_rate_limited(*info, limits, reply_integer(r->element[1]), reply_integer(r->element[2]),
                                                kAcrossTheFleet));
    }
}

std::expected<void, Error> FleetLimits::admit_locally(const GatewayCaller& caller, std::int64_t estimated_tokens) {
    LimitShare share;
    share.instances = std::max<std::int64_t>(1, m_live_instances ? m_live_instances() : 1);
    const std::int64_t month = utc_month_start_ms(unix_ms_now());
    {
        std::lock_guard lock(m_mutex);
        ++m_local_admits;
        if (auto it = m_spend_seen.find(caller.key_id); it != m_spend_seen.end() && it->second.month_ms == month)
            share.others_spent_usd = std::max(0.0, it->second.fleet_usd - it->second.own_usd);
    }
    return m_keys.admit_share(caller, estimated_tokens, share);
}

void FleetLimits::charge(const GatewayCaller& caller, std::int64_t tokens, double cost_usd) {
    m_keys.charge(caller, tokens, cost_usd);
    const auto info = m_keys.info(caller.key_id);
    if (!info) return;
    std::lock_guard lock(m_mutex);
    if (info->limits.tpm > 0 && tokens > 0) m_pending_tokens[{caller.key_id, unix_ms_now() / 1000}] += tokens;
    if (cost_usd > 0 && std::isfinite(cost_usd)) m_dirty_spend.insert(caller.key_id);
}

bool FleetLimits::flush() {
    std::map<std::pair<std::string, std::int64_t>, std::int64_t> tokens;
    std::set<std::string> dirty;
    bool rewrite_all = false;
    {
        std::lock_guard lock(m_mutex);
        tokens.swap(m_pending_tokens);
        dirty.swap(m_dirty_spend);
        rewrite_all = std::exchange(m_rewrite_all, false);
    }
    if (rewrite_all)
        if (auto records = m_keys.records())
            for (const auto& record : *records)
                if (record.info.spent_in_month_of(unix_ms_now()) > 0) dirty.insert(record.info.id);
    if (tokens.empty() && dirty.empty()) return true;
    const std::int64_t now = unix_ms_now();
    const std::int64_t month = utc_month_start_ms(now);
    std::vector<FleetRedis::Command> commands;
    for (const auto& [where, count] : tokens)
        commands.push_back({"EVALSHA", kTokensScript.sha1, "1", m_redis.key("tpm:" + where.first),
                            std::to_string(where.second), std::to_string(count)});
    std::map<std::string, double> totals;  // what is written, for unwritten_spend()
    for (const auto& id : dirty) {
        const auto info = m_keys.info(id);
        if (!info) continue;
        totals[id] = info->spent_in_month_of(now);
        commands.push_back({"EVALSHA", kSpendScript.sha1, "1", spend_key(id, month), m_member, decimal_text(totals[id]),
                            std::to_string(kSpendLifetimeMs)});
    }
    auto replies = m_redis.pipeline(commands);
    bool reloaded = false;
    if (replies)
        for (const auto& reply : *replies)
            reloaded |= reply->type == REDIS_REPLY_ERROR && reply_string(reply.get()).starts_with("NOSCRIPT");
    if (replies && reloaded) {  // the server lost the scripts: load them and write again
        (void)m_redis.run({"SCRIPT", "LOAD", kSpendScript.source});
        (void)m_redis.run({"SCRIPT", "LOAD", kTokensScript.source});
        replies = std::unexpected(std::string("scripts reloaded"));
    }
    if (!replies) {
        // The window's tokens are dropped (the fleet's window would count them late); the
        // spend totals are written at the next flush that reaches Redis.
        std::lock_guard lock(m_mutex);
        m_dirty_spend.insert(dirty.begin(), dirty.end());
        m_rewrite_all = true;
        return false;
    }
    std::lock_guard lock(m_mutex);
    for (const auto& [id, usd] : totals) m_written_spend[id] = {month, usd};
    return true;
}

std::expected<std::map<std::string, double>, std::string> FleetLimits::fleet_spend(
    const std::vector<std::string>& key_ids) {
    const std::int64_t month = utc_month_start_ms(unix_ms_now());
    std::vector<FleetRedis::Command> commands;
    for (const auto& id : key_ids) commands.push_back({"HVALS", spend_key(id, month)});
    auto replies = m_redis.pipeline(commands);
    if (!replies) return std::unexpected(replies.error());
    std::map<std::string, double> spend;
    for (std::size_t i = 0; i < key_ids.size(); ++i) {
        double total = 0;
        const redisReply* reply = (*replies)[i].get();
        if (reply->type == REDIS_REPLY_ARRAY)
            for (std::size_t j = 0; j < reply->elements; ++j) total += std::atof(reply_string(reply->element[j]).c_str());
        spend[key_ids[i]] = total;
    }
    return spend;
}

std::uint64_t FleetLimits::local_admits() const {
    std::lock_guard lock(m_mutex);
    return m_local_admits;
}

void FleetLimits::run_flusher() {
    std::unique_lock lock(m_thread_mutex);
    while (!m_stop) {
        m_wake.wait_for(lock, kFlushInterval, [this] { return m_stop; });
        if (m_stop) break;
        lock.unlock();
        (void)flush();
        lock.lock();
    }
}

}  // namespace sb
