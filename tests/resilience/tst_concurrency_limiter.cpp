// The adaptive limiter: grows while latency holds, cuts once per round trip that shows
// congestion (a share of 429s/overloads/timeouts, or a slow mean), ignores the random
// failures and long tail every provider has — a steady background rate of them included —
// stays in bounds; starts from the rate limit its provider reports.
#include <QtTest>

#include <random>

#include "../support/engine_fixture.h"
#include "resilience/concurrency_limiter.h"

using namespace sb;
using namespace std::chrono_literals;

namespace {
// Round trips of 100 calls in 100 ms with the limit kept full; the first `congested` calls of
// one are congested. Remembers the lowest limit seen.
struct RoundTrips {
    explicit RoundTrips(ConcurrencyLimiter& limiter) : limiter(limiter) {}
    void run(int congested) {
        for (int i = 0; i < 100; ++i) {
            while (limiter.try_acquire()) {}
            now += 1ms;
            limiter.release(100ms, i < congested, now);
            lowest = std::min(lowest, limiter.limit());
        }
    }
    ConcurrencyLimiter& limiter;
    ConcurrencyLimiter::Clock::time_point now = ConcurrencyLimiter::Clock::now();
    int lowest = 100;
};

// The AIMD mechanics from a limit that holds from the start (cold_start "initial").
ConcurrencyConfig bounds(int min, int initial, int max) {
    ConcurrencyConfig config;
    config.min = min;
    config.initial = initial;
    config.max = max;
    config.cold_start_follows_demand = false;
    return config;
}

ConcurrencyConfig demand_bounds(int min, int initial, int max) {
    ConcurrencyConfig config = bounds(min, initial, max);
    config.cold_start_follows_demand = true;
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
// One judged window: `calls` calls one after another (the limit not used, so not grown), the
// first `congested` released as congestion at `start`, the rest successes at `start` + `span`
// (a window is judged once it spans a round trip and holds 20 calls).
void window_of(ConcurrencyLimiter& limiter, int calls, int congested, ConcurrencyLimiter::Clock::time_point start,
               std::chrono::milliseconds span, std::chrono::microseconds latency = 20ms) {
    for (int i = 0; i < calls; ++i) {
        QVERIFY(limiter.try_acquire());
        limiter.release(latency, i < congested, i < congested ? start + std::chrono::microseconds(i) : start + span);
    }
}

// `calls` completions with the limit kept full, as the engine's queue does under load.
void pumped(ConcurrencyLimiter& limiter, int calls, std::chrono::microseconds latency) {
    while (limiter.try_acquire()) {}
    for (int i = 0; i < calls; ++i) {
        limiter.release(latency, false);
        while (limiter.try_acquire()) {}
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

    void beforeTheFirstAnswerDemandSetsTheLimitUpToMax() {
        // A fresh engine must not queue what plain calls would send: until the provider answers,
        // every call goes out, up to max; a cancelled call (no answer) changes nothing.
        ConcurrencyLimiter limiter(demand_bounds(1, 4, 64));
        for (int i = 0; i < 64; ++i) QVERIFY(limiter.try_acquire());
        QVERIFY(!limiter.try_acquire());
        QCOMPARE(limiter.limit(), 64);
        limiter.release_neutral();
        QVERIFY(limiter.try_acquire());
        // Then its answers judge it: a window of 429s cuts it as usual.
        const auto now = ConcurrencyLimiter::Clock::now();
        for (int i = 0; i < 12; ++i) limiter.release(20ms, true, now + std::chrono::milliseconds(i));
        for (int i = 0; i < 8; ++i) limiter.release(20ms, false, now + 1s);
        QVERIFY2(limiter.limit() <= 45, qPrintable(QString::number(limiter.limit())));
        QVERIFY(limiter.in_flight() >= limiter.limit());  // 44 still out: no more until they come back
        QVERIFY(!limiter.try_acquire());
    }

    void slowStartGrowsByOnePerCallWhileTheLimitIsUsed() {
        ConcurrencyLimiter limiter(bounds(1, 4, 256));
        pumped(limiter, 60, 20ms);  // 4 + one per call
        QVERIFY2(limiter.limit() >= 60, qPrintable(QString::number(limiter.limit())));
        QVERIFY(std::abs(limiter.baseline_ms() - 20.0) < 0.5);
    }

    void additiveIncreaseAfterTheFirstCut() {
        ConcurrencyLimiter limiter(bounds(1, 20, 256));
        window_of(limiter, 20, 6, ConcurrencyLimiter::Clock::now(), 1s);  // 6 of 20 congested: 20 → 14
        const int cut = limiter.limit();
        QCOMPARE(cut, 14);
        pumped(limiter, 140, 20ms);  // ten round trips at the limit
        // Back to the 20 it was cut from within a few round trips, then about one more per round trip.
        QVERIFY2(limiter.limit() >= cut + 6 && limiter.limit() <= cut + 11, qPrintable(QString::number(limiter.limit())));
    }

    void theProvidersRateLimitSetsTheStart() {
        // 6,000 requests a minute at a 1 s baseline sustain 100 calls in flight: a fresh limiter
        // starts there instead of doubling its way up from 4.
        ConcurrencyLimiter limiter(bounds(1, 4, 256));
        QVERIFY(limiter.learns_rate_limit());
        limiter.learn_rate_limit(6'000);  // no latency learnt yet: nothing to derive it from
        QCOMPARE(limiter.limit(), 4);
        QVERIFY(limiter.try_acquire());
        limiter.release(1000ms, false);
        const int grown = limiter.limit();
        limiter.learn_rate_limit(6'000);
        QCOMPARE(limiter.limit(), 100);
        limiter.learn_rate_limit(60);  // a lower rate never lowers the limit: congestion does that
        QCOMPARE(limiter.limit(), 100);
        QVERIFY(grown < 100);
        limiter.learn_rate_limit(600'000);  // never above max
        QCOMPARE(limiter.limit(), 256);
        QVERIFY(!limiter.learns_rate_limit());

        // After the first cut the limit is the limiter's own again.
        ConcurrencyLimiter cut(bounds(1, 20, 256));
        window_of(cut, 20, 6, ConcurrencyLimiter::Clock::now(), 2s, 1000ms);
        QCOMPARE(cut.limit(), 14);
        QVERIFY(!cut.learns_rate_limit());
        cut.learn_rate_limit(6'000);
        QCOMPARE(cut.limit(), 14);
    }

    void neverAboveMax() {
        ConcurrencyLimiter limiter(bounds(1, 4, 8));
        run_healthy(limiter, 50, 5ms);
        QCOMPARE(limiter.limit(), 8);
    }

    void multiplicativeDecreaseOnCongestionOncePerRoundTrip() {
        ConcurrencyLimiter limiter(bounds(2, 40, 64));
        run_healthy(limiter, 1, 10ms);  // baseline 10 ms
        const int healthy = limiter.limit();
        for (int i = 0; i < 21; ++i) QVERIFY(limiter.try_acquire());
        const auto t0 = ConcurrencyLimiter::Clock::now() + 1s;
        limiter.release(10ms, false, t0);  // closes the healthy window: no cut
        const int before = limiter.limit();
        QVERIFY(before >= healthy);
        // Ten 429s inside one round trip cut once, when the window closes, not ten times.
        for (int i = 1; i <= 10; ++i) limiter.release(10ms, true, t0 + std::chrono::microseconds(i * 100));
        QCOMPARE(limiter.limit(), before);
        for (int i = 0; i < 10; ++i) limiter.release(10ms, false, t0 + 20ms);
        const int after_one = limiter.limit();
        QVERIFY2(std::abs(after_one - before * 0.7) <= 1.0, qPrintable(QString::number(after_one)));
        // A later congested round trip cuts again.
        window_of(limiter, 20, 10, t0 + 25ms, 40ms, 10ms);
        QVERIFY2(std::abs(limiter.limit() - after_one * 0.7) <= 1.0, qPrintable(QString::number(limiter.limit())));
    }

    void randomFailuresBelowTheThresholdDoNotCollapseTheLimit() {
        // One 429 in every window of 20 calls (5%, what a healthy provider shows): the limit
        // must keep growing, not be cut on each one.
        ConcurrencyLimiter limiter(bounds(1, 20, 256));
        auto now = ConcurrencyLimiter::Clock::now();
        for (int window = 0; window < 50; ++window) {
            const int taken = limiter.limit();
            for (int i = 0; i < taken; ++i) QVERIFY(limiter.try_acquire());
            for (int i = 0; i < taken; ++i) {
                now += 1ms;
                limiter.release(800ms, i == 0, now);  // the first of each window is a 429
            }
            now += 800ms;  // the next window
        }
        QVERIFY2(limiter.limit() > 40, qPrintable(QString::number(limiter.limit())));
    }

    void steadyBackgroundCongestionIsNotCongestion() {
        // 6% of calls are 429s, 503s or timeouts at random, whatever the load (the baseline
        // replay's upstream): 200 round trips of 100 calls must not keep cutting the limit.
        ConcurrencyLimiter limiter(bounds(1, 100, 256));
        std::mt19937 rng(7);
        std::bernoulli_distribution congested(0.06);
        auto now = ConcurrencyLimiter::Clock::now();
        int cuts = 0;
        for (int call = 0; call < 20'000; ++call) {
            while (limiter.try_acquire()) {}
            const int before = limiter.limit();
            now += 1ms;  // 100 calls per 100 ms round trip
            limiter.release(100ms, congested(rng), now);
            cuts += limiter.limit() < before;
        }
        QVERIFY2(cuts <= 1, qPrintable(QString::number(cuts)));
        QVERIFY2(limiter.limit() > 200, qPrintable(QString::number(limiter.limit())));
        QVERIFY2(std::abs(limiter.background_share() - 0.06) < 0.025, qPrintable(QString::number(limiter.background_share())));

        // A real rate limit shows as a jump above that background: cut at once.
        const int before = limiter.limit();
        for (int call = 0; call < 100; ++call) {
            while (limiter.try_acquire()) {}
            now += 1ms;
            limiter.release(100ms, call % 4 == 0, now);  // 25%
        }
        now += 1ms;
        limiter.release(100ms, false, now);
        QVERIFY2(limiter.limit() <= before * 0.75, qPrintable(QString("%1 → %2").arg(before).arg(limiter.limit())));
    }

    void aCutClimbsBackHalfTheWayPerRoundTrip() {
        // After a cut the limit returns towards where it was, half the gap per round trip, so a
        // cut that the next round trips do not confirm costs a few of them, not dozens.
        ConcurrencyLimiter limiter(bounds(1, 100, 100));
        RoundTrips trips(limiter);
        auto round_trip = [&](int congested) { trips.run(congested); };
        round_trip(0);
        round_trip(0);
        QCOMPARE(limiter.limit(), 100);
        round_trip(40);
        round_trip(0);  // the congested round trip is judged when the next one starts
        QCOMPARE(trips.lowest, 70);
        for (int r = 0; r < 3; ++r) round_trip(0);
        QVERIFY2(limiter.limit() >= 95, qPrintable(QString::number(limiter.limit())));
    }

    void pastTheLastCutTheLimitProbesFaster() {
        // A cut early in slow start, below what the traffic needs: once back where it was cut,
        // the limit grows 1, 2, 4… per clean round trip, not one, so it catches up in a few.
        ConcurrencyLimiter limiter(bounds(1, 100, 2000));
        RoundTrips trips(limiter);
        for (int i = 0; i < 40; ++i) {  // a latency to time round trips by, the limit not used: not grown
            QVERIFY(limiter.try_acquire());
            trips.now += 5ms;
            limiter.release(100ms, false, trips.now);
        }
        const int start = limiter.limit();
        QCOMPARE(start, 100);
        trips.lowest = start;
        trips.run(100);  // every call congested: cut to 70 % when the round trip is judged
        trips.run(0);
        QVERIFY2(trips.lowest <= start * 0.7 + 1.0, qPrintable(QString("%1 from %2").arg(trips.lowest).arg(start)));
        for (int r = 0; r < 14; ++r) trips.run(0);
        // Half-way steps back take about six round trips; one more per round trip after that
        // would end near start + 8.
        QVERIFY2(limiter.limit() > start + 50, qPrintable(QString("%1 from %2").arg(limiter.limit()).arg(start)));
        // Congestion there cuts again.
        const int before = limiter.limit();
        trips.run(60);
        trips.run(0);
        QVERIFY(limiter.limit() < before);
    }

    void aSlowRoundTripCountsAsCongestion() {
        ConcurrencyLimiter limiter(bounds(1, 20, 64));
        run_healthy(limiter, 2, 10ms);
        const int before = limiter.limit();
        for (int i = 0; i < 21; ++i) QVERIFY(limiter.try_acquire());
        const auto t0 = ConcurrencyLimiter::Clock::now() + 1s;
        limiter.release(10ms, false, t0);  // closes the healthy window
        for (int i = 0; i < 19; ++i) limiter.release(100ms, false, t0 + 1ms);  // 10x the baseline
        QVERIFY(limiter.limit() >= before);  // judged when the round trip ends
        limiter.release(100ms, false, t0 + 500ms);  // a round trip, even at the baseline the slow calls pulled up
        QVERIFY(limiter.limit() < before);
    }

    void oneSlowCallInAHealthyRoundTripIsNotCongestion() {
        ConcurrencyLimiter limiter(bounds(1, 20, 64));
        run_healthy(limiter, 2, 10ms);
        const int before = limiter.limit();
        for (int i = 0; i < 12; ++i) QVERIFY(limiter.try_acquire());
        const auto t0 = ConcurrencyLimiter::Clock::now() + 1s;
        limiter.release(10ms, false, t0);
        limiter.release(35ms, false, t0 + 1ms);  // the long tail
        for (int i = 0; i < 10; ++i) limiter.release(10ms, false, t0 + 2ms + std::chrono::milliseconds(i));
        limiter.release(10ms, false, t0 + 30ms);
        QVERIFY(limiter.limit() >= before);
    }

    void neverBelowMin() {
        ConcurrencyLimiter limiter(bounds(3, 10, 64));
        auto now = ConcurrencyLimiter::Clock::now();
        for (int i = 0; i < 30; ++i) {
            QVERIFY(limiter.try_acquire());
            QVERIFY(limiter.try_acquire());
            now += 1s;
            limiter.release(10ms, true, now);
            limiter.release(10ms, true, now + 1us);
        }
        QCOMPARE(limiter.limit(), 3);
    }

    void recoversAfterCongestionClears() {
        ConcurrencyLimiter limiter(bounds(1, 32, 64));
        auto now = ConcurrencyLimiter::Clock::now();
        for (int i = 0; i < 3; ++i) {
            now += 1s;
            window_of(limiter, 20, 10, now, 500ms, 10ms);
        }
        const int low = limiter.limit();
        QVERIFY(low < 16);
        run_healthy(limiter, 20, 10ms);
        QVERIFY(limiter.limit() > low + 5);
    }

    void aFreshEngineStartsAtTheRateItsProviderReports() {
        // The simulator reports 60,000 requests a minute on every answer, which come after 100 ms:
        // 1,000/s × 0.1 s = 100 in flight, reached after the first answer.
        SimulatorProfile profile;
        profile.latency_median_ms = 100;
        profile.latency_p99_ms = 100;
        profile.rate_limit_rpm = 60'000;
        std::uint16_t port = 0;
        auto simulator = test::start_simulator(profile, &port);
        QVERIFY(simulator);
        EngineOptions options;
        options.config = test::simulator_config(port);
        for (auto& provider : options.config.providers) provider.concurrency.initial = 4;
        options.history = false;
        auto engine = test::create_engine(std::move(options));
        ChatRequest request;
        request.provider = "openai";
        request.messages = {{Role::User, "How do I reset my router?"}};
        QVERIFY(test::ask(*engine, request).ok());
        int limit = 0;
        for (const auto& p : engine->stats().providers)
            if (p.name == "openai") limit = p.concurrency_limit;
        QVERIFY2(limit >= 90 && limit <= 110, qPrintable(QString::number(limit)));

        request.provider = "anthropic";  // Anthropic's headers, the same rate
        QVERIFY(test::ask(*engine, request).ok());
        for (const auto& p : engine->stats().providers)
            if (p.name == "anthropic") limit = p.concurrency_limit;
        QVERIFY2(limit >= 90 && limit <= 110, qPrintable(QString::number(limit)));
    }
};

QTEST_GUILESS_MAIN(TestConcurrencyLimiter)
#include "tst_concurrency_limiter.moc"
