// Fault: a 200 whose body is not valid JSON (cut half way).
// What the caller sees: the attempt is classified `malformed_response` and retried; a provider
// that keeps sending garbage is failed over; pinned to it, the caller gets a clear error
// ("OpenAI response body is not JSON (HTTP 200, N bytes)") and the gateway answers 502.
#include <QTemporaryDir>
#include <QtTest>

#include "fault_fixture.h"

using namespace sb;
using namespace std::chrono_literals;
using sb::test::question;
using sb::test::with_fault;

class TestFaultInvalidJson : public QObject {
    Q_OBJECT

    std::unique_ptr<Simulator> m_simulator;
    std::uint16_t m_port = 0;
    QTemporaryDir m_dir;

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_simulator = test::start_simulator({}, &m_port);
        QVERIFY(m_simulator);
    }

    void malformedOnceIsRetried_data() {
        QTest::addColumn<QString>("provider");
        QTest::addColumn<bool>("stream");
        for (const char* provider : {"openai", "anthropic"})
            for (const bool stream : {false, true})
                QTest::newRow(qPrintable(QString("%1 %2").arg(provider, stream ? "stream" : "plain")))
                    << QString(provider) << stream;
    }
    void malformedOnceIsRetried() {
        QFETCH(QString, provider);
        QFETCH(bool, stream);
        auto engine =
            test::make_engine(test::simulator_config(m_port), m_dir.filePath("once.db").toStdString());
        const std::string key = "malformed-once-" + provider.toStdString() + (stream ? "-s" : "-p");
        auto request = with_fault(question("cut json " + key), "malformed", 1, key);
        request.provider = provider.toStdString();
        RequestResult result;
        if (stream) {
            const auto streamed = test::ask_streaming(*engine, request);
            QCOMPARE(streamed.results, 1);
            result = streamed.result;
            if (result.ok()) QCOMPARE(streamed.text, result.outcome->content);  // nothing twice
        } else {
            result = test::ask(*engine, request);
        }
        QVERIFY2(result.ok(), result.ok() ? "" : result.outcome.error().message.c_str());
        QCOMPARE(result.attempts.size(), std::size_t(2));
        // A cut JSON body where an event stream was expected reads as a stream that ended early.
        const auto first = result.attempts[0].error;
        QVERIFY2(first == ErrorClass::MalformedResponse || (stream && first == ErrorClass::Network),
                 to_string(first).data());
        const auto row = test::history_row(*engine, result.request_id);
        QVERIFY(row);
        QCOMPARE(row->status, RequestStatus::Ok);
        QCOMPARE(row->attempts, 2);
    }

    void pinnedToGarbageIsAClearError() {
        auto config = test::simulator_config(m_port);
        config.retry.max_attempts = 3;
        auto engine = test::make_engine(config, m_dir.filePath("pinned.db").toStdString());
        auto request = with_fault(question("always cut"), "malformed");
        request.provider = "openai";
        const auto result = test::ask(*engine, std::move(request));
        QVERIFY(!result.ok());
        const auto& error = result.outcome.error();
        QCOMPARE(error.cls, ErrorClass::MalformedResponse);
        QVERIFY2(error.message.find("OpenAI response body is not JSON (HTTP 200") != std::string::npos,
                 error.message.c_str());
        QCOMPARE(int(result.attempts.size()), 3);
        const auto row = test::history_row(*engine, result.request_id);
        QVERIFY(row);
        QCOMPARE(row->status, RequestStatus::Error);
        QCOMPARE(row->error_class, std::string("malformed_response"));
        QVERIFY(row->error_message.find("not JSON") != std::string::npos);
    }

    void providerSendingGarbageIsFailedOver() {
        SimulatorProfile garbage;
        garbage.errors.malformed = 1.0;
        std::uint16_t garbage_port = 0;
        auto broken = test::start_simulator(garbage, &garbage_port);
        QVERIFY(broken);
        auto config = test::simulator_config(m_port);
        config.providers[0].base_url = "http://127.0.0.1:" + std::to_string(garbage_port) + "/v1";  // openai
        auto engine = test::make_engine(config);
        const auto result = test::ask(*engine, question("who answers?"));
        QVERIFY2(result.ok(), result.ok() ? "" : result.outcome.error().message.c_str());
        QCOMPARE(result.provider, std::string("anthropic"));
        QCOMPARE(result.attempts.front().error, ErrorClass::MalformedResponse);
        QCOMPARE(engine->stats().failovers, std::uint64_t(1));
    }

    void gatewayClientSeesA502() {
        auto config = test::simulator_config(m_port);
        config.retry.failover = false;
        config.retry.max_attempts = 2;
        auto engine = test::make_engine(config);
        test::GatewayStack gateway(*engine);
        const auto reply = gateway.post("/v1/chat/completions", test::GatewayStack::chat_body("garbage"),
                                        {{"x-sim-fault", "malformed"}});
        QCOMPARE(reply.status, 502);
        const auto json = reply.json();
        QCOMPARE(json["error"]["type"].get<std::string>(), std::string("server_error"));
        QCOMPARE(json["error"]["message"].get<std::string>(),
                 std::string("The upstream provider sent a response that could not be read."));
        QCOMPARE(gateway.post("/v1/chat/completions", test::GatewayStack::chat_body("fine")).status, 200);
    }
};

QTEST_GUILESS_MAIN(TestFaultInvalidJson)
#include "tst_fault_invalid_json.moc"
