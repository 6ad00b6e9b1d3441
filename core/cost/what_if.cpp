#include "cost/what_if.h"

#include <algorithm>
#include <map>

namespace sb {

namespace {

struct Pooled {
    std::uint64_t requests = 0, errors = 0;
    double cost_usd = 0;
    LatencyHistogram latency;
};

// A target's history over every tier it served in: its behaviour is the target's, not the tier's.
Pooled pooled_history(const std::string& provider, const std::string& model, const std::vector<TargetMetrics>& history) {
    Pooled pooled;
    for (const auto& entry : history)
        if (entry.provider == provider && entry.model == model) {
            pooled.requests += entry.requests;
            pooled.errors += entry.errors;
            pooled.cost_usd += entry.cost_usd;
            pooled.latency.merge(entry.latency);
        }
    return pooled;
}

// Quantile of the mixture Σ share_i · F_i, each F_i a target's latency distribution.
double mixture_quantile(const std::vector<std::pair<double, const LatencyHistogram*>>& parts, double q) {
    std::map<std::uint16_t, double> mass;
    for (const auto& [share, histogram] : parts) {
        const double per_count = share / static_cast<double>(histogram->count());
        for (const auto& [bucket, count] : histogram->buckets()) mass[bucket] += per_count * static_cast<double>(count);
    }
    double seen = 0;
    for (const auto& [bucket, m] : mass) {
        seen += m;
        if (seen >= q - 1e-12) return LatencyHistogram::bucket_value(bucket);
    }
    return mass.empty() ? 0 : LatencyHistogram::bucket_value(mass.rbegin()->first);
}

}  // namespace

TierPrediction predict_tier(const TierConfig& tier, const std::vector<TargetMetrics>& history,
                            const std::function<std::string(std::string_view)>& default_model) {
    TierPrediction prediction;
    std::vector<std::pair<double, Pooled>> known;  // weight, history
    for (const auto& target : tier.targets) {
        if (!target.enabled || target.weight <= 0) continue;
        const std::string model = target.model.empty() && default_model ? default_model(target.provider) : target.model;
        auto pooled = pooled_history(target.provider, model, history);
        if (pooled.requests == 0) prediction.targets_without_data.push_back(target.provider + "/" + model);
        else known.emplace_back(target.weight, std::move(pooled));
    }
    double total_weight = 0;
    for (const auto& [weight, pooled] : known) total_weight += weight;
    if (known.empty() || total_weight <= 0) return prediction;

    std::vector<std::pair<double, const LatencyHistogram*>> latency_parts;
    for (const auto& [weight, pooled] : known) {
        const double share = weight / total_weight;
        const double requests = static_cast<double>(pooled.requests);
        prediction.error_rate += share * static_cast<double>(pooled.errors) / requests;
        prediction.cost_per_1k_usd += share * pooled.cost_usd / requests * 1000.0;
        prediction.based_on_requests += pooled.requests;
        if (pooled.latency.count() > 0) latency_parts.emplace_back(share, &pooled.latency);
    }
    if (!latency_parts.empty()) {
        double latency_share = 0;
        for (const auto& part : latency_parts) latency_share += part.first;
        for (auto& part : latency_parts) part.first /= latency_share;
        prediction.p50_ms = mixture_quantile(latency_parts, 0.50);
        prediction.p99_ms = mixture_quantile(latency_parts, 0.99);
    }
    prediction.valid = true;
    return prediction;
}

}  // namespace sb
