#include <QTest>

#include "providers/rate_limits.h"
#include "wire_samples.h"

using namespace std::chrono_literals;

class TestRateLimits : public QObject {
    Q_OBJECT

private slots:
    void openAi429Headers() {
        auto sample = testing::error_case("openai/errors.json", "429_rate_limit_exceeded_tokens");
        QVERIFY(sample.is_object());
        auto info = sb::parse_rate_limits(testing::headers_of(sample["headers"]));
        QCOMPARE(info.requests.limit, std::optional<std::int64_t>(500));
        QCOMPARE(info.requests.remaining, std::optional<std::int64_t>(499));
        QCOMPARE(info.requests.reset_after, std::optional(120ms));
        QCOMPARE(info.tokens.limit, std::optional<std::int64_t>(10000));
        QCOMPARE(info.tokens.remaining, std::optional<std::int64_t>(652));
        QCOMPARE(info.tokens.reset_after, std::optional(26604ms));
        QVERIFY(!info.requests.reset_at.has_value());
        QVERIFY(info.input_tokens.empty());
        QVERIFY(info.output_tokens.empty());
    }

    void openAiRequestsOnly() {
        auto sample = testing::error_case("openai/errors.json", "429_rate_limit_exceeded_requests");
        auto info = sb::parse_rate_limits(testing::headers_of(sample["headers"]));
        QCOMPARE(info.requests.limit, std::optional<std::int64_t>(3));
        QCOMPARE(info.requests.remaining, std::optional<std::int64_t>(0));
        QCOMPARE(info.requests.reset_after, std::optional(20000ms));
        QVERIFY(info.tokens.empty());
    }

    void anthropic429Headers() {
        auto sample = testing::error_case("anthropic/errors.json", "429_rate_limit_error");
        QVERIFY(sample.is_object());
        auto info = sb::parse_rate_limits(testing::headers_of(sample["headers"]));
        auto at = [](int h, int m, int s) {
            return std::optional<std::chrono::system_clock::time_point>(
                std::chrono::sys_days{std::chrono::year{2026} / 2 / 25} + std::chrono::hours{h} +
                std::chrono::minutes{m} + std::chrono::seconds{s});
        };
        QCOMPARE(info.requests.limit, std::optional<std::int64_t>(50));
        QCOMPARE(info.requests.remaining, std::optional<std::int64_t>(41));
        QVERIFY(info.requests.reset_at == at(20, 2, 32));
        QCOMPARE(info.tokens.limit, std::optional<std::int64_t>(38000));
        QCOMPARE(info.tokens.remaining, std::optional<std::int64_t>(0));
        QVERIFY(info.tokens.reset_at == at(20, 2, 33));
        QCOMPARE(info.input_tokens.limit, std::optional<std::int64_t>(30000));
        QCOMPARE(info.input_tokens.remaining, std::optional<std::int64_t>(0));
        QCOMPARE(info.output_tokens.limit, std::optional<std::int64_t>(8000));
        QCOMPARE(info.output_tokens.remaining, std::optional<std::int64_t>(8000));
        QVERIFY(info.output_tokens.reset_at == at(20, 2, 20));
        QVERIFY(!info.requests.reset_after.has_value());
    }

    void recorded429WithoutHeaders() {
        auto sample = testing::error_case("anthropic/errors.json", "429_rate_limit_error_recorded");
        QVERIFY(sb::parse_rate_limits(testing::headers_of(sample["headers"])).empty());
    }

    void garbageValuesAreLeftEmpty() {
        sb::Headers headers = {{"x-ratelimit-limit-requests", "lots"},
                               {"x-ratelimit-remaining-requests", "-3"},
                               {"x-ratelimit-reset-requests", "soon"},
                               {"anthropic-ratelimit-tokens-reset", "2026-13-01T00:00:00Z"}};
        QVERIFY(sb::parse_rate_limits(headers).empty());
    }

    void goDurations_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("ms");  // -1 = rejected
        QTest::newRow("1s") << "1s" << qint64(1000);
        QTest::newRow("6m0s") << "6m0s" << qint64(360000);
        QTest::newRow("120ms") << "120ms" << qint64(120);
        QTest::newRow("26.604s") << "26.604s" << qint64(26604);
        QTest::newRow("1h2m3.5s") << "1h2m3.5s" << qint64(3723500);
        QTest::newRow("250us") << "250us" << qint64(0);
        QTest::newRow("1500us") << "1500us" << qint64(2);
        QTest::newRow("0") << "0" << qint64(0);
        QTest::newRow("no unit") << "12" << qint64(-1);
        QTest::newRow("unknown unit") << "3d" << qint64(-1);
        QTest::newRow("empty") << "" << qint64(-1);
        QTest::newRow("negative") << "-1s" << qint64(-1);
    }

    void goDurations() {
        QFETCH(QString, text);
        QFETCH(qint64, ms);
        auto parsed = sb::parse_go_duration(text.toStdString());
        QCOMPARE(parsed ? qint64(parsed->count()) : qint64(-1), ms);
    }

    void rfc3339() {
        using namespace std::chrono;
        auto base = sys_days{year{2026} / 2 / 25} + hours{20} + minutes{2} + seconds{37};
        QVERIFY(sb::parse_rfc3339("2026-02-25T20:02:37Z") == base);
        QVERIFY(sb::parse_rfc3339("2026-02-25T20:02:37.250Z") == base + 250ms);
        QVERIFY(sb::parse_rfc3339("2026-02-25T21:02:37+01:00") == base);
        QVERIFY(sb::parse_rfc3339("2026-02-25T19:32:37-00:30") == base);
        QVERIFY(!sb::parse_rfc3339("2026-02-25 20:02").has_value());
        QVERIFY(!sb::parse_rfc3339("2026-02-25T20:02:37").has_value());  // no zone
        QVERIFY(!sb::parse_rfc3339("tomorrow").has_value());
    }
};

QTEST_GUILESS_MAIN(TestRateLimits)
#include "tst_rate_limits.moc"
