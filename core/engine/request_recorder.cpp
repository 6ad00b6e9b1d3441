// Recording a finished request: live metrics, Prometheus, the history row, the totals.
#include "engine/request_recorder.h"

#include <vector>

#include "model/clock.h"
#include "store/history_writer.h"

namespace sb {

namespace {

bool answered_from_cache(const RequestResult& result) { return served_from_cache(result.cache); }

RecordedRequest recorded(const RequestResult& result) {
    RecordedRequest r;
    r.finished_ms = unix_ms_now();
    r.provider = result.provider;
    r.model = result.model;
    r.tier = result.tier;
    r.ok = result.ok();
    if (!r.ok) r.error_class = std::string(to_string(result.outcome.error().cls));
    r.latency_ms = result.total_ms;
    r.dns_ms = result.timings.dns_ms;
    r.connect_ms = result.timings.connect_ms;
    r.tls_ms = result.timings.tls_ms;
    r.first_byte_ms = result.timings.first_byte_ms;
    r.transfer_total_ms = result.timings.total_ms;
    r.cache_hit = answered_from_cache(result);
    if (r.cache_hit) r.provider = std::string(kCacheProvider);
    if (result.hedge) {
        r.hedged = true;
        r.hedge_won = result.hedge->won;
        r.hedge_loser_cost_usd = result.hedge->loser_cost_usd.value_or(0.0);
    }
    if (r.ok && !r.cache_hit) {
        r.tokens_in = result.outcome->usage.input_tokens;
        r.tokens_out = result.outcome->usage.output_tokens;
        r.cost_usd = result.cost_usd.value_or(0.0);
    }
    return r;
}

}  // namespace

RequestRecorder::RequestRecorder(MetricsRegistry& metrics, PrometheusMetrics& prometheus, HistoryWriter* history,
                                 HistoryTextPolicy text_policy)
    : m_metrics(metrics), m_prometheus(prometheus), m_history(history), m_text_policy(text_policy) {}

void RequestRecorder::record(const ChatRequest& request, const RequestResult& result, bool history_row) {
    const bool cancelled = !result.ok() && result.outcome.error().cls == ErrorClass::Cancelled;
    if (result.ok()) ++m_succeeded;
    else if (cancelled) ++m_cancelled;
    else ++m_failed;
    if (!cancelled) m_metrics.record(recorded(result));

    // Cancelled requests are exported too (status "cancelled"); the alert rules leave them out.
    std::vector<AttemptSample> attempts;
    attempts.reserve(result.attempts.size());
    for (const auto& a : result.attempts)
        attempts.push_back({a.provider, a.model, a.error == ErrorClass::None ? std::string_view{} : to_string(a.error),
                            a.http_status, a.hedge});
    const bool from_cache = answered_from_cache(result);
    RequestSample sample;
    sample.provider = from_cache ? kCacheProvider : std::string_view(result.provider);
    sample.model = result.model;
    sample.tier = result.tier;
    sample.status = result.ok() ? std::string_view("ok") : to_string(result.outcome.error().cls);
    sample.latency_seconds = result.total_ms / 1000.0;
    if (result.cache != CacheStatus::Off) sample.cache = to_string(result.cache);
    sample.attempts = attempts;
    if (result.ok() && !from_cache) {
        sample.tokens_in = result.outcome->usage.input_tokens;
        sample.tokens_out = result.outcome->usage.output_tokens;
        sample.cost_usd = result.cost_usd.value_or(0.0);
    }
    if (result.ok() && from_cache) sample.saved_usd = result.saved_usd.value_or(0.0);
    if (result.hedge) {
        sample.hedge = result.hedge->won ? "won" : "lost";
        sample.hedge_provider = result.hedge->provider;
        sample.hedge_cost_usd = result.hedge->loser_cost_usd.value_or(0.0);
    }
    m_prometheus.record(sample);

    if (m_history && history_row) m_history->enqueue(history_record(request, result, m_text_policy), Overflow::Drop);
}

}  // namespace sb
