// Retry timing on an injected random source: delay = min(initial·2^n·factor + U·jitter, max),
// Retry-After honoured within its cap, the deadline respected, terminal classes never retried.
#include <QtTest>

#include "model/error.h"
#include "resilience/retry_policy.h"

using namespace sb;
using namespace std::chrono_literals;

namespace {
RetryConfig config() {
    RetryConfig c;
    c.max_attempts = 6;
    c.initial_delay = 1000ms;
    c.max_delay = 60000ms;
    c.jitter = 1000ms;
    c.retry_after_cap = 60000ms;
    c.deadline = 600000ms;
    return c;
}
RetryPolicy policy_with_uniform(double u, RetryConfig c = config()) {
    return RetryPolicy(c, [u] { return u; });
}
Error error_of(ErrorClass cls) {
    Error e;
    e.cls = cls;
    e.message = "test";
    return e;
}
}  // namespace

class TestRetryPolicy : public QObject {
    Q_OBJECT
private slots:
    void backoffDoublesAndIsCapped() {
        const auto policy = policy_with_uniform(0.5);
        QCOMPARE(policy.backoff(0, 1.0), 1500ms);
        QCOMPARE(policy.backoff(1, 1.0), 2500ms);
        QCOMPARE(policy.backoff(2, 1.0), 4500ms);
        QCOMPARE(policy.backoff(5, 1.0), 32500ms);
        QCOMPARE(policy.backoff(6, 1.0), 60000ms);  // 64 s + jitter, capped at 60 s
        QCOMPARE(policy.backoff(40, 1.0), 60000ms);
    }

    void jitterSpansZeroToOneSecond() {
        QCOMPARE(policy_with_uniform(0.0).backoff(0, 1.0), 1000ms);
        QCOMPARE(policy_with_uniform(0.999).backoff(0, 1.0), 1999ms);
    }

    void serverErrorsDoubleTheDelay() {
        const auto policy = policy_with_uniform(0.0);
        for (auto cls : {ErrorClass::ServerTransient, ErrorClass::Overloaded}) {
            const auto first = policy.decide(error_of(cls), 1, 0ms);
            const auto second = policy.decide(error_of(cls), 2, 0ms);
            QVERIFY(first.retry && second.retry);
            QCOMPARE(first.delay, 2000ms);   // 1 s · 2 (factor)
            QCOMPARE(second.delay, 4000ms);  // 2 s · 2
        }
        const auto timeout = policy.decide(error_of(ErrorClass::Timeout), 1, 0ms);
        QCOMPARE(timeout.delay, 1000ms);
    }

    void rateLimitHonoursRetryAfterExactly() {
        // The Anthropic 429 sample carries retry-after: 13.
        const Headers headers = {{"retry-after", "13"}, {"x-should-retry", "true"}};
        const std::string body =
            R"({"type":"error","error":{"type":"rate_limit_error","message":"slow down"},"request_id":"req_1"})";
        const Error error = classify_http_error(429, headers, body);
        QCOMPARE(error.cls, ErrorClass::RateLimited);
        const auto decision = policy_with_uniform(0.9).decide(error, 1, 0ms);
        QVERIFY(decision.retry);
        QCOMPARE(decision.delay, 13000ms);
        QCOMPARE(decision.reason, std::string("Retry-After"));
    }

    void rateLimitWithoutHeaderBacksOffAtOnce() {
        const Error error = classify_http_error(
            429, {}, R"({"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}})");
        QCOMPARE(error.cls, ErrorClass::RateLimited);
        QVERIFY(!error.retry_after);
        const auto decision = policy_with_uniform(0.25).decide(error, 1, 0ms);
        QVERIFY(decision.retry);
        QCOMPARE(decision.delay, 1250ms);
    }

    void retryAfterBeyondCapIsNotWaitedFor() {
        auto error = error_of(ErrorClass::RateLimited);
        error.retry_after = 300000ms;
        const auto decision = policy_with_uniform(0.0).decide(error, 1, 0ms);
        QVERIFY(!decision.retry);
        QVERIFY(decision.reason.find("exceeds the cap") != std::string::npos);
    }

    void terminalClassesStopAtOnce_data() {
        QTest::addColumn<int>("cls");
        QTest::newRow("401 auth") << int(ErrorClass::Auth);
        QTest::newRow("403 permission") << int(ErrorClass::Permission);
        QTest::newRow("400 bad request") << int(ErrorClass::BadRequest);
        QTest::newRow("context length") << int(ErrorClass::ContextLength);
        QTest::newRow("quota") << int(ErrorClass::QuotaExhausted);
        QTest::newRow("cancelled") << int(ErrorClass::Cancelled);
    }
    void terminalClassesStopAtOnce() {
        QFETCH(int, cls);
        const auto decision = policy_with_uniform(0.0).decide(error_of(static_cast<ErrorClass>(cls)), 1, 0ms);
        QVERIFY(!decision.retry);
        QVERIFY(!decision.reason.empty());
    }

    void insufficientQuotaIsNeverRetriedEvenIfServerSaysSo() {
        const Error error = classify_http_error(
            429, {{"x-should-retry", "true"}},
            R"({"error":{"message":"You exceeded your current quota","type":"insufficient_quota","param":null,"code":"insufficient_quota"}})");
        QCOMPARE(error.cls, ErrorClass::QuotaExhausted);
        QVERIFY(!policy_with_uniform(0.0).decide(error, 1, 0ms).retry);
        QVERIFY(may_fail_over(error));
    }

    void shouldRetryFalseWins() {
        auto error = error_of(ErrorClass::ServerTransient);
        error.should_retry = false;
        const auto decision = policy_with_uniform(0.0).decide(error, 1, 0ms);
        QVERIFY(!decision.retry);
        QVERIFY(decision.reason.find("x-should-retry") != std::string::npos);
    }

    void maxAttemptsBoundsRetries() {
        const auto policy = policy_with_uniform(0.0);
        QVERIFY(policy.decide(error_of(ErrorClass::Network), 5, 0ms).retry);
        const auto last = policy.decide(error_of(ErrorClass::Network), 6, 0ms);
        QVERIFY(!last.retry);
        QVERIFY(last.reason.find("6 attempts") != std::string::npos);
    }

    void deadlineStopsRetries() {
        const auto policy = policy_with_uniform(0.0);
        QVERIFY(policy.decide(error_of(ErrorClass::Network), 1, 598000ms).retry);   // 598 + 1 < 600
        QVERIFY(!policy.decide(error_of(ErrorClass::Network), 1, 599500ms).retry);  // would pass it
        QVERIFY(!policy.decide(error_of(ErrorClass::Network), 1, 1000ms, 1500ms).retry);  // per-request deadline
    }
};

QTEST_GUILESS_MAIN(TestRetryPolicy)
#include "tst_retry_policy.moc"
