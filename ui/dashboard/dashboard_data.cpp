#include "dashboard/dashboard_data.h"

#include <algorithm>
#include <map>

namespace dashboard_data {
namespace {

SeriesData& seriesNamed(ChartData& chart, const QString& name) {
    for (auto& s : chart.series)
        if (s.name == name) return s;
    chart.series.append(SeriesData{name, {}, false});
    return chart.series.last();
}

}  // namespace

DashboardData fromSnapshot(const sb::MetricsSnapshot& snapshot) {
    DashboardData data;
    data.sinceMs = snapshot.since_ms;
    data.untilMs = snapshot.until_ms;
    const double seconds = std::max<double>(snapshot.resolution_ms, 1) / 1000.0;
    const auto n = static_cast<qsizetype>(snapshot.frames.size());

    auto& rate = data.chart(ChartId::RequestRate);
    for (const auto& provider : snapshot.providers) {
        SeriesData s{QString::fromStdString(provider), {}, false};
        s.points.reserve(n);
        for (const auto& f : snapshot.frames) {
            const auto it = f.requests_by_provider.find(provider);
            const double count = it == f.requests_by_provider.end() ? 0.0 : double(it->second);
            s.points.append({double(f.t_ms), f.gap ? kNoData : count / seconds});
        }
        rate.series.append(std::move(s));
    }

    // Percentiles of empty frames are not zero latency: leave those frames out.
    auto& latency = data.chart(ChartId::Latency);
    SeriesData p50{QStringLiteral("p50"), {}, false}, p95{QStringLiteral("p95"), {}, false},
        p99{QStringLiteral("p99"), {}, false};
    auto& cache = seriesNamed(data.chart(ChartId::CacheHit), QStringLiteral("hit ratio"));
    for (const auto& f : snapshot.frames) {
        const double x = double(f.t_ms);
        if (f.gap) {
            for (auto* s : {&p50, &p95, &p99, &cache}) s->points.append({x, kNoData});
            continue;
        }
        if (f.requests == 0) continue;
        p50.points.append({x, f.p50_ms});
        p95.points.append({x, f.p95_ms});
        p99.points.append({x, f.p99_ms});
        cache.points.append({x, 100.0 * double(f.cache_hits) / double(f.requests)});
    }
    latency.series = {std::move(p50), std::move(p95), std::move(p99)};

    // One series per error class seen in the window; zeros where a class has no errors.
    auto& errors = data.chart(ChartId::Errors);
    std::map<std::string, bool> classes;
    for (const auto& f : snapshot.frames)
        for (const auto& [cls, count] : f.errors_by_class)
            if (count > 0) classes[cls] = true;
    for (const auto& [cls, seen] : classes) {
        SeriesData s{QString::fromStdString(cls), {}, false};
        s.points.reserve(n);
        for (const auto& f : snapshot.frames) {
            const auto it = f.errors_by_class.find(cls);
            s.points.append({double(f.t_ms), f.gap ? kNoData : it == f.errors_by_class.end() ? 0.0 : double(it->second) / seconds});
        }
        errors.series.append(std::move(s));
    }

    // Cost: rate in $/min, and the running total since local midnight on a second axis.
    auto& cost = data.chart(ChartId::Cost);
    SeriesData perMinute{QStringLiteral("cost/min"), {}, false};
    SeriesData cumulative{kCumulativeToday, {}, true};
    double running = std::max(0.0, snapshot.cost_today_usd - snapshot.cost_usd);
    auto& tokensIn = seriesNamed(data.chart(ChartId::Tokens), QStringLiteral("input"));
    auto& tokensOut = seriesNamed(data.chart(ChartId::Tokens), QStringLiteral("output"));
    perMinute.points.reserve(n);
    cumulative.points.reserve(n);
    tokensIn.points.reserve(n);
    tokensOut.points.reserve(n);
    for (const auto& f : snapshot.frames) {
        const double x = double(f.t_ms);
        if (f.gap) {
            for (auto* s : {&perMinute, &cumulative, &tokensIn, &tokensOut}) s->points.append({x, kNoData});
            continue;
        }
        running += f.cost_usd;
        perMinute.points.append({x, f.cost_usd * 60.0 / seconds});
        cumulative.points.append({x, running});
        tokensIn.points.append({x, double(f.tokens_in) / seconds});
        tokensOut.points.append({x, double(f.tokens_out) / seconds});
    }
    cost.series = {std::move(perMinute), std::move(cumulative)};
    return data;
}

DashboardData fromRollups(const std::vector<sb::RollupRow>& rows, qint64 sinceMs, qint64 untilMs, qint64 bucketMs) {
    DashboardData data;
    bucketMs = std::max<qint64>(bucketMs, 60000);
    const qint64 first = sinceMs - sinceMs % bucketMs;
    const auto buckets = static_cast<std::size_t>((untilMs - first + bucketMs - 1) / bucketMs);
    data.sinceMs = first;
    data.untilMs = untilMs;

    struct Sums {
        double requests = 0, errors = 0, tokensIn = 0, tokensOut = 0, cost = 0, latencySum = 0, latencyMax = 0,
               cacheHits = 0;
    };
    std::vector<Sums> total(buckets);
    std::map<std::string, std::vector<double>> byProvider;
    for (const auto& row : rows) {
        if (row.minute_ms < first || row.minute_ms >= untilMs) continue;
        const auto i = static_cast<std::size_t>((row.minute_ms - first) / bucketMs);
        auto& t = total[i];
        t.requests += double(row.requests);
        t.errors += double(row.errors);
        t.tokensIn += double(row.tokens_in);
        t.tokensOut += double(row.tokens_out);
        t.cost += row.cost_usd;
        t.latencySum += row.latency_sum_ms;
        t.latencyMax = std::max(t.latencyMax, row.latency_max_ms);
        t.cacheHits += double(row.cache_hits);
        auto& counts = byProvider[row.provider];
        counts.resize(buckets);
        counts[i] += double(row.requests);
    }

    const double seconds = double(bucketMs) / 1000.0;
    auto x = [&](std::size_t i) { return double(first + qint64(i) * bucketMs); };
    auto& rate = data.chart(ChartId::RequestRate);
    for (const auto& [provider, counts] : byProvider) {
        SeriesData s{QString::fromStdString(provider), {}, false};
        for (std::size_t i = 0; i < buckets; ++i) s.points.append({x(i), counts[i] / seconds});
        rate.series.append(std::move(s));
    }
    SeriesData mean{QStringLiteral("mean"), {}, false}, max{QStringLiteral("max"), {}, false};
    SeriesData errors{kAllErrors, {}, false};
    SeriesData perMinute{QStringLiteral("cost/min"), {}, false}, cumulative{kCumulativeRange, {}, true};
    SeriesData tokensIn{QStringLiteral("input"), {}, false}, tokensOut{QStringLiteral("output"), {}, false};
    SeriesData cache{QStringLiteral("hit ratio"), {}, false};
    double running = 0;
    for (std::size_t i = 0; i < buckets; ++i) {
        const auto& t = total[i];
        running += t.cost;
        errors.points.append({x(i), t.errors / seconds});
        perMinute.points.append({x(i), t.cost * 60.0 / seconds});
        cumulative.points.append({x(i), running});
        tokensIn.points.append({x(i), t.tokensIn / seconds});
        tokensOut.points.append({x(i), t.tokensOut / seconds});
        if (t.requests > 0) {
            mean.points.append({x(i), t.latencySum / t.requests});
            max.points.append({x(i), t.latencyMax});
            cache.points.append({x(i), 100.0 * t.cacheHits / t.requests});
        }
    }
    data.chart(ChartId::Latency).series = {std::move(mean), std::move(max)};
    data.chart(ChartId::Errors).series = {std::move(errors)};
    data.chart(ChartId::Cost).series = {std::move(perMinute), std::move(cumulative)};
    data.chart(ChartId::Tokens).series = {std::move(tokensIn), std::move(tokensOut)};
    data.chart(ChartId::CacheHit).series = {std::move(cache)};
    return data;
}

KpiValues kpis(const sb::MetricsSnapshot& snapshot) {
    KpiValues k;
    k.hasRequests = snapshot.requests > 0;
    if (k.hasRequests) {
        k.successRatio = 1.0 - double(snapshot.errors) / double(snapshot.requests);
        k.cacheHitRatio = double(snapshot.cache_hits) / double(snapshot.requests);
        k.hedgeShare = double(snapshot.hedges) / double(snapshot.requests);
    }
    k.hedges = snapshot.hedges;
    k.hedgesWon = snapshot.hedges_won;
    k.hedgeCostUsd = snapshot.hedge_cost_usd;
    k.p99Ms = snapshot.p99_ms;
    k.costTodayUsd = snapshot.cost_today_usd;
    // The newest frame is the second in progress: average the ten before it.
    const auto& frames = snapshot.frames;
    if (frames.size() >= 2) {
        const std::size_t end = frames.size() - 1;
        const std::size_t begin = end >= 10 ? end - 10 : 0;
        std::uint64_t count = 0;
        for (std::size_t i = begin; i < end; ++i) count += frames[i].requests;
        const double seconds = double(end - begin) * double(std::max<std::int64_t>(snapshot.resolution_ms, 1)) / 1000.0;
        k.requestsPerSecond = double(count) / seconds;
    }
    return k;
}

}  // namespace dashboard_data
