#include "metrics/prometheus_metrics.h"

#include <charconv>
#include <cmath>

namespace sb {

namespace {

void append_number(std::string& out, double value) {
    if (std::isnan(value)) {
        out += "NaN";
    } else if (std::isinf(value)) {
        out += value > 0 ? "+Inf" : "-Inf";
    } else {
        char buffer[32];
        const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
        out.append(buffer, end);
    }
}

void append_number(std::string& out, std::uint64_t value) {
    char buffer[24];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
    out.append(buffer, end);
}

void append_family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

// name{label="value",…} value — `extra` is the histogram's `le`.
template <std::size_t N, class Value>
void append_sample(std::string& out, std::string_view name, const std::array<std::string_view, N>& labels,
                   const std::array<std::string, N>& values, Value value, std::string_view extra_label = {},
                   std::string_view extra_value = {}) {
    out += name;
    if (N > 0 || !extra_label.empty()) {
        out += '{';
        bool first = true;
        auto label = [&](std::string_view key, std::string_view text) {
            if (!first) out += ',';
            first = false;
            out += key;
            out += "=\"";
            PrometheusMetrics::append_escaped(out, text);
            out += '"';
        };
        for (std::size_t i = 0; i < N; ++i) label(labels[i], values[i]);
        if (!extra_label.empty()) label(extra_label, extra_value);
        out += '}';
    }
    out += ' ';
    append_number(out, value);
    out += '\n';
}

template <std::size_t N, class Map>
void append_counter_family(std::string& out, std::string_view name, std::string_view help,
                           const std::array<std::string_view, N>& labels, const Map& family) {
    append_family(out, name, "counter", help);
    for (const auto& [key, value] : family) append_sample(out, name, labels, key, value);
}

void append_scalar(std::string& out, std::string_view name, std::string_view type, std::string_view help,
                   auto value) {
    append_family(out, name, type, help);
    append_sample<0>(out, name, {}, {}, value);
}

// "timeout" / "network" when there was no HTTP response; written into `buffer`.
std::string_view code_label(const AttemptSample& attempt, std::array<char, 12>& buffer) {
    if (attempt.http_status > 0) {
        const auto end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), attempt.http_status).ptr;
        return {buffer.data(), static_cast<std::size_t>(end - buffer.data())};
    }
    return attempt.error_class == "timeout" ? "timeout" : "network";
}

}  // namespace

int circuit_state_value(CircuitState state) {
    switch (state) {
        case CircuitState::Closed:
            return 0;
        case CircuitState::HalfOpen:
            return 1;
        case CircuitState::Open:
            return 2;
        case CircuitState::AuthFailed:
            return 3;
    }
    return 0;
}

void PrometheusMetrics::append_escaped(std::string& out, std::string_view value) {
    for (const char c : value) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
}

template <std::size_t N, class V>
V& PrometheusMetrics::series(Family<N, V>& family, const std::array<std::string_view, N>& key) {
    if (auto it = family.find(key); it != family.end()) return it->second;
    std::array<std::string, N> owned;
    for (std::size_t i = 0; i < N; ++i) owned[i] = std::string(key[i]);
    return family.emplace(std::move(owned), V{}).first->second;
}

void PrometheusMetrics::declare(const KnownLabels& known) {
    std::lock_guard lock(m_mutex);
    for (const auto& provider : known.providers) {
        series(m_retries, {provider});
        for (const auto& code : known.error_codes)
            series(m_error_codes, {provider, code.code, code.error_class});
    }
    for (const auto& t : known.targets) {
        for (const auto& status : known.statuses) series(m_requests, {t.provider, t.model, t.tier, status});
        for (const std::string_view direction : {"input", "output"})
            series(m_tokens, {t.provider, t.model, direction});
        series(m_cost, {t.provider, t.model});
    }
    for (const auto& result : known.cache_results) series(m_cache_requests, {result});
}

void PrometheusMetrics::record(const RequestSample& request) {
    const auto bucket = static_cast<std::size_t>(
        std::lower_bound(kBuckets.begin(), kBuckets.end(), request.latency_seconds) - kBuckets.begin());
    std::lock_guard lock(m_mutex);

    auto& duration = series(m_duration, {request.provider, request.model, request.tier, request.status});
    ++duration.counts[bucket];
    duration.sum += request.latency_seconds;
    ++duration.count;
    ++series(m_requests, {request.provider, request.model, request.tier, request.status});

    const AttemptSample* previous = nullptr;
    for (const auto& attempt : request.attempts) {
        // A cancelled attempt says nothing about the upstream.
        if (!attempt.error_class.empty() && attempt.error_class != "cancelled") {
            std::array<char, 12> buffer;
            ++series(m_error_codes, {attempt.provider, code_label(attempt, buffer), attempt.error_class});
        }
        if (attempt.hedge) continue;  // counted below, neither a retry nor a failover
        if (previous) {
            if (previous->provider == attempt.provider && previous->model == attempt.model)
                ++series(m_retries, {attempt.provider});
            else
                ++m_failovers;
        }
        previous = &attempt;
    }

    if (!request.hedge.empty()) {
        ++series(m_hedges, {request.hedge_provider, request.hedge});
        m_hedge_cost += request.hedge_cost_usd;
    }
    if (!request.cache.empty()) ++series(m_cache_requests, {request.cache});
    if (request.tokens_in > 0)
        series(m_tokens, {request.provider, request.model, "input"}) +=
            static_cast<std::uint64_t>(request.tokens_in);
    if (request.tokens_out > 0)
        series(m_tokens, {request.provider, request.model, "output"}) +=
            static_cast<std::uint64_t>(request.tokens_out);
    if (request.cost_usd > 0) series(m_cost, {request.provider, request.model}) += request.cost_usd;
    m_cache_saved += request.saved_usd;
}

std::string PrometheusMetrics::render(const ScrapeGauges& gauges) const {
    std::string out;
    out.reserve(16 * 1024);
    append_scalar(out, "switchboard_up", "gauge", "1 while the gateway serves", 1.0);
    {
        std::lock_guard lock(m_mutex);
        {
            constexpr std::string_view name = "api_call_duration_seconds";
            constexpr std::array<std::string_view, 4> labels{"provider", "model", "tier", "status"};
            append_family(out, name, "histogram",
                          "Whole-request latency in seconds, queueing, retries and backoff included; "
                          "status is ok or the error class");
            std::array<std::string, kBuckets.size()> bounds;
            for (std::size_t i = 0; i < kBuckets.size(); ++i) append_number(bounds[i], kBuckets[i]);
            for (const auto& [key, histogram] : m_duration) {
                std::uint64_t cumulative = 0;
                for (std::size_t i = 0; i < kBuckets.size(); ++i) {
                    cumulative += histogram.counts[i];
                    append_sample(out, "api_call_duration_seconds_bucket", labels, key, cumulative, "le",
                                  bounds[i]);
                }
                append_sample(out, "api_call_duration_seconds_bucket", labels, key, histogram.count, "le",
                              "+Inf");
                append_sample(out, "api_call_duration_seconds_sum", labels, key, histogram.sum);
                append_sample(out, "api_call_duration_seconds_count", labels, key, histogram.count);
            }
        }
        append_counter_family<3>(
            out, "error_code_counter",
            "Failed upstream attempts by HTTP status (or network, timeout) and error class",
            {"provider", "code", "class"}, m_error_codes);
        append_counter_family<4>(out, "switchboard_requests_total",
                                 "Finished requests; status is ok or the error class",
                                 {"provider", "model", "tier", "status"}, m_requests);
        append_counter_family<1>(out, "switchboard_retries_total", "Attempts repeated on the same target",
                                 {"provider"}, m_retries);
        append_scalar(out, "switchboard_failovers_total", "counter", "Attempts moved to another target",
                      m_failovers);
        append_counter_family<2>(out, "switchboard_hedges_total",
                                 "Hedged copies sent, by the hedge's provider and whether it answered first",
                                 {"provider", "outcome"}, m_hedges);
        append_scalar(out, "switchboard_hedge_cost_usd_total", "counter",
                      "What the losing attempts of hedged requests cost (prompt, and what had streamed)", m_hedge_cost);
        append_counter_family<1>(out, "switchboard_cache_requests_total", "Response cache lookups by result",
                                 {"result"}, m_cache_requests);
        append_counter_family<3>(out, "switchboard_tokens_total",
                                 "Tokens the upstreams reported, by direction",
                                 {"provider", "model", "direction"}, m_tokens);
        append_counter_family<2>(out, "switchboard_cost_usd_total",
                                 "Upstream spend in US dollars from the price table", {"provider", "model"},
                                 m_cost);
        append_scalar(out, "switchboard_cache_saved_usd_total", "counter",
                      "What the answers from the cache would have cost upstream, US dollars", m_cache_saved);
    }

    append_family(out, "switchboard_requests_in_flight", "gauge", "Requests holding a concurrency slot");
    for (const auto& p : gauges.providers)
        append_sample<1>(out, "switchboard_requests_in_flight", {"provider"}, {p.name},
                         static_cast<double>(p.in_flight));
    append_family(out, "switchboard_concurrency_limit", "gauge", "Adaptive concurrency limit");
    for (const auto& p : gauges.providers)
        append_sample<1>(out, "switchboard_concurrency_limit", {"provider"}, {p.name},
                         static_cast<double>(p.concurrency_limit));
    {
        // A target routed in several tiers has one breaker: one series per (provider, model).
        std::map<std::array<std::string, 2>, int> circuits;
        for (const auto& c : gauges.circuits)
            circuits.emplace(std::array{c.provider, c.model}, circuit_state_value(c.state));
        append_family(out, "switchboard_circuit_state", "gauge",
                      "Circuit breaker state: 0 closed, 1 half-open, 2 open, 3 auth_failed");
        for (const auto& [key, state] : circuits)
            append_sample<2>(out, "switchboard_circuit_state", {"provider", "model"}, key,
                             static_cast<double>(state));
    }
    append_scalar(out, "switchboard_cache_entries", "gauge", "Answers in the response cache",
                  static_cast<double>(gauges.cache_entries));
    append_scalar(out, "switchboard_cache_bytes", "gauge", "Bytes held by the response cache",
                  static_cast<double>(gauges.cache_bytes));
    if (const auto& h = gauges.history) {
        append_scalar(out, "switchboard_history_rows_written_total", "counter",
                      "Request rows committed to the history database", static_cast<double>(h->written));
        append_scalar(out, "switchboard_history_rows_dropped_total", "counter",
                      "Request rows refused because the history queue was full",
                      static_cast<double>(h->dropped));
        append_scalar(out, "switchboard_history_write_failures_total", "counter",
                      "History write attempts that failed (disk full, I/O); each is retried",
                      static_cast<double>(h->failed_commits));
        append_scalar(out, "switchboard_history_queue_depth", "gauge", "Request rows waiting to be written",
                      static_cast<double>(h->queue_depth));
        append_scalar(out, "switchboard_history_write_failing", "gauge",
                      "1 while the latest history write failed, else 0", h->failing ? 1.0 : 0.0);
    }
    {
        constexpr std::array<std::string_view, 3> labels{"budget", "period", "provider"};
        struct Gauge {
            std::string_view name, help;
            double ScrapeGauges::Budget::*value;
        };
        for (const auto& gauge :
             {Gauge{"switchboard_budget_spent_usd", "Spend in the budget's current period, US dollars",
                    &ScrapeGauges::Budget::spent_usd},
              Gauge{"switchboard_budget_limit_usd", "The budget's limit, US dollars",
                    &ScrapeGauges::Budget::limit_usd},
              Gauge{"switchboard_budget_used_ratio", "Spend as a fraction of the limit",
                    &ScrapeGauges::Budget::used_ratio}}) {
            append_family(out, gauge.name, "gauge", gauge.help);
            for (const auto& b : gauges.budgets)
                append_sample(out, gauge.name, labels, std::array{b.name, b.period, b.provider},
                              b.*gauge.value);
        }
    }
    return out;
}

}  // namespace sb
