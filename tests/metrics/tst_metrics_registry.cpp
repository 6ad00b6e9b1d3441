// Metrics: log-bucketed histograms within ~2% of exact quantiles and mergeable; snapshots
// merge 1-second buckets into frames of any resolution with the right sums.
#include <QtTest>

#include <algorithm>
#include <random>

#include "metrics/latency_histogram.h"
#include "metrics/metrics_registry.h"

using namespace sb;

namespace {
double exact_quantile(std::vector<double> values, double q) {
    std::sort(values.begin(), values.end());
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
    return values[std::max<std::size_t>(rank, 1) - 1];
}

RecordedRequest request_at(std::int64_t ms, std::string provider, double latency, bool ok = true) {
    RecordedRequest r;
    r.finished_ms = ms;
    r.provider = std::move(provider);
    r.model = "m";
    r.ok = ok;
    if (!ok) r.error_class = "rate_limited";
    r.latency_ms = latency;
    r.dns_ms = 1;
    r.connect_ms = 2;
    r.first_byte_ms = latency - 1;
    r.transfer_total_ms = latency;
    r.tokens_in = 10;
    r.tokens_out = 20;
    r.cost_usd = 0.001;
    return r;
}
}  // namespace

class TestMetricsRegistry : public QObject {
    Q_OBJECT
private slots:
    void histogramQuantilesWithinTwoPercent() {
        std::mt19937_64 random(5);
        std::lognormal_distribution<double> latency(std::log(800.0), 0.5);
        std::vector<double> values;
        LatencyHistogram histogram;
        for (int i = 0; i < 20000; ++i) {
            values.push_back(latency(random));
            histogram.add(values.back());
        }
        for (double q : {0.5, 0.9, 0.95, 0.99}) {
            const double exact = exact_quantile(values, q);
            const double estimate = histogram.quantile(q);
            QVERIFY2(std::abs(estimate - exact) / exact < 0.025,
                     qPrintable(QString("q%1: %2 vs %3").arg(q).arg(estimate).arg(exact)));
        }
        QCOMPARE(histogram.count(), std::uint64_t(20000));
        QCOMPARE(LatencyHistogram().quantile(0.99), 0.0);
    }

    void mergingEqualsAddingEverything() {
        LatencyHistogram a, b, all;
        for (int i = 1; i <= 500; ++i) {
            (i % 2 ? a : b).add(i * 3.0);
            all.add(i * 3.0);
        }
        a.merge(b);
        QCOMPARE(a.count(), all.count());
        for (double q : {0.1, 0.5, 0.99}) QCOMPARE(a.quantile(q), all.quantile(q));
    }

    void snapshotFramesAndTotals() {
        MetricsRegistry registry;
        const std::int64_t t0 = 1'700'000'000'000;  // a whole second
        for (int s = 0; s < 10; ++s)
            for (int i = 0; i < s + 1; ++i)
                registry.record(request_at(t0 + s * 1000 + i, s % 2 ? "anthropic" : "openai", 100.0 + s, i != 0 || s != 4));
        const auto snap = registry.snapshot(t0, t0 + 10'000, 1000);
        QCOMPARE(snap.frames.size(), std::size_t(10));
        for (int s = 0; s < 10; ++s) {
            QCOMPARE(snap.frames[s].t_ms, t0 + s * 1000);
            QCOMPARE(snap.frames[s].requests, std::uint64_t(s + 1));
            QCOMPARE(snap.frames[s].requests_by_provider.at(s % 2 ? "anthropic" : "openai"), std::uint64_t(s + 1));
            QVERIFY(std::abs(snap.frames[s].p50_ms - (100.0 + s)) / (100.0 + s) < 0.025);
        }
        QCOMPARE(snap.frames[4].errors, std::uint64_t(1));
        QCOMPARE(snap.frames[4].errors_by_class.at("rate_limited"), std::uint64_t(1));
        QCOMPARE(snap.requests, std::uint64_t(55));
        QCOMPARE(snap.errors, std::uint64_t(1));
        QCOMPARE(snap.tokens_out, std::int64_t(55 * 20));
        QVERIFY(std::abs(snap.cost_usd - 0.055) < 1e-9);
        QCOMPARE(snap.providers, (std::vector<std::string>{"anthropic", "openai"}));
        QCOMPARE(snap.phases.size(), std::size_t(2));
        QCOMPARE(snap.phases[0].dns_ms, 1.0);

        const auto coarse = registry.snapshot(t0, t0 + 10'000, 5000);
        QCOMPARE(coarse.frames.size(), std::size_t(2));
        QCOMPARE(coarse.frames[0].requests, std::uint64_t(1 + 2 + 3 + 4 + 5));
        QCOMPARE(coarse.frames[1].requests, std::uint64_t(6 + 7 + 8 + 9 + 10));
        QCOMPARE(coarse.requests, snap.requests);
    }

    void cacheHitsCountButHaveNoTransferPhases() {
        MetricsRegistry registry;
        const std::int64_t t0 = 1'700'000'000'000;
        registry.record(request_at(t0, "openai", 100.0, true));
        auto hit = request_at(t0 + 1, std::string(kCacheProvider), 0.02, true);
        hit.cache_hit = true;
        registry.record(hit);
        const auto snap = registry.snapshot(t0, t0 + 1000, 1000);
        QCOMPARE(snap.requests, std::uint64_t(2));
        QCOMPARE(snap.cache_hits, std::uint64_t(1));
        QCOMPARE(snap.frames[0].requests_by_provider.at("cache"), std::uint64_t(1));
        QCOMPARE(snap.phases.size(), std::size_t(1));
        QCOMPARE(snap.phases[0].provider, std::string("openai"));
    }

    void emptySecondsAreZeroFramesAndOldSecondsExpire() {
        MetricsRegistry registry(std::chrono::seconds(60));
        const std::int64_t t0 = 1'700'000'000'000;
        registry.record(request_at(t0, "openai", 50));
        registry.record(request_at(t0 + 30'000, "openai", 50));
        auto snap = registry.snapshot(t0, t0 + 31'000, 1000);
        QCOMPARE(snap.frames.size(), std::size_t(31));
        QCOMPARE(snap.frames[15].requests, std::uint64_t(0));
        QCOMPARE(snap.frames[15].p99_ms, 0.0);
        QCOMPARE(snap.requests, std::uint64_t(2));
        registry.record(request_at(t0 + 80'000, "openai", 50));  // pushes t0 out of the 60 s window
        snap = registry.snapshot(t0, t0 + 91'000, 1000);
        QCOMPARE(snap.requests, std::uint64_t(2));
        QCOMPARE(snap.lifetime_requests, std::uint64_t(3));
    }

    void outOfOrderRecordsLandInTheirSecond() {
        MetricsRegistry registry;
        const std::int64_t t0 = 1'700'000'000'000;
        registry.record(request_at(t0 + 2000, "openai", 10));
        registry.record(request_at(t0 + 500, "openai", 10));  // a slower thread, an earlier second
        const auto snap = registry.snapshot(t0, t0 + 3000, 1000);
        QCOMPARE(snap.frames[0].requests, std::uint64_t(1));
        QCOMPARE(snap.frames[2].requests, std::uint64_t(1));
    }

    void totalsPerTargetOverTheWindow() {
        MetricsRegistry registry;
        const std::int64_t now = unix_ms_now();
        for (int i = 0; i < 10; ++i) registry.record(request_at(now - 1000, "openai", 100, i != 0));
        auto tiered = request_at(now - 1000, "openai", 300);
        tiered.tier = "advanced";
        registry.record(tiered);
        registry.record(request_at(now - 500, "anthropic", 50));
        registry.record(request_at(now - 120'000, "anthropic", 50));  // outside a one-minute window

        const auto targets = registry.by_target(std::chrono::minutes(1));
        QCOMPARE(targets.size(), std::size_t(3));  // anthropic, openai/"" tier, openai/advanced
        QCOMPARE(targets[0].provider, std::string("anthropic"));
        QCOMPARE(targets[0].requests, std::uint64_t(1));
        QCOMPARE(targets[1].provider, std::string("openai"));
        QCOMPARE(targets[1].tier, std::string());
        QCOMPARE(targets[1].requests, std::uint64_t(10));
        QCOMPARE(targets[1].errors, std::uint64_t(1));
        QVERIFY(std::abs(targets[1].cost_usd - 0.010) < 1e-12);
        QCOMPARE(targets[1].latency.count(), std::uint64_t(10));
        QVERIFY(std::abs(targets[1].latency.quantile(0.5) - 100) < 3);
        QCOMPARE(targets[2].tier, std::string("advanced"));
        QVERIFY(std::abs(targets[2].latency.quantile(0.5) - 300) < 8);
    }
};

QTEST_GUILESS_MAIN(TestMetricsRegistry)
#include "tst_metrics_registry.moc"
