// The circuit breaker's transitions on an injected clock: consecutive failures and the
// error-rate rule open it, the cooldown leads to exactly one probe, the probe's outcome
// closes or re-opens it, auth failures hold until reset(), client errors are neutral.
#include <QtTest>

#include "resilience/circuit_breaker.h"

using namespace sb;
using namespace std::chrono_literals;

namespace {
using Clock = CircuitBreaker::Clock;
const Clock::time_point t0 = Clock::time_point{} + 1000s;

CircuitConfig config() {
    CircuitConfig c;
    c.consecutive_failures = 5;
    c.error_rate = 0.5;
    c.min_requests = 20;
    c.window = 30s;
    c.cooldown = 10'000ms;
    return c;
}

// A breaker opened by consecutive failures at t0.
CircuitBreaker opened() {
    CircuitBreaker breaker(config());
    for (int i = 0; i < 5; ++i) breaker.record(ErrorClass::ServerTransient, t0);
    return breaker;
}
}  // namespace

class TestCircuitBreaker : public QObject {
    Q_OBJECT
private slots:
    void closedLetsTrafficThrough() {
        CircuitBreaker breaker(config());
        QCOMPARE(breaker.state(t0), CircuitState::Closed);
        for (int i = 0; i < 3; ++i) QVERIFY(breaker.allow(t0));
        QVERIFY(breaker.available(t0));
    }

    void opensAfterConsecutiveFailures_data() {
        QTest::addColumn<ErrorClass>("error");
        QTest::newRow("rate limited") << ErrorClass::RateLimited;
        QTest::newRow("overloaded") << ErrorClass::Overloaded;
        QTest::newRow("server transient") << ErrorClass::ServerTransient;
        QTest::newRow("timeout") << ErrorClass::Timeout;
        QTest::newRow("network") << ErrorClass::Network;
        QTest::newRow("malformed") << ErrorClass::MalformedResponse;
        QTest::newRow("quota") << ErrorClass::QuotaExhausted;
    }
    void opensAfterConsecutiveFailures() {
        QFETCH(ErrorClass, error);
        CircuitBreaker breaker(config());
        for (int i = 0; i < 4; ++i) breaker.record(error, t0 + std::chrono::milliseconds(i));
        QCOMPARE(breaker.state(t0), CircuitState::Closed);
        QCOMPARE(breaker.consecutive_failures(), 4);
        breaker.record(error, t0 + 5ms);
        QCOMPARE(breaker.state(t0 + 5ms), CircuitState::Open);
        QCOMPARE(breaker.opened_at(), t0 + 5ms);
        QVERIFY(!breaker.allow(t0 + 6ms));
        QVERIFY(!breaker.available(t0 + 6ms));
    }

    void successResetsTheConsecutiveCount() {
        CircuitBreaker breaker(config());
        for (int round = 0; round < 3; ++round) {
            for (int i = 0; i < 4; ++i) breaker.record(ErrorClass::Timeout, t0);
            breaker.record(ErrorClass::None, t0);
            QCOMPARE(breaker.consecutive_failures(), 0);
        }
        // 12 failures and 3 successes: under min_requests (20), so the ratio rule waits too.
        QCOMPARE(breaker.state(t0), CircuitState::Closed);
    }

    void neutralErrorsAreIgnored_data() {
        QTest::addColumn<ErrorClass>("error");
        QTest::newRow("bad request") << ErrorClass::BadRequest;
        QTest::newRow("context length") << ErrorClass::ContextLength;
        QTest::newRow("too large") << ErrorClass::RequestTooLarge;
        QTest::newRow("not found") << ErrorClass::NotFound;
        QTest::newRow("content filter") << ErrorClass::ContentFilter;
        QTest::newRow("budget") << ErrorClass::Budget;
        QTest::newRow("internal") << ErrorClass::Internal;
        QTest::newRow("cancelled") << ErrorClass::Cancelled;
    }
    void neutralErrorsAreIgnored() {
        QFETCH(ErrorClass, error);
        CircuitBreaker breaker(config());
        for (int i = 0; i < 4; ++i) breaker.record(ErrorClass::Overloaded, t0);
        // Neither break the run of failures nor extend it, nor count in the ratio.
        for (int i = 0; i < 100; ++i) breaker.record(error, t0);
        QCOMPARE(breaker.consecutive_failures(), 4);
        QCOMPARE(breaker.state(t0), CircuitState::Closed);
        breaker.record(ErrorClass::Overloaded, t0);
        QCOMPARE(breaker.state(t0), CircuitState::Open);
    }

    void errorRateOpensOnlyOnceTheWindowHoldsMinRequests() {
        // Failure, failure, success…: two thirds failed, but never five in a row, so only the
        // ratio rule can open it — and only once the window holds min_requests (20).
        CircuitBreaker counted(config());
        auto at = t0;
        int samples = 0;
        while (counted.state(at) == CircuitState::Closed) {
            counted.record(samples % 3 == 2 ? ErrorClass::None : ErrorClass::ServerTransient, at);
            ++samples;
            QVERIFY(samples <= 30);
        }
        QCOMPARE(samples, 20);  // 14 of 20 failed; at 19 the window was still too small
    }

    void errorRateAtTheThresholdDoesNotOpen() {
        // "Above X%": exactly 50% over a full window stays closed.
        CircuitBreaker breaker(config());
        for (int i = 0; i < 20; ++i) breaker.record(i % 2 ? ErrorClass::None : ErrorClass::Timeout, t0);
        QCOMPARE(breaker.state(t0), CircuitState::Closed);
        breaker.record(ErrorClass::Timeout, t0);  // 11 of 21
        QCOMPARE(breaker.state(t0), CircuitState::Open);
    }

    void windowTrimsOldSamples() {
        CircuitBreaker breaker(config());
        // 16 samples, 12 failed, never 5 in a row...
        auto at = t0;
        for (int i = 0; i < 16; ++i) {
            breaker.record(i % 4 == 3 ? ErrorClass::None : ErrorClass::Network, at);
            at += 10ms;
        }
        QCOMPARE(breaker.state(at), CircuitState::Closed);
        // ...age out of the 30 s window: a fresh burst of 4 failures + 4 successes sees only
        // itself (8 < min_requests), so the ratio rule cannot fire.
        at += 31s;
        for (int i = 0; i < 8; ++i) breaker.record(i % 2 ? ErrorClass::None : ErrorClass::Network, at);
        QCOMPARE(breaker.state(at), CircuitState::Closed);

        // Without the pause the same 24 samples (16 failed) would have opened it.
        CircuitBreaker untrimmed(config());
        at = t0;
        for (int i = 0; i < 16; ++i)
            untrimmed.record(i % 4 == 3 ? ErrorClass::None : ErrorClass::Network, at);
        for (int i = 0; i < 8; ++i) untrimmed.record(i % 2 ? ErrorClass::None : ErrorClass::Network, at);
        QCOMPARE(untrimmed.state(at), CircuitState::Open);
    }

    void cooldownLeadsToExactlyOneProbe() {
        CircuitBreaker breaker = opened();
        QCOMPARE(breaker.state(t0 + 9999ms), CircuitState::Open);
        QVERIFY(!breaker.allow(t0 + 9999ms));
        QCOMPARE(breaker.state(t0 + 10s), CircuitState::HalfOpen);
        QVERIFY(breaker.available(t0 + 10s));
        QVERIFY(breaker.allow(t0 + 10s));
        QVERIFY(!breaker.available(t0 + 10s));
        QVERIFY(!breaker.allow(t0 + 10s));
        QVERIFY(!breaker.allow(t0 + 60s));  // however long the probe takes
        QCOMPARE(breaker.state(t0 + 60s), CircuitState::HalfOpen);
    }

    void probeSuccessCloses() {
        CircuitBreaker breaker = opened();
        QVERIFY(breaker.allow(t0 + 10s));
        breaker.record(ErrorClass::None, t0 + 11s);
        QCOMPARE(breaker.state(t0 + 11s), CircuitState::Closed);
        QCOMPARE(breaker.consecutive_failures(), 0);
        QVERIFY(breaker.allow(t0 + 11s));
        QVERIFY(breaker.allow(t0 + 11s));
        // The window was cleared: four more failures do not reopen it.
        for (int i = 0; i < 4; ++i) breaker.record(ErrorClass::Timeout, t0 + 12s);
        QCOMPARE(breaker.state(t0 + 12s), CircuitState::Closed);
    }

    void probeFailureReopensForAnotherCooldown() {
        CircuitBreaker breaker = opened();
        QVERIFY(breaker.allow(t0 + 10s));
        breaker.record(ErrorClass::Overloaded, t0 + 12s);
        QCOMPARE(breaker.state(t0 + 12s), CircuitState::Open);
        QCOMPARE(breaker.opened_at(), t0 + 12s);
        QVERIFY(!breaker.allow(t0 + 21s));
        QCOMPARE(breaker.state(t0 + 22s), CircuitState::HalfOpen);
        QVERIFY(breaker.allow(t0 + 22s));
    }

    void cancelledProbeFreesTheSlot() {
        CircuitBreaker breaker = opened();
        QVERIFY(breaker.allow(t0 + 10s));
        QVERIFY(!breaker.allow(t0 + 10s));
        breaker.record(ErrorClass::Cancelled, t0 + 10s);
        QCOMPARE(breaker.state(t0 + 10s), CircuitState::HalfOpen);
        QVERIFY(breaker.allow(t0 + 10s));
        QVERIFY(!breaker.allow(t0 + 10s));
    }

    void neutralProbeFreesTheSlotWithoutClosing() {
        CircuitBreaker breaker = opened();
        QVERIFY(breaker.allow(t0 + 10s));
        breaker.record(ErrorClass::ContextLength, t0 + 10s);
        QCOMPARE(breaker.state(t0 + 10s), CircuitState::HalfOpen);
        QVERIFY(breaker.allow(t0 + 10s));
    }

    void authFailureHoldsUntilReset_data() {
        QTest::addColumn<ErrorClass>("error");
        QTest::newRow("401") << ErrorClass::Auth;
        QTest::newRow("403") << ErrorClass::Permission;
    }
    void authFailureHoldsUntilReset() {
        QFETCH(ErrorClass, error);
        CircuitBreaker breaker(config());
        breaker.record(error, t0);
        QCOMPARE(breaker.state(t0), CircuitState::AuthFailed);
        QVERIFY(!breaker.allow(t0 + 1h));  // time does not fix a key
        QVERIFY(!breaker.available(t0 + 1h));
        breaker.record(ErrorClass::None, t0 + 1h);  // a late success from before does not either
        QCOMPARE(breaker.state(t0 + 1h), CircuitState::AuthFailed);
        breaker.reset();
        QCOMPARE(breaker.state(t0 + 1h), CircuitState::Closed);
        QVERIFY(breaker.allow(t0 + 1h));
    }

    void authFailureDuringProbe() {
        CircuitBreaker breaker = opened();
        QVERIFY(breaker.allow(t0 + 10s));
        breaker.record(ErrorClass::Auth, t0 + 10s);
        QCOMPARE(breaker.state(t0 + 1h), CircuitState::AuthFailed);
    }

    void lateOutcomesWhileOpenKeepTheCooldown() {
        CircuitBreaker breaker = opened();
        breaker.record(ErrorClass::None, t0 + 1s);  // sent before it opened
        breaker.record(ErrorClass::Timeout, t0 + 2s);
        QCOMPARE(breaker.state(t0 + 2s), CircuitState::Open);
        QCOMPARE(breaker.opened_at(), t0);
        QCOMPARE(breaker.state(t0 + 10s), CircuitState::HalfOpen);
    }

    void setConfigAppliesNewThresholds() {
        CircuitBreaker breaker(config());
        CircuitConfig strict = config();
        strict.consecutive_failures = 2;
        strict.cooldown = 1s;
        breaker.set_config(strict);
        breaker.record(ErrorClass::Timeout, t0);
        breaker.record(ErrorClass::Timeout, t0);
        QCOMPARE(breaker.state(t0), CircuitState::Open);
        QCOMPARE(breaker.state(t0 + 1s), CircuitState::HalfOpen);
    }

    void stateNames() {
        QCOMPARE(to_string(CircuitState::Closed), std::string_view("closed"));
        QCOMPARE(to_string(CircuitState::Open), std::string_view("open"));
        QCOMPARE(to_string(CircuitState::HalfOpen), std::string_view("half_open"));
        QCOMPARE(to_string(CircuitState::AuthFailed), std::string_view("auth_failed"));
    }
};

QTEST_APPLESS_MAIN(TestCircuitBreaker)
#include "tst_circuit_breaker.moc"
