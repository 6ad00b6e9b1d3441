// Fault: the upstream answers slowly, a few bytes at a time, or stops half way.
// What the caller sees: a stream that keeps dripping is delivered whole (the idle timeout
// counts silence, not total time); a stream that stalls is cut by the idle timeout and ends
// in a `timeout` error after the pieces it already had; one that drips for ever is cut by the
// total timeout. A plain (non-streamed) answer that stalls half way is retried.
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

#include "fault_fixture.h"

using namespace sb;
using namespace std::chrono_literals;
using sb::test::question;
using sb::test::with_fault;

namespace {

ChatRequest dripping(ChatRequest request, int interval_ms) {
    request.extra_headers.emplace_back("x-sim-chunk-interval-ms", std::to_string(interval_ms));
    return request;
}

}  // namespace

class TestFaultSlowDrip : public QObject {
    Q_OBJECT

    std::unique_ptr<Simulator> m_simulator;
    std::uint16_t m_port = 0;
    QTemporaryDir m_dir;

    Config config(std::chrono::milliseconds idle, std::chrono::milliseconds total = 30'000ms) const {
        auto config = test::simulator_config(m_port);
        for (auto& provider : config.providers) {
            provider.timeouts.idle = idle;
            provider.timeouts.total = total;
        }
        return config;
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_simulator = test::start_simulator({}, &m_port);
        QVERIFY(m_simulator);
    }

    void dripLongerThanTheIdleTimeoutIsDeliveredWhole_data() {
        QTest::addColumn<QString>("provider");
        QTest::newRow("openai") << "openai";
        QTest::newRow("anthropic") << "anthropic";
    }
    void dripLongerThanTheIdleTimeoutIsDeliveredWhole() {
        QFETCH(QString, provider);
        auto engine = test::make_engine(config(1'200ms), m_dir.filePath("drip.db").toStdString());
        auto reference = question("Tell me about the slow lamp");
        reference.provider = provider.toStdString();
        const auto whole = test::ask(*engine, reference);
        QVERIFY(whole.ok());

        // 24 words, 200 ms apart: about 4.8 s in all, four times the idle limit.
        QElapsedTimer timer;
        timer.start();
        const auto streamed = test::ask_streaming(*engine, dripping(reference, 200));
        QVERIFY2(streamed.result.ok(),
                 streamed.result.ok() ? "" : streamed.result.outcome.error().message.c_str());
        QVERIFY2(timer.elapsed() > 2'400, qPrintable(QString::number(timer.elapsed())));
        QCOMPARE(streamed.results, 1);
        QCOMPARE(streamed.result.attempts.size(), std::size_t(1));
        QVERIFY(streamed.pieces > 10);
        QCOMPARE(streamed.text, whole.outcome->content);
        QCOMPARE(streamed.result.outcome->content, whole.outcome->content);
        QCOMPARE(streamed.result.outcome->finish_reason, std::string("stop"));

        const auto row = test::history_row(*engine, streamed.result.request_id);
        QVERIFY(row);
        QCOMPARE(row->status, RequestStatus::Ok);
        QCOMPARE(row->response_text, whole.outcome->content);
    }

    // Half the answer, then silence: the idle timeout ends it. Part of the answer already
    // reached the caller, so it is not retried (a retry would send those words twice).
    void stalledStreamIsCutByTheIdleTimeout() {
        auto engine = test::make_engine(config(1'500ms), m_dir.filePath("stall.db").toStdString());
        auto request = with_fault(question("stall half way"), "stall_mid_stream");
        request.provider = "openai";
        QElapsedTimer timer;
        timer.start();
        const auto streamed = test::ask_streaming(*engine, std::move(request));
        QVERIFY(!streamed.result.ok());
        QCOMPARE(streamed.results, 1);
        const auto& error = streamed.result.outcome.error();
        QCOMPARE(error.cls, ErrorClass::Timeout);
        QVERIFY2(error.message.find("no data for 1500 ms") != std::string::npos, error.message.c_str());
        QVERIFY(streamed.pieces > 0);  // what came before the stall was delivered
        QCOMPARE(streamed.result.attempts.size(), std::size_t(1));
        QVERIFY(timer.elapsed() < 10'000);

        const auto row = test::history_row(*engine, streamed.result.request_id);
        QVERIFY(row);
        QCOMPARE(row->status, RequestStatus::Error);
        QCOMPARE(row->error_class, std::string("timeout"));
        QVERIFY(row->response_text.empty());  // half an answer is not recorded as one
    }

    // A stream that never stops dripping is cut by the total timeout.
    void endlessDripIsCutByTheTotalTimeout() {
        auto engine = test::make_engine(config(2'000ms, 1'500ms));
        auto request = dripping(question("drip for ever"), 200);  // 24 words: 4.8 s > 1.5 s
        request.provider = "anthropic";
        QElapsedTimer timer;
        timer.start();
        const auto streamed = test::ask_streaming(*engine, std::move(request));
        QVERIFY(!streamed.result.ok());
        QCOMPARE(streamed.result.outcome.error().cls, ErrorClass::Timeout);
        QVERIFY(streamed.pieces > 0);
        QVERIFY(timer.elapsed() >= 1'400);
        QVERIFY(timer.elapsed() < 10'000);
    }

    // A plain answer that stops half way through its body: nothing reached the caller yet,
    // so the attempt is retried and the caller gets the whole answer.
    void plainAnswerStalledHalfWayIsRetried() {
        auto engine = test::make_engine(config(1'500ms), m_dir.filePath("plain.db").toStdString());
        auto request = with_fault(question("plain stall"), "stall_mid_stream", 1, "plain-stall");
        request.provider = "openai";
        const auto result = test::ask(*engine, std::move(request));
        QVERIFY2(result.ok(), result.ok() ? "" : result.outcome.error().message.c_str());
        QCOMPARE(result.attempts.size(), std::size_t(2));
        QCOMPARE(result.attempts[0].error, ErrorClass::Timeout);
        const auto row = test::history_row(*engine, result.request_id);
        QVERIFY(row);
        QCOMPARE(row->status, RequestStatus::Ok);
        QCOMPARE(row->attempts, 2);
    }
};

QTEST_GUILESS_MAIN(TestFaultSlowDrip)
#include "tst_fault_slow_drip.moc"
