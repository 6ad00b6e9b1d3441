// Budgets on an injected clock: daily and monthly periods in UTC, total and per provider,
// each action at its threshold, seeding from history, and the month-end forecast.
#include <QtTest>

#include "cost/budget_tracker.h"

using namespace sb;

namespace {

constexpr std::int64_t kDayMs = 86'400'000;

// 2026-11-20 12:00 UTC
std::int64_t g_now_ms = 1'795'176'000'000;

BudgetTracker::Clock::time_point fake_now() {
    return BudgetTracker::Clock::time_point(std::chrono::milliseconds(g_now_ms));
}

Budget budget(std::string name, BudgetPeriod period, double limit, BudgetAction action, std::string provider = {},
              double threshold = 1.0, std::string tier = {}) {
    return Budget{std::move(name), period, std::move(provider), limit, threshold, action, std::move(tier)};
}

}  // namespace

class TestBudgetTracker : public QObject {
    Q_OBJECT

private slots:
    void init() { g_now_ms = 1'795'176'000'000; }

    void calendarBoundariesAreUtc() {
        QCOMPARE(BudgetTracker::day_start_ms(g_now_ms), g_now_ms - 12 * 3'600'000LL);
        QCOMPARE(BudgetTracker::month_start_ms(g_now_ms), std::int64_t(1'793'491'200'000));       // 2026-11-01
        QCOMPARE(BudgetTracker::next_month_start_ms(g_now_ms), std::int64_t(1'796'083'200'000));  // 2026-12-01
        const std::int64_t dec31 = 1'798'675'200'000 + 3'600'000;                                   // 2026-12-31 01:00
        QCOMPARE(BudgetTracker::next_month_start_ms(dec31), std::int64_t(1'798'761'600'000));      // 2027-01-01
    }

    void refuseOnceTheMonthlyLimitIsSpent() {
        BudgetTracker tracker({budget("monthly total", BudgetPeriod::Monthly, 10.0, BudgetAction::Refuse)}, fake_now);
        tracker.record("openai", 6.0);
        QVERIFY(!tracker.check("openai").refusal);
        tracker.record("anthropic", 4.5);
        const auto verdict = tracker.check("local");
        QVERIFY(verdict.refusal.has_value());
        QCOMPARE(verdict.refusal->cls, ErrorClass::Budget);
        const auto& message = verdict.refusal->message;
        QVERIFY2(message.find("monthly budget \"monthly total\"") != std::string::npos, message.c_str());
        QVERIFY2(message.find("$10.50 of $10.00") != std::string::npos, message.c_str());
        QVERIFY2(message.find("2026-12-01") != std::string::npos, message.c_str());
        QVERIFY2(message.find("budgets[0]") != std::string::npos, message.c_str());
        // A new month starts from nothing.
        g_now_ms = BudgetTracker::next_month_start_ms(g_now_ms) + 1;
        QVERIFY(!tracker.check("openai").refusal);
    }

    void dailyBudgetResetsAtMidnight() {
        BudgetTracker tracker({budget("day", BudgetPeriod::Daily, 1.0, BudgetAction::Refuse)}, fake_now);
        tracker.record("openai", 1.0);
        QVERIFY(tracker.check("openai").refusal);
        g_now_ms += 12 * 3'600'000LL;  // 00:00 next day
        QVERIFY(!tracker.check("openai").refusal);
        QCOMPARE(tracker.status()[0].spent_usd, 0.0);
    }

    void perProviderBudgetCountsOnlyItsProvider() {
        BudgetTracker tracker({budget("anthropic cap", BudgetPeriod::Monthly, 5.0, BudgetAction::Refuse, "anthropic")}, fake_now);
        tracker.record("openai", 50.0);
        QVERIFY(!tracker.check("anthropic").refusal);
        tracker.record("anthropic", 5.0);
        QVERIFY(tracker.check("anthropic").refusal);
        QVERIFY(!tracker.check("openai").refusal);  // other providers are not limited by it
    }

    void warnAndDowngradeAtTheirThresholds() {
        BudgetTracker tracker({budget("warn80", BudgetPeriod::Monthly, 100.0, BudgetAction::Warn, {}, 0.8),
                               budget("cheap90", BudgetPeriod::Monthly, 100.0, BudgetAction::Downgrade, {}, 0.9, "simple")},
                              fake_now);
        tracker.record("openai", 79.0);
        auto verdict = tracker.check("openai");
        QVERIFY(verdict.warnings.empty());
        QVERIFY(verdict.downgrade_tier.empty());
        tracker.record("openai", 2.0);
        verdict = tracker.check("openai");
        QCOMPARE(verdict.warnings.size(), std::size_t(1));
        QVERIFY(verdict.warnings[0].find("81%") != std::string::npos);
        QVERIFY(verdict.downgrade_tier.empty());
        tracker.record("openai", 10.0);
        verdict = tracker.check("openai");
        QCOMPARE(verdict.downgrade_tier, std::string("simple"));
        QCOMPARE(verdict.downgrade_budget, std::string("cheap90"));
        QVERIFY(!verdict.refusal);
        const auto status = tracker.status();
        QVERIFY(status[0].acting && status[1].acting);
        QCOMPARE(status[1].fraction, 0.91);
    }

    void seededSpendCountsAfterARestart() {
        BudgetTracker tracker({budget("m", BudgetPeriod::Monthly, 10.0, BudgetAction::Refuse)}, fake_now);
        tracker.seed(BudgetTracker::day_start_ms(g_now_ms) - 3 * kDayMs, "openai", 7.0);
        tracker.seed(BudgetTracker::month_start_ms(g_now_ms) - kDayMs, "openai", 100.0);  // last month: not counted
        QCOMPARE(tracker.status()[0].spent_usd, 7.0);
        tracker.record("openai", 3.0);
        QVERIFY(tracker.check("openai").refusal);
    }

    void forecastExtrapolatesTheRecentTrend() {
        BudgetTracker tracker({}, fake_now);
        QCOMPARE(tracker.forecast().forecast_usd, 0.0);
        // $10 a day for the last 7 days (today counts half: it is noon).
        for (int d = 6; d >= 1; --d) tracker.seed(BudgetTracker::day_start_ms(g_now_ms) - d * kDayMs, "openai", 10.0);
        tracker.record("openai", 5.0);
        const auto f = tracker.forecast();
        QCOMPARE(f.days_in_trend, 7);
        QVERIFY(std::abs(f.daily_rate_usd - 10.0) < 1e-9);  // $65 over 6.5 days
        QCOMPARE(f.month_to_date_usd, 65.0);                 // all 7 days are in November
        // 10.5 days left in November: 65 + 105.
        QVERIFY(std::abs(f.forecast_usd - 170.0) < 1e-6);
    }
};

QTEST_GUILESS_MAIN(TestBudgetTracker)
#include "tst_budget_tracker.moc"
