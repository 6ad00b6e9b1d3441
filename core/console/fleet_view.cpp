// A console's view of a whole fleet: every instance's figures added together, or one's.
#include "console/fleet_view.h"

#include <algorithm>
#include <set>

#include "console/merged_history.h"
#include "model/clock.h"

namespace sb {

namespace {

using namespace std::chrono_literals;
constexpr auto kFleetViewRefresh = 1s;
constexpr std::int64_t kFleetViewRecentSeconds = 10;     // merged again each refresh: what ticks may still change
constexpr std::int64_t kFleetViewHistorySeconds = 3600;  // merged when an instance comes or goes

// Adds `cell` into `into`: counts and sums added, histograms merged.
void add_instance_cell(MetricsCell& into, const MetricsCell& cell) {
    into.requests += cell.requests;
    into.errors += cell.errors;
    into.cache_hits += cell.cache_hits;
    into.hedges += cell.hedges;
    into.hedges_won += cell.hedges_won;
    into.hedge_cost_usd += cell.hedge_cost_usd;
    for (const auto& [error_class, count] : cell.errors_by_class) into.errors_by_class[error_class] += count;
    into.tokens_in += cell.tokens_in;
    into.tokens_out += cell.tokens_out;
    into.cost_usd += cell.cost_usd;
    into.dns_ms += cell.dns_ms;
    into.connect_ms += cell.connect_ms;
    into.tls_ms += cell.tls_ms;
    into.first_byte_ms += cell.first_byte_ms;
    into.total_ms += cell.total_ms;
    into.latency.merge(cell.latency);
}

}  // namespace

FleetView::FleetView(std::unique_ptr<RemoteConsole> primary, RemoteConsoleOptions options)
    : m_primary(std::move(primary)), m_options(std::move(options)) {
    m_timer.schedule(0ms, [this] { refresh(); });
}

FleetView::~FleetView() { m_timer.stop(); }

void FleetView::set_scope(std::string instance_id) {
    std::lock_guard lock(m_mutex);
    m_scope = std::move(instance_id);
}

std::string FleetView::scope() const {
    std::lock_guard lock(m_mutex);
    return m_scope;
}

std::vector<std::string> FleetView::instances() const {
    std::lock_guard lock(m_mutex);
    std::vector<std::string> ids;
    if (!m_self_id.empty()) ids.push_back(m_self_id);
    ids.insert(ids.end(), m_live.begin(), m_live.end());
    return ids;
}

const ConsoleApi* FleetView::scoped() const {
    if (m_scope.empty()) return nullptr;
    if (m_scope == m_self_id) return m_primary.get();
    if (m_live.contains(m_scope)) return m_others.at(m_scope).get();
    return nullptr;  // an instance that stopped: the fleet's figures
}

void FleetView::refresh() {
    const auto fleet = m_primary->fleet();
    {
        std::lock_guard lock(m_mutex);
        std::set<std::string> live;
        if (fleet)
            for (const auto& instance : fleet->instances) {
                if (instance.self) {
                    m_self_id = instance.id;
                    continue;
                }
                if (!instance.live) continue;
                if (!m_others.contains(instance.id)) {
                    RemoteConsoleOptions options = m_options;
                    options.url = instance.url;
                    auto console = RemoteConsole::create(std::move(options));
                    if (!console) continue;  // a URL this console may not use (plain http off loopback)
                    (*console)->connect();
                    m_others.emplace(instance.id, std::move(*console));
                }
                live.insert(instance.id);
            }
        // The whole hour again when an instance came or went, and every 15 s: the seconds an
        // instance attached late fetches for the time before it came are merged too.
        if (live != m_live || ++m_refreshes % 15 == 0) m_merged_until_s = 0;
        m_live = std::move(live);
    }

    // Every instance's seconds, added together, replace the merged ones.
    const std::int64_t now_s = unix_ms_now() / 1000;
    std::int64_t from_s = 0;
    std::vector<const ConsoleApi*> sources{m_primary.get()};
    {
        std::lock_guard lock(m_mutex);
        from_s = m_merged_until_s ? now_s - kFleetViewRecentSeconds : now_s - kFleetViewHistorySeconds;
        for (const auto& id : m_live) sources.push_back(m_others.at(id).get());
        m_merged_until_s = now_s;
    }
    std::map<std::int64_t, std::map<std::tuple<std::string, std::string, std::string>, MetricsCell>> merged;
    MetricsTotals totals;
    for (const ConsoleApi* source : sources) {
        for (const auto& second : source->metrics_seconds(from_s, now_s))
            for (const auto& cell : second.cells) {
                auto& into = merged[second.t_s][{cell.provider, cell.model, cell.tier}];
                if (into.provider.empty() && into.model.empty() && into.tier.empty()) {
                    into.provider = cell.provider;
                    into.model = cell.model;
                    into.tier = cell.tier;
                }
                add_instance_cell(into, cell);
            }
        const auto source_totals = source->metrics_totals();
        totals.lifetime_requests += source_totals.lifetime_requests;
        totals.cost_today_usd += source_totals.cost_today_usd;
    }
    std::vector<MetricsSecond> seconds;
    for (auto& [t_s, cells] : merged) {
        MetricsSecond second{t_s, {}};
        for (auto& [key, cell] : cells) second.cells.push_back(std::move(cell));
        seconds.push_back(std::move(second));
    }
    m_merged.replace(from_s, now_s, seconds);
    m_merged.set_totals(totals);
    m_timer.schedule(std::chrono::duration_cast<std::chrono::milliseconds>(kFleetViewRefresh), [this] { refresh(); });
}

std::unique_ptr<HistorySource> FleetView::open_history() const {
    std::vector<std::unique_ptr<HistorySource>> sources;
    sources.push_back(m_primary->open_history());
    {
        std::lock_guard lock(m_mutex);
        for (const auto& id : m_live) sources.push_back(m_others.at(id)->open_history());
    }
    if (sources.size() == 1) return std::move(sources.front());  // alone: the primary's own ids
    return std::make_unique<MergedHistory>(std::move(sources));
}

MetricsSnapshot FleetView::metrics(std::chrono::milliseconds window, std::chrono::milliseconds resolution) const {
    std::lock_guard lock(m_mutex);
    if (const auto* one = scoped()) return one->metrics(window, resolution);
    return m_merged.recent(window, resolution);
}

std::vector<TargetMetrics> FleetView::metrics_by_target(std::chrono::milliseconds window) const {
    std::lock_guard lock(m_mutex);
    if (const auto* one = scoped()) return one->metrics_by_target(window);
    return m_merged.by_target(window);
}

std::vector<MetricsSecond> FleetView::metrics_seconds(std::int64_t since_s, std::int64_t until_s) const {
    std::lock_guard lock(m_mutex);
    if (const auto* one = scoped()) return one->metrics_seconds(since_s, until_s);
    return m_merged.seconds(since_s, until_s);
}

MetricsTotals FleetView::metrics_totals() const {
    std::lock_guard lock(m_mutex);
    if (const auto* one = scoped()) return one->metrics_totals();
    return m_merged.totals();
}

}  // namespace sb
