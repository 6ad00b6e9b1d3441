#pragma once
// Live metrics, aggregated where they are recorded: one bucket per second per
// (provider, model, tier) with counts by status and error class, tokens, cost, mean phase
// timings and latency as a log-bucketed histogram (about 2% relative error, mergeable).
// Never a list of raw samples. A snapshot merges buckets into frames of any resolution.
// The live window keeps the last `retention` in memory; longer ranges come from the
// per-minute rollups in SQLite. Thread-safe: record() from engine threads, snapshot() from
// the UI thread, a few times a second.
// A console watching a gateway keeps a replica: the gateway's seconds, as they arrive over
// the network, and which seconds arrived at all — a frame with none is drawn as a gap.
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/latency_histogram.h"
#include "model/clock.h"

namespace sb {

// The provider name under which answers from the response cache are counted: upstream
// charts (requests by provider, where the time goes) then show upstream load only.
inline constexpr std::string_view kCacheProvider = "cache";

struct RecordedRequest {
    std::int64_t finished_ms = 0;  // wall clock, ms since the Unix epoch
    std::string provider;
    std::string model;
    std::string tier;
    bool ok = true;
    std::string error_class;  // to_string(ErrorClass); empty when ok
    double latency_ms = 0;    // whole request, retries included
    double dns_ms = 0, connect_ms = 0, tls_ms = 0, first_byte_ms = 0, transfer_total_ms = 0;  // final attempt
    std::int64_t tokens_in = 0;
    std::int64_t tokens_out = 0;
    double cost_usd = 0;
    bool cache_hit = false;
    bool hedged = false;     // a hedge was sent
    bool hedge_won = false;  // and answered first
    double hedge_loser_cost_usd = 0;  // included in cost_usd
};

struct MetricsFrame {
    std::int64_t t_ms = 0;  // start of the frame
    std::uint64_t requests = 0;
    std::uint64_t errors = 0;
    std::uint64_t cache_hits = 0;
    std::uint64_t hedges = 0, hedges_won = 0;
    double hedge_cost_usd = 0;  // what the losing attempts of hedged requests cost
    std::map<std::string, std::uint64_t> requests_by_provider;
    std::map<std::string, std::uint64_t> errors_by_class;
    std::int64_t tokens_in = 0;
    std::int64_t tokens_out = 0;
    double cost_usd = 0;
    double p50_ms = 0, p95_ms = 0, p99_ms = 0;  // 0 when the frame has no requests
    bool gap = false;  // a replica had no word of this frame (the gateway was out of reach)
};

// One (provider, model, tier)'s counts in one second, exactly as recorded: what a gateway
// sends its consoles, and what a replica merges into frames of any resolution.
struct MetricsCell {
    std::string provider, model, tier;
    std::uint64_t requests = 0, errors = 0, cache_hits = 0;
    std::uint64_t hedges = 0, hedges_won = 0;
    double hedge_cost_usd = 0;
    std::map<std::string, std::uint64_t> errors_by_class;
    std::int64_t tokens_in = 0, tokens_out = 0;
    double cost_usd = 0;
    double dns_ms = 0, connect_ms = 0, tls_ms = 0, first_byte_ms = 0, total_ms = 0;  // sums
    LatencyHistogram latency;
};

struct MetricsSecond {
    std::int64_t t_s = 0;  // Unix seconds
    std::vector<MetricsCell> cells;
};

// What a snapshot reports beyond the window, from the start of the process.
struct MetricsTotals {
    std::uint64_t lifetime_requests = 0;
    double cost_today_usd = 0;
};

struct PhaseBreakdown {  // mean per-phase times of one provider over the window, ms (cumulative, as curl gives)
    std::string provider;
    std::uint64_t requests = 0;
    double dns_ms = 0, connect_ms = 0, tls_ms = 0, first_byte_ms = 0, total_ms = 0;
};

// One (provider, model, tier)'s totals over a window: what routing shares and what-if use.
struct TargetMetrics {
    std::string provider, model, tier;
    std::uint64_t requests = 0, errors = 0;
    double cost_usd = 0;
    LatencyHistogram latency;
};

struct MetricsSnapshot {
    std::int64_t since_ms = 0, until_ms = 0, resolution_ms = 1000;
    std::vector<MetricsFrame> frames;  // one per resolution step, oldest first, gaps filled with zeros
    // Over the whole window:
    std::uint64_t requests = 0, errors = 0, cache_hits = 0;
    std::uint64_t hedges = 0, hedges_won = 0;
    double hedge_cost_usd = 0;
    double p50_ms = 0, p95_ms = 0, p99_ms = 0;
    double cost_usd = 0;
    std::int64_t tokens_in = 0, tokens_out = 0;
    std::vector<PhaseBreakdown> phases;
    std::vector<std::string> providers;  // every provider seen in the window, sorted
    // Since the start of the process (not only the window):
    std::uint64_t lifetime_requests = 0;
    double cost_today_usd = 0;  // since local midnight, from what this process recorded
};

class MetricsRegistry {
public:
    enum class Kind {
        Recording,  // fed by record(): every second is known
        Replica,    // fed by replace(): only the seconds that arrived are known
    };
    explicit MetricsRegistry(std::chrono::seconds retention = std::chrono::hours(1), Kind kind = Kind::Recording);

    void record(const RecordedRequest& request);
    MetricsSnapshot snapshot(std::int64_t since_ms, std::int64_t until_ms, std::int64_t resolution_ms) const;
    // The last `window` up to now, at `resolution`.
    MetricsSnapshot recent(std::chrono::milliseconds window, std::chrono::milliseconds resolution) const;
    // Totals per (provider, model, tier) over the last `window`, sorted by the key.
    std::vector<TargetMetrics> by_target(std::chrono::milliseconds window) const;

    // The seconds with traffic in [since_s, until_s], oldest first.
    std::vector<MetricsSecond> seconds(std::int64_t since_s, std::int64_t until_s) const;
    MetricsTotals totals() const;

    // Replica: the seconds [from_s, until_s] are now known to hold exactly `seconds` (those
    // without traffic are left out); what was held for them before is replaced.
    void replace(std::int64_t from_s, std::int64_t until_s, const std::vector<MetricsSecond>& seconds);
    void set_totals(const MetricsTotals& totals);

private:
    struct Key {
        std::string provider, model, tier;
        auto operator<=>(const Key&) const = default;
    };
    struct Second {
        std::int64_t t_s = 0;
        std::map<Key, MetricsCell> cells;  // the cells' own key fields stay empty
    };
    struct Covered {  // a replica's run of known seconds, [from_s, until_s]
        std::int64_t from_s = 0, until_s = 0;
    };

    Second& second_for(std::int64_t t_s);  // m_mutex held
    void prune(std::int64_t newest_s);       // m_mutex held
    bool covered(std::int64_t from_s, std::int64_t until_s) const;  // m_mutex held

    const std::chrono::seconds m_retention;
    const Kind m_kind;
    mutable std::mutex m_mutex;
    std::deque<Second> m_seconds;  // ascending t_s
    std::vector<Covered> m_covered;  // Replica only: ascending, disjoint, not adjacent
    std::uint64_t m_lifetime_requests = 0;
    std::int64_t m_today_start_ms = 0;
    std::int64_t m_tomorrow_start_ms = 0;  // [today, tomorrow): no time-zone lookup per record
    double m_cost_today = 0;
};

}  // namespace sb
