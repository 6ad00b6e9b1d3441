#pragma once
// What a finished request leaves behind: a sample in the live metrics (the console's charts),
// in the Prometheus counters and histograms, a history row, and the engine's totals. The
// request path hands each request over exactly once, after its outcome is settled.
#include <atomic>
#include <cstdint>

#include "engine/history_mapping.h"
#include "engine/request_result.h"
#include "metrics/metrics_registry.h"
#include "metrics/prometheus_metrics.h"
#include "model/chat.h"

namespace sb {

class HistoryWriter;

struct RequestTotals {
    std::uint64_t succeeded = 0;
    std::uint64_t failed = 0;
    std::uint64_t cancelled = 0;
};

class RequestRecorder {
public:
    // `history` may be null (history off).
    RequestRecorder(MetricsRegistry& metrics, PrometheusMetrics& prometheus, HistoryWriter* history,
                    HistoryTextPolicy text_policy);

    void record(const ChatRequest& request, const RequestResult& result, bool history_row);
    RequestTotals totals() const { return {m_succeeded, m_failed, m_cancelled}; }

private:
    MetricsRegistry& m_metrics;
    PrometheusMetrics& m_prometheus;
    HistoryWriter* m_history;
    HistoryTextPolicy m_text_policy;
    std::atomic<std::uint64_t> m_succeeded{0}, m_failed{0}, m_cancelled{0};
};

}  // namespace sb
