// What-if predictions from per-target histories: the latency quantiles of the share-weighted
// mixture (not an average of percentiles), error rate and cost linear in the shares, and
// targets without history reported instead of guessed.
#include <QtTest>

#include "cost/what_if.h"

using namespace sb;

namespace {

TargetMetrics history(std::string provider, std::string model, double latency_ms, std::uint64_t requests,
                      std::uint64_t errors, double cost_usd) {
    TargetMetrics m;
    m.provider = std::move(provider);
    m.model = std::move(model);
    m.tier = "standard";
    m.requests = requests;
    m.errors = errors;
    m.cost_usd = cost_usd;
    m.latency.add(latency_ms, requests);
    return m;
}

TierConfig tier(double fast_weight, double slow_weight) {
    TierConfig t;
    t.name = "standard";
    t.targets = {RouteTarget{"fast", "f", fast_weight, true}, RouteTarget{"slow", "s", slow_weight, true}};
    return t;
}

// 1,000 requests each: "fast" answers in 100 ms with 1% errors at $1 per 1,000 requests,
// "slow" in 1,000 ms with 10% errors at $5 per 1,000 requests.
const std::vector<TargetMetrics> kHistory = {history("fast", "f", 100, 1000, 10, 1.0),
                                             history("slow", "s", 1000, 1000, 100, 5.0)};

bool near(double value, double expected, double tolerance) { return std::abs(value - expected) <= tolerance; }

}  // namespace

class TestWhatIf : public QObject {
    Q_OBJECT

private slots:
    void onlyTheFastTarget() {
        const auto p = predict_tier(tier(100, 0), kHistory);
        QVERIFY(p.valid);
        QVERIFY2(near(p.p50_ms, 100, 3) && near(p.p99_ms, 100, 3), qPrintable(QString::number(p.p99_ms)));
        QVERIFY(near(p.error_rate, 0.01, 1e-9));
        QVERIFY(near(p.cost_per_1k_usd, 1.0, 1e-9));
        QCOMPARE(p.based_on_requests, std::uint64_t(1000));
    }

    void aSmallShareOfASlowTargetOwnsTheTail() {
        // 2% slow: the median stays fast, but p99 is the slow target's latency — an average of
        // the two p99s (118 ms) would hide that.
        const auto p = predict_tier(tier(98, 2), kHistory);
        QVERIFY(near(p.p50_ms, 100, 3));
        QVERIFY2(near(p.p99_ms, 1000, 25), qPrintable(QString::number(p.p99_ms)));
        QVERIFY(near(p.error_rate, 0.98 * 0.01 + 0.02 * 0.10, 1e-9));
        QVERIFY(near(p.cost_per_1k_usd, 0.98 * 1.0 + 0.02 * 5.0, 1e-9));
    }

    void halfAndHalf() {
        const auto p = predict_tier(tier(50, 50), kHistory);
        QVERIFY(near(p.p50_ms, 100, 3));  // the 50th percentile is the last fast request
        QVERIFY(near(p.p99_ms, 1000, 25));
        QVERIFY(near(p.error_rate, 0.055, 1e-9));
        QVERIFY(near(p.cost_per_1k_usd, 3.0, 1e-9));
    }

    void historyFromEveryTierCounts() {
        auto more = kHistory;
        auto other_tier = history("fast", "f", 100, 1000, 30, 1.0);
        other_tier.tier = "simple";
        more.push_back(other_tier);
        const auto p = predict_tier(tier(100, 0), more);
        QCOMPARE(p.based_on_requests, std::uint64_t(2000));
        QVERIFY(near(p.error_rate, 0.02, 1e-9));
    }

    void targetsWithoutDataAreReportedNotGuessed() {
        auto t = tier(50, 50);
        t.targets.push_back(RouteTarget{"new", "", 50, true});
        const auto p = predict_tier(t, kHistory, [](std::string_view) { return std::string("n-1"); });
        QCOMPARE(p.targets_without_data, std::vector<std::string>{"new/n-1"});
        QVERIFY(near(p.error_rate, 0.055, 1e-9));  // shares among the targets that have data

        const auto none = predict_tier(t, {});
        QVERIFY(!none.valid);
        QCOMPARE(none.targets_without_data.size(), std::size_t(3));
    }

    void disabledTargetsAreLeftOut() {
        auto t = tier(50, 50);
        t.targets[1].enabled = false;
        QVERIFY(near(predict_tier(t, kHistory).error_rate, 0.01, 1e-9));
    }
};

QTEST_APPLESS_MAIN(TestWhatIf)
#include "tst_what_if.moc"
