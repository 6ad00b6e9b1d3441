#pragma once
// What-if for routing weights: predicts a tier's p50/p99 latency, error rate and cost per
// 1,000 requests under given weights, from what each target recorded (MetricsRegistry's
// per-target histograms). The latency prediction is the quantile of the mixture of the
// targets' latency distributions, each weighted by its share — not a weighted mean of
// percentiles, which would understate the tail.
#include <cstdint>
#include <functional>
#include <string_view>
#include <string>
#include <vector>

#include "config/routing_config.h"
#include "metrics/metrics_registry.h"

namespace sb {

struct TierPrediction {
    bool valid = false;  // false when no enabled target with weight has any recorded request
    double p50_ms = 0, p99_ms = 0;
    double error_rate = 0;        // 0..1
    double cost_per_1k_usd = 0;
    std::uint64_t based_on_requests = 0;
    std::vector<std::string> targets_without_data;  // "provider/model" with weight but no history
};

// `history`: per-target figures over the window to learn from. Targets are matched by
// provider and model (a target with an empty model matches `default_model(provider)`).
TierPrediction predict_tier(const TierConfig& tier, const std::vector<TargetMetrics>& history,
                            const std::function<std::string(std::string_view)>& default_model = {});

}  // namespace sb
