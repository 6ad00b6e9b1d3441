#include "metrics/metrics_registry.h"

#include <algorithm>
#include <ctime>
#include <set>

namespace sb {

namespace {
// Local midnight at the start of the day of `now_ms`, `days_later` days on (DST-safe: mktime
// normalises the day). Costly (the time zone is consulted), so record() caches the day.
std::int64_t local_midnight_ms(std::int64_t now_ms, int days_later = 0) {
    std::time_t now = static_cast<std::time_t>(now_ms / 1000);
    std::tm local{};
    localtime_r(&now, &local);
    local.tm_hour = local.tm_min = local.tm_sec = 0;
    local.tm_mday += days_later;
    local.tm_isdst = -1;
    return static_cast<std::int64_t>(std::mktime(&local)) * 1000;
}
}  // namespace

MetricsRegistry::MetricsRegistry(std::chrono::seconds retention, Kind kind) : m_retention(retention), m_kind(kind) {}

void MetricsRegistry::prune(std::int64_t newest_s) {
    const auto oldest_kept = newest_s - m_retention.count() + 1;
    while (!m_seconds.empty() && m_seconds.front().t_s < oldest_kept) m_seconds.pop_front();
    while (!m_covered.empty() && m_covered.front().until_s < oldest_kept) m_covered.erase(m_covered.begin());
}

bool MetricsRegistry::covered(std::int64_t from_s, std::int64_t until_s) const {
    for (const auto& run : m_covered)
        if (run.from_s <= until_s && from_s <= run.until_s) return true;
    return false;
}

MetricsRegistry::Second& MetricsRegistry::second_for(std::int64_t t_s) {
    if (m_seconds.empty() || m_seconds.back().t_s < t_s) {
        m_seconds.push_back(Second{t_s, {}});
        prune(t_s);
        return m_seconds.back();
    }
    // A request that finished a moment before the newest second (threads race): find its slot.
    auto it = std::lower_bound(m_seconds.begin(), m_seconds.end(), t_s,
                               [](const Second& s, std::int64_t t) { return s.t_s < t; });
    if (it != m_seconds.end() && it->t_s == t_s) return *it;
    return *m_seconds.insert(it, Second{t_s, {}});
}

void MetricsRegistry::record(const RecordedRequest& r) {
    std::lock_guard lock(m_mutex);
    auto& cell = second_for(r.finished_ms / 1000).cells[Key{r.provider, r.model, r.tier}];
    ++cell.requests;
    if (!r.ok) {
        ++cell.errors;
        ++cell.errors_by_class[r.error_class];
    }
    if (r.cache_hit) ++cell.cache_hits;
    if (r.hedged) ++cell.hedges;
    if (r.hedge_won) ++cell.hedges_won;
    cell.hedge_cost_usd += r.hedge_loser_cost_usd;
    cell.tokens_in += r.tokens_in;
    cell.tokens_out += r.tokens_out;
    cell.cost_usd += r.cost_usd;
    cell.dns_ms += r.dns_ms;
    cell.connect_ms += r.connect_ms;
    cell.tls_ms += r.tls_ms;
    cell.first_byte_ms += r.first_byte_ms;
    cell.total_ms += r.transfer_total_ms;
    cell.latency.add(r.latency_ms);

    ++m_lifetime_requests;
    if (r.finished_ms < m_today_start_ms || r.finished_ms >= m_tomorrow_start_ms) {
        const auto midnight = local_midnight_ms(r.finished_ms);
        if (midnight != m_today_start_ms) m_cost_today = 0;
        m_today_start_ms = midnight;
        m_tomorrow_start_ms = local_midnight_ms(r.finished_ms, 1);
    }
    m_cost_today += r.cost_usd;
}

MetricsSnapshot MetricsRegistry::snapshot(std::int64_t since_ms, std::int64_t until_ms, std::int64_t resolution_ms) const {
    MetricsSnapshot snap;
    resolution_ms = std::max<std::int64_t>(resolution_ms, 1000);
    since_ms -= since_ms % resolution_ms;
    snap.since_ms = since_ms;
    snap.until_ms = until_ms;
    snap.resolution_ms = resolution_ms;
    const auto steps = std::max<std::int64_t>(0, (until_ms - since_ms + resolution_ms - 1) / resolution_ms);
    snap.frames.resize(static_cast<std::size_t>(steps));
    std::vector<LatencyHistogram> frame_latency(snap.frames.size());
    for (std::size_t i = 0; i < snap.frames.size(); ++i)
        snap.frames[i].t_ms = since_ms + static_cast<std::int64_t>(i) * resolution_ms;

    LatencyHistogram window_latency;
    std::map<std::string, PhaseBreakdown> phases;
    std::set<std::string> providers;
    {
        std::lock_guard lock(m_mutex);
        snap.lifetime_requests = m_lifetime_requests;
        snap.cost_today_usd = local_midnight_ms(unix_ms_now()) == m_today_start_ms ? m_cost_today : 0.0;
        auto it = std::lower_bound(m_seconds.begin(), m_seconds.end(), since_ms / 1000,
                                   [](const Second& s, std::int64_t t) { return s.t_s < t; });
        for (; it != m_seconds.end() && it->t_s * 1000 < until_ms; ++it) {
            const auto index = static_cast<std::size_t>((it->t_s * 1000 - since_ms) / resolution_ms);
            if (index >= snap.frames.size()) break;
            auto& frame = snap.frames[index];
            for (const auto& [key, cell] : it->cells) {
                frame.requests += cell.requests;
                frame.errors += cell.errors;
                frame.cache_hits += cell.cache_hits;
                frame.hedges += cell.hedges;
                frame.hedges_won += cell.hedges_won;
                frame.hedge_cost_usd += cell.hedge_cost_usd;
                frame.requests_by_provider[key.provider] += cell.requests;
                for (const auto& [cls, n] : cell.errors_by_class) frame.errors_by_class[cls] += n;
                frame.tokens_in += cell.tokens_in;
                frame.tokens_out += cell.tokens_out;
                frame.cost_usd += cell.cost_usd;
                frame_latency[index].merge(cell.latency);
                if (key.provider != kCacheProvider) {  // a hit has no transfer phases
                    auto& phase = phases[key.provider];
                    phase.requests += cell.requests;
                    phase.dns_ms += cell.dns_ms;
                    phase.connect_ms += cell.connect_ms;
                    phase.tls_ms += cell.tls_ms;
                    phase.first_byte_ms += cell.first_byte_ms;
                    phase.total_ms += cell.total_ms;
                }
                providers.insert(key.provider);
            }
        }
        if (m_kind == Kind::Replica)
            for (auto& frame : snap.frames)
                frame.gap = !covered(frame.t_ms / 1000, (frame.t_ms + resolution_ms) / 1000 - 1);
    }
    for (std::size_t i = 0; i < snap.frames.size(); ++i) {
        auto& frame = snap.frames[i];
        frame.p50_ms = frame_latency[i].quantile(0.50);
        frame.p95_ms = frame_latency[i].quantile(0.95);
        frame.p99_ms = frame_latency[i].quantile(0.99);
        window_latency.merge(frame_latency[i]);
        snap.requests += frame.requests;
        snap.errors += frame.errors;
        snap.cache_hits += frame.cache_hits;
        snap.hedges += frame.hedges;
        snap.hedges_won += frame.hedges_won;
        snap.hedge_cost_usd += frame.hedge_cost_usd;
        snap.cost_usd += frame.cost_usd;
        snap.tokens_in += frame.tokens_in;
        snap.tokens_out += frame.tokens_out;
    }
    snap.p50_ms = window_latency.quantile(0.50);
    snap.p95_ms = window_latency.quantile(0.95);
    snap.p99_ms = window_latency.quantile(0.99);
    for (auto& [name, phase] : phases) {
        phase.provider = name;
        if (phase.requests > 0) {
            const double n = static_cast<double>(phase.requests);
            phase.dns_ms /= n;
            phase.connect_ms /= n;
            phase.tls_ms /= n;
            phase.first_byte_ms /= n;
            phase.total_ms /= n;
        }
        snap.phases.push_back(phase);
    }
    snap.providers.assign(providers.begin(), providers.end());
    return snap;
}

std::vector<TargetMetrics> MetricsRegistry::by_target(std::chrono::milliseconds window) const {
    const std::int64_t since_s = (unix_ms_now() - window.count()) / 1000;
    std::map<Key, TargetMetrics> totals;
    {
        std::lock_guard lock(m_mutex);
        auto it = std::lower_bound(m_seconds.begin(), m_seconds.end(), since_s,
                                   [](const Second& s, std::int64_t t) { return s.t_s < t; });
        for (; it != m_seconds.end(); ++it)
            for (const auto& [key, cell] : it->cells) {
                auto& total = totals[key];
                total.requests += cell.requests;
                total.errors += cell.errors;
                total.cost_usd += cell.cost_usd;
                total.latency.merge(cell.latency);
            }
    }
    std::vector<TargetMetrics> out;
    out.reserve(totals.size());
    for (auto& [key, total] : totals) {
        total.provider = key.provider;
        total.model = key.model;
        total.tier = key.tier;
        out.push_back(std::move(total));
    }
    return out;
}

std::vector<MetricsSecond> MetricsRegistry::seconds(std::int64_t since_s, std::int64_t until_s) const {
    std::vector<MetricsSecond> out;
    std::lock_guard lock(m_mutex);
    auto it = std::lower_bound(m_seconds.begin(), m_seconds.end(), since_s,
                               [](const Second& s, std::int64_t t) { return s.t_s < t; });
    for (; it != m_seconds.end() && it->t_s <= until_s; ++it) {
        if (it->cells.empty()) continue;
        auto& second = out.emplace_back(MetricsSecond{it->t_s, {}});
        second.cells.reserve(it->cells.size());
        for (const auto& [key, cell] : it->cells) {
            auto& copy = second.cells.emplace_back(cell);
            copy.provider = key.provider;
            copy.model = key.model;
            copy.tier = key.tier;
        }
    }
    return out;
}

MetricsTotals MetricsRegistry::totals() const {
    std::lock_guard lock(m_mutex);
    const bool today = local_midnight_ms(unix_ms_now()) == m_today_start_ms;
    return {m_lifetime_requests, today ? m_cost_today : 0.0};
}

void MetricsRegistry::replace(std::int64_t from_s, std::int64_t until_s, const std::vector<MetricsSecond>& seconds) {
    if (until_s < from_s) return;
    std::lock_guard lock(m_mutex);
    auto first = std::lower_bound(m_seconds.begin(), m_seconds.end(), from_s,
                                  [](const Second& s, std::int64_t t) { return s.t_s < t; });
    auto last = std::upper_bound(first, m_seconds.end(), until_s,
                                 [](std::int64_t t, const Second& s) { return t < s.t_s; });
    m_seconds.erase(first, last);
    for (const auto& second : seconds) {
        if (second.t_s < from_s || second.t_s > until_s) continue;
        auto& slot = second_for(second.t_s);
        for (const auto& cell : second.cells) slot.cells[Key{cell.provider, cell.model, cell.tier}] = cell;
    }
    // Mark [from_s, until_s] known, joining the runs it touches.
    Covered run{from_s, until_s};
    std::vector<Covered> merged;
    for (const auto& old : m_covered) {
        if (old.until_s + 1 < run.from_s || run.until_s + 1 < old.from_s) merged.push_back(old);
        else run = {std::min(run.from_s, old.from_s), std::max(run.until_s, old.until_s)};
    }
    merged.push_back(run);
    std::sort(merged.begin(), merged.end(), [](const Covered& a, const Covered& b) { return a.from_s < b.from_s; });
    m_covered = std::move(merged);
    prune(std::max(until_s, m_seconds.empty() ? until_s : m_seconds.back().t_s));
}

void MetricsRegistry::set_totals(const MetricsTotals& totals) {
    std::lock_guard lock(m_mutex);
    m_lifetime_requests = totals.lifetime_requests;
    m_cost_today = totals.cost_today_usd;
    m_today_start_ms = local_midnight_ms(unix_ms_now());
}

MetricsSnapshot MetricsRegistry::recent(std::chrono::milliseconds window, std::chrono::milliseconds resolution) const {
    const auto now = unix_ms_now();
    return snapshot(now - window.count(), now, resolution.count());
}

}  // namespace sb
