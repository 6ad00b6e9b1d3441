// The adaptive limiter: grows while latency holds, cuts on congestion, stays in bounds.
#include <QtTest>

#include "resilience/concurrency_limiter.h"

using namespace sb;
using namespace std::chrono_literals;

namespace {
ConcurrencyConfig bounds(int min, int initial, int max) {
    ConcurrencyConfig config;
    config.min = min;
    config.initial = initial;
    config.max = max;
    return config;
}

// Runs `rounds` full windows of successful calls at `latency`.
void run_healthy(ConcurrencyLimiter& limiter, int rounds, std::chrono::microseconds latency) {
    for (int r = 0; r < rounds; ++r) {
        const int window = limiter.limit();
        int taken = 0;
        while (limiter.try_acquire()) ++taken;
        QCOMPARE(taken, window);
        for (int i = 0; i < taken; ++i) limiter.release(latency, false);
    }
}
}  // namespace

class TestConcurrencyLimiter : public QObject {
    Q_OBJECT
private slots:
    void acquireStopsAtTheLimit() {
        ConcurrencyLimiter limiter(bounds(1, 4, 64));
        for (int i = 0; i < 4; ++i) QVERIFY(limiter.try_acquire());
        QVERIFY(!limiter.try_acquire());
        QCOMPARE(limiter.in_flight(), 4);
        limiter.release_neutral();
        QVERIFY(limiter.try_acquire());
    }

    void additiveIncreaseWhileLatencyHolds() {
        ConcurrencyLimiter limiter(bounds(1, 4, 64));
        run_healthy(limiter, 10, 20ms);
        // About one more slot per full window.
        QVERIFY2(limiter.limit() >= 10 && limiter.limit() <= 15, qPrintable(QString::number(limiter.limit())));
        QVERIFY(std::abs(limiter.baseline_ms() - 20.0) < 0.5);
    }

    void neverAboveMax() {
        ConcurrencyLimiter limiter(bounds(1, 4, 8));
        run_healthy(limiter, 50, 5ms);
        QCOMPARE(limiter.limit(), 8);
    }

    void multiplicativeDecreaseOnCongestionOncePerRoundTrip() {
        ConcurrencyLimiter limiter(bounds(2, 40, 64));
        run_healthy(limiter, 1, 10ms);  // baseline 10 ms
        const int before = limiter.limit();
        for (int i = 0; i < 10; ++i) QVERIFY(limiter.try_acquire());
        const auto t0 = ConcurrencyLimiter::Clock::now() + 1s;
        // Ten 429s inside one round trip cut once, not ten times.
        for (int i = 0; i < 10; ++i) limiter.release(10ms, true, t0 + std::chrono::microseconds(i * 100));
        const int after_one = limiter.limit();
        QVERIFY(std::abs(after_one - before * 0.7) <= 1.0);
        // A later round trip cuts again.
        QVERIFY(limiter.try_acquire());
        limiter.release(10ms, true, t0 + 50ms);
        QVERIFY(std::abs(limiter.limit() - after_one * 0.7) <= 1.0);
    }

    void latencySpikeCountsAsCongestion() {
        ConcurrencyLimiter limiter(bounds(1, 20, 64));
        run_healthy(limiter, 2, 10ms);
        const int before = limiter.limit();
        QVERIFY(limiter.try_acquire());
        limiter.release(100ms, false);  // 10x the baseline
        QVERIFY(limiter.limit() < before);
    }

    void neverBelowMin() {
        ConcurrencyLimiter limiter(bounds(3, 10, 64));
        auto now = ConcurrencyLimiter::Clock::now();
        for (int i = 0; i < 30; ++i) {
            QVERIFY(limiter.try_acquire());
            now += 1s;
            limiter.release(10ms, true, now);
        }
        QCOMPARE(limiter.limit(), 3);
    }

    void recoversAfterCongestionClears() {
        ConcurrencyLimiter limiter(bounds(1, 32, 64));
        auto now = ConcurrencyLimiter::Clock::now();
        for (int i = 0; i < 6; ++i) {
            QVERIFY(limiter.try_acquire());
            now += 1s;
            limiter.release(10ms, true, now);
        }
        const int low = limiter.limit();
        run_healthy(limiter, 20, 10ms);
        QVERIFY(limiter.limit() > low + 5);
    }
};

QTEST_GUILESS_MAIN(TestConcurrencyLimiter)
#include "tst_concurrency_limiter.moc"
