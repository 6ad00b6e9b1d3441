#pragma once
// Prometheus exposition (text format 0.0.4) of every finished request, cumulative since the
// process started: the two families the design fixes (`api_call_duration_seconds`,
// `error_code_counter`), request / retry / failover / cache / token / cost counters, and
// gauges the engine reads at scrape time. Every family's HELP and TYPE are there from the first
// scrape, and declare() adds the zero series of label values known up front. Label sets are
// interned: a record() looks its series up by string_view and allocates only the first time a
// label set is seen.
// Thread-safe: record() from engine threads, render() from the /metrics handler.
#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "resilience/circuit_breaker.h"

namespace sb {

// One upstream attempt of a finished request.
struct AttemptSample {
    std::string_view provider;
    std::string_view model;
    std::string_view error_class;  // empty: the attempt succeeded
    int http_status = 0;           // 0: no HTTP response
    bool hedge = false;            // the hedged copy's attempt
};

// One finished request, as the exporter needs it. Views must outlive record() only.
struct RequestSample {
    std::string_view provider;  // kCacheProvider for answers from the cache
    std::string_view model;
    std::string_view tier;       // empty when pinned to a provider
    std::string_view status;     // "ok" or the error class
    double latency_seconds = 0;  // whole request, queueing, retries and backoff included
    std::string_view cache;      // hit | miss | coalesced | skip | bypass; empty: not looked up
    std::span<const AttemptSample> attempts;
    std::int64_t tokens_in = 0, tokens_out = 0;  // upstream usage (0 for cache answers)
    double cost_usd = 0;                         // upstream spend (0 for cache answers)
    double saved_usd = 0;                        // what a cache answer would have cost
    std::string_view hedge;           // "won" or "lost" when a hedge was sent, else empty
    std::string_view hedge_provider;  // where the hedge went
    double hedge_cost_usd = 0;        // what the losing attempt is billed (in cost_usd too)
};

// Values the engine reads when it is scraped.
struct ScrapeGauges {
    struct Provider {
        std::string name;
        int in_flight = 0;
        int concurrency_limit = 0;
    };
    struct Circuit {
        std::string provider, model;
        CircuitState state = CircuitState::Closed;
    };
    struct Budget {
        std::string name, period, provider;  // provider "all" for a budget over every provider
        double spent_usd = 0, limit_usd = 0, used_ratio = 0;
    };
    std::vector<Provider> providers;
    std::vector<Circuit> circuits;
    std::uint64_t cache_entries = 0, cache_bytes = 0;
    std::vector<Budget> budgets;
    struct History {
        std::uint64_t written = 0, dropped = 0, failed_commits = 0, queue_depth = 0;
        bool failing = false;
    };
    std::optional<History> history;  // nullopt when the history is off
};

// Label values known before the first request (from the config). Their series are exported at 0
// from the first scrape, so a query over a fresh instance answers 0 rather than "no data".
// Families whose labels are not all known up front (a model a client names, a latency
// histogram) still show their HELP and TYPE.
struct KnownLabels {
    struct Target {
        std::string tier, provider, model;
    };
    struct ErrorCode {
        std::string code, error_class;
    };
    std::vector<std::string> providers;
    std::vector<Target> targets;         // the routing targets, tier by tier
    std::vector<std::string> statuses;   // of a finished request: "ok" and the error classes
    std::vector<ErrorCode> error_codes;  // of a failed upstream attempt, one code per class
    std::vector<std::string> cache_results;
};

// 0 closed, 1 half-open, 2 open, 3 auth_failed (the values the alert rules compare against).
int circuit_state_value(CircuitState state);

class PrometheusMetrics {
public:
    // Upper bounds of api_call_duration_seconds, seconds (LLM calls: milliseconds to minutes).
    static constexpr std::array<double, 15> kBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                     2,     4,    8,     15,   30,  60,   120};

    // Adds the zero series of `known`; series already there keep their counts. Again after a
    // change of routing: new targets appear, old ones stay (counters are never taken back).
    void declare(const KnownLabels& known);
    void record(const RequestSample& request);
    std::string render(const ScrapeGauges& gauges) const;

    // Label values escaped for the text format: backslash, double quote, newline.
    static void append_escaped(std::string& out, std::string_view value);

private:
    // Series keys compare against arrays of string_views, so lookups do not allocate.
    struct KeyLess {
        using is_transparent = void;
        template <class A, class B>
        bool operator()(const A& a, const B& b) const {
            return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                                [](std::string_view x, std::string_view y) { return x < y; });
        }
    };
    template <std::size_t N, class V>
    using Family = std::map<std::array<std::string, N>, V, KeyLess>;

    struct Histogram {
        std::array<std::uint64_t, kBuckets.size() + 1> counts{};  // per bucket, not cumulative; last = +Inf
        double sum = 0;
        std::uint64_t count = 0;
    };

    template <std::size_t N, class V>
    static V& series(Family<N, V>& family, const std::array<std::string_view, N>& key);

    mutable std::mutex m_mutex;
    Family<4, Histogram> m_duration;         // provider, model, tier, status
    Family<3, std::uint64_t> m_error_codes;  // provider, code, class
    Family<4, std::uint64_t> m_requests;     // provider, model, tier, status
    Family<1, std::uint64_t> m_retries;      // provider
    std::uint64_t m_failovers = 0;
    Family<2, std::uint64_t> m_hedges;  // provider (the hedge's), outcome
    double m_hedge_cost = 0;
    Family<1, std::uint64_t> m_cache_requests;  // result
    Family<3, std::uint64_t> m_tokens;          // provider, model, direction
    Family<2, double> m_cost;                   // provider, model
    double m_cache_saved = 0;
};

}  // namespace sb
