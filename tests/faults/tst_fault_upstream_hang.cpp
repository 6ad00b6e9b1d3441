// Fault: the upstream accepts the request and never answers.
// What the caller sees: a retry that succeeds, a failover to a healthy provider, or — when
// there is nowhere else to go — a `timeout` error within the request's deadline, with a
// history row that says so. Nothing hangs with it.
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

#include "fault_fixture.h"

using namespace sb;
using namespace std::chrono_literals;
using sb::test::question;
using sb::test::with_fault;

class TestFaultUpstreamHang : public QObject {
    Q_OBJECT

    std::unique_ptr<Simulator> m_simulator;
    std::uint16_t m_port = 0;
    QTemporaryDir m_dir;

    Config config(std::chrono::milliseconds idle) const {
        auto config = test::simulator_config(m_port);
        for (auto& provider : config.providers) provider.timeouts.idle = idle;
        return config;
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_simulator = test::start_simulator({}, &m_port);
        QVERIFY(m_simulator);
    }

    // The idle timeout ends the silent attempt; the retry gets the answer.
    void hangOnceIsRetriedAndAnswered() {
        auto engine = test::make_engine(config(1'000ms), m_dir.filePath("once.db").toStdString());
        auto request = with_fault(question(), "hang", 1, "hang-once");
        request.provider = "openai";
        const auto result = test::ask(*engine, std::move(request));
        QVERIFY2(result.ok(), result.ok() ? "" : result.outcome.error().message.c_str());
        QCOMPARE(result.attempts.size(), std::size_t(2));
        QCOMPARE(result.attempts[0].error, ErrorClass::Timeout);
        QCOMPARE(result.attempts[1].error, ErrorClass::None);
        QVERIFY(!result.outcome->content.empty());

        const auto row = test::history_row(*engine, result.request_id);
        QVERIFY(row);
        QCOMPARE(row->status, RequestStatus::Ok);
        QCOMPARE(row->attempts, 2);
        QCOMPARE(row->response_text, result.outcome->content);
    }

    // A provider that hangs on everything is left for the next one in the tier.
    void hangingProviderFailsOverToAHealthyOne() {
        SimulatorProfile hanging;
        hanging.errors.hang = 1.0;
        std::uint16_t hanging_port = 0;
        auto black_hole = test::start_simulator(hanging, &hanging_port);
        QVERIFY(black_hole);
        auto cfg = config(1'000ms);
        cfg.providers[0].base_url = "http://127.0.0.1:" + std::to_string(hanging_port) + "/v1";  // openai
        auto engine = test::make_engine(cfg, m_dir.filePath("failover.db").toStdString());

        QElapsedTimer timer;
        timer.start();
        const auto result = test::ask(*engine, question("Where is my parcel?"));
        QVERIFY2(result.ok(), result.ok() ? "" : result.outcome.error().message.c_str());
        QCOMPARE(result.provider, std::string("anthropic"));
        QVERIFY(result.attempts.size() >= 2);
        for (std::size_t i = 0; i + 1 < result.attempts.size(); ++i) {
            QCOMPARE(result.attempts[i].provider, std::string("openai"));
            QCOMPARE(result.attempts[i].error, ErrorClass::Timeout);
        }
        QVERIFY2(result.route_reason.find("failed over to anthropic") != std::string::npos,
                 result.route_reason.c_str());
        QCOMPARE(engine->stats().failovers, std::uint64_t(1));
        QVERIFY(timer.elapsed() < 30'000);
        QVERIFY(black_hole->stats().count(SimOutcome::hang) >= 1);
    }

    // Pinned to a provider that never answers: a classified timeout, never a hung caller.
    void pinnedHangEndsInATimeoutErrorAndARow() {
        auto cfg = config(1'000ms);
        cfg.retry.max_attempts = 3;
        auto engine = test::make_engine(cfg, m_dir.filePath("pinned.db").toStdString());
        auto request = with_fault(question(), "hang");
        request.provider = "openai";
        QElapsedTimer timer;
        timer.start();
        const auto result = test::ask(*engine, std::move(request));
        QVERIFY(!result.ok());
        const auto& error = result.outcome.error();
        QCOMPARE(error.cls, ErrorClass::Timeout);
        QVERIFY2(error.message.find("no data for 1000 ms") != std::string::npos, error.message.c_str());
        QVERIFY2(error.message.find("not retried") != std::string::npos, error.message.c_str());
        QCOMPARE(int(result.attempts.size()), 3);
        QVERIFY(timer.elapsed() < 30'000);
        QCOMPARE(std::string(user_facing_text(error.cls)),
                 std::string("The upstream provider did not answer in time."));
        QCOMPARE(http_status_for(error.cls), 504);

        const auto row = test::history_row(*engine, result.request_id);
        QVERIFY(row);
        QCOMPARE(row->status, RequestStatus::Error);
        QCOMPARE(row->error_class, std::string("timeout"));
        QVERIFY(row->response_text.empty());
    }

    // A slow upstream that would answer after the total timeout is cut by it (not only silence
    // counts: the total bounds every attempt).
    void totalTimeoutBoundsASlowFirstByte() {
        auto cfg = config(10'000ms);
        for (auto& provider : cfg.providers) provider.timeouts.total = 500ms;
        cfg.retry.max_attempts = 2;
        auto engine = test::make_engine(cfg);
        auto request = question("slow first byte");
        request.provider = "openai";
        request.extra_headers.emplace_back("x-sim-latency-ms", "5000");
        QElapsedTimer timer;
        timer.start();
        const auto result = test::ask(*engine, std::move(request));
        QVERIFY(!result.ok());
        QCOMPARE(result.outcome.error().cls, ErrorClass::Timeout);
        QCOMPARE(int(result.attempts.size()), 2);
        QVERIFY(timer.elapsed() < 4'000);
    }

    // Through the gateway: the client gets a 504 in OpenAI's error format, and the next
    // request is served as usual.
    void gatewayClientSeesA504AndServingGoesOn() {
        auto cfg = config(300ms);
        cfg.retry.max_attempts = 2;
        cfg.retry.failover = false;
        auto engine = test::make_engine(cfg);
        test::GatewayStack gateway(*engine);
        const auto reply = gateway.post("/v1/chat/completions", test::GatewayStack::chat_body("hang please"),
                                        {{"x-sim-fault", "hang"}});
        QCOMPARE(reply.status, 504);
        const auto json = reply.json();
        QVERIFY2(json.contains("error"), reply.body.c_str());
        QCOMPARE(json["error"]["type"].get<std::string>(), std::string("server_error"));
        QVERIFY2(json["error"]["message"].get<std::string>().find("in time") != std::string::npos,
                 reply.body.c_str());
        const auto next = gateway.post("/v1/chat/completions", test::GatewayStack::chat_body("and now?"));
        QCOMPARE(next.status, 200);
    }
};

QTEST_GUILESS_MAIN(TestFaultUpstreamHang)
#include "tst_fault_upstream_hang.moc"
