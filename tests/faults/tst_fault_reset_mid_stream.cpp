// Fault: the upstream's connection is reset (TCP RST) in the middle of an answer.
// What the caller sees: a streamed answer that already delivered words ends in a `network`
// error (never retried, which would repeat them); the history row is an error, the half
// answer is neither recorded as a success nor cached. An answer not yet delivered (a plain
// answer, or a stream reset before its first word) is retried and arrives whole.
#include <QTemporaryDir>
#include <QtTest>

#include "fault_fixture.h"

using namespace sb;
using namespace std::chrono_literals;
using sb::test::question;
using sb::test::with_fault;

class TestFaultResetMidStream : public QObject {
    Q_OBJECT

    std::unique_ptr<Simulator> m_simulator;
    std::uint16_t m_port = 0;
    QTemporaryDir m_dir;

    Config cached_config() const {
        auto config = test::simulator_config(m_port);
        config.cache.enabled = true;  // the in-process LRU: a half answer must not land in it
        return config;
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_simulator = test::start_simulator({}, &m_port);
        QVERIFY(m_simulator);
    }

    void streamResetHalfWayIsAClearErrorAndNoHalfAnswer_data() {
        QTest::addColumn<QString>("provider");
        QTest::newRow("openai") << "openai";
        QTest::newRow("anthropic") << "anthropic";
        QTest::newRow("local") << "local";
    }
    void streamResetHalfWayIsAClearErrorAndNoHalfAnswer() {
        QFETCH(QString, provider);
        auto engine =
            test::make_engine(cached_config(), m_dir.filePath("reset-" + provider + ".db").toStdString());
        const std::string text = "reset me half way, " + provider.toStdString();
        auto request = with_fault(question(text), "reset_mid_stream");
        request.provider = provider.toStdString();
        const auto before = m_simulator->stats().count(SimOutcome::reset_mid_stream);
        const auto streamed = test::ask_streaming(*engine, request);

        QVERIFY(!streamed.result.ok());
        QCOMPARE(streamed.results, 1);
        const auto& error = streamed.result.outcome.error();
        QCOMPARE(error.cls, ErrorClass::Network);
        QVERIFY2(error.message.find("libcurl error") != std::string::npos ||
                     error.message.find("event stream ended") != std::string::npos,
                 error.message.c_str());
        QVERIFY(streamed.pieces > 0);
        QCOMPARE(streamed.result.attempts.size(), std::size_t(1));  // words were out: no retry
        QCOMPARE(m_simulator->stats().count(SimOutcome::reset_mid_stream), before + 1);
        QCOMPARE(engine->stats().succeeded, std::uint64_t(0));
        QCOMPARE(engine->stats().failed, std::uint64_t(1));

        const auto row = test::history_row(*engine, streamed.result.request_id);
        QVERIFY(row);
        QCOMPARE(row->status, RequestStatus::Error);
        QCOMPARE(row->error_class, std::string("network"));
        QVERIFY(row->response_text.empty());
        QCOMPARE(row->tokens_out, std::int64_t(0));

        // The same question again, without the fault: asked upstream, not served half from the cache.
        auto again = question(text);
        again.provider = provider.toStdString();
        const auto whole = test::ask(*engine, again);
        QVERIFY(whole.ok());
        QVERIFY(whole.cache != CacheStatus::Hit);
        QVERIFY(whole.outcome->content.size() > streamed.text.size());
        QVERIFY(whole.outcome->content.starts_with(streamed.text));
    }

    void plainAnswerResetHalfWayIsRetried() {
        auto engine =
            test::make_engine(test::simulator_config(m_port), m_dir.filePath("plain.db").toStdString());
        auto request = with_fault(question("plain reset"), "reset_mid_stream", 1, "plain-reset");
        request.provider = "openai";
        const auto result = test::ask(*engine, std::move(request));
        QVERIFY2(result.ok(), result.ok() ? "" : result.outcome.error().message.c_str());
        QCOMPARE(result.attempts.size(), std::size_t(2));
        QCOMPARE(result.attempts[0].error, ErrorClass::Network);
        const auto row = test::history_row(*engine, result.request_id);
        QVERIFY(row);
        QCOMPARE(row->status, RequestStatus::Ok);
        QCOMPARE(row->response_text, result.outcome->content);
    }

    void streamResetBeforeTheFirstWordIsRetried() {
        auto engine = test::make_engine(test::simulator_config(m_port));
        auto request = with_fault(question("reset at once"), "reset", 1, "stream-reset-early");
        request.provider = "anthropic";
        const auto streamed = test::ask_streaming(*engine, std::move(request));
        QVERIFY2(streamed.result.ok(),
                 streamed.result.ok() ? "" : streamed.result.outcome.error().message.c_str());
        QCOMPARE(streamed.result.attempts.size(), std::size_t(2));
        QCOMPARE(streamed.result.attempts[0].error, ErrorClass::Network);
        QCOMPARE(streamed.text, streamed.result.outcome->content);  // delivered once, not twice
    }

    // Through the gateway: the stream already sent its 200 and some chunks, so the error
    // comes as a final `data: {"error": …}` event; there is no [DONE].
    void gatewayStreamEndsWithAnErrorEvent() {
        auto engine = test::make_engine(test::simulator_config(m_port));
        test::GatewayStack gateway(*engine);
        const auto reply =
            gateway.post("/v1/chat/completions", test::GatewayStack::chat_body("gateway reset", true),
                         {{"x-sim-fault", "reset_mid_stream"}});
        QCOMPARE(reply.status, 200);
        QVERIFY2(reply.body.find("chat.completion.chunk") != std::string::npos, reply.body.c_str());
        QVERIFY2(reply.body.find("data: {\"error\"") != std::string::npos, reply.body.c_str());
        QVERIFY2(reply.body.find("[DONE]") == std::string::npos, reply.body.c_str());
        QCOMPARE(gateway.post("/v1/chat/completions", test::GatewayStack::chat_body("next")).status, 200);
    }
};

QTEST_GUILESS_MAIN(TestFaultResetMidStream)
#include "tst_fault_reset_mid_stream.moc"
