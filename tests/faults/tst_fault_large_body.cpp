// Fault: a 50 MB body, from the upstream or from a client.
// What the caller sees: a plain (non-streamed) answer of 50 MB is over the 32 MiB limit for a
// body held in memory: the transfer is cut as soon as the limit is passed, and the caller gets
// a `malformed_response` error saying so — not retried on the same target (it would send the
// same), failed over when the request may move. A 50 MB *streamed* answer is under the stream
// limit (256 MiB on the wire) and arrives whole. A 50 MB request to the gateway is refused
// with 413 in OpenAI's error format, and the gateway goes on serving.
#include <QTemporaryDir>
#include <QtTest>

#include "fault_fixture.h"
#include "providers/adapter_common.h"

using namespace sb;
using namespace std::chrono_literals;
using sb::test::question;
using sb::test::with_fault;

namespace {
constexpr std::size_t k50MiB = 50u << 20;

RequestResult ask(Engine& engine, ChatRequest request) {
    auto future = engine.submit(std::move(request));
    return test::wait_for(future, std::chrono::seconds(120));
}
}  // namespace

class TestFaultLargeBody : public QObject {
    Q_OBJECT

    std::unique_ptr<Simulator> m_simulator;
    std::uint16_t m_port = 0;
    QTemporaryDir m_dir;

    // The simulator takes a while to build 50 MB on a busy machine: that silence is not the fault.
    Config config() const {
        auto config = test::simulator_config(m_port);
        for (auto& provider : config.providers) {
            provider.timeouts.idle = 30'000ms;
            provider.timeouts.total = 60'000ms;
        }
        config.retry.deadline = 90'000ms;
        return config;
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_simulator = test::start_simulator({}, &m_port);
        QVERIFY(m_simulator);
    }

    void plainAnswerOverTheLimitIsAClearErrorNotRetried() {
        auto engine = test::make_engine(config(), m_dir.filePath("plain.db").toStdString());
        auto request = with_fault(question("send me 50 MB"), "huge");
        request.provider = "openai";
        const auto result = ask(*engine, std::move(request));
        QVERIFY(!result.ok());
        const auto& error = result.outcome.error();
        QCOMPARE(error.cls, ErrorClass::MalformedResponse);
        const std::string limit =
            "larger than the limit of " + std::to_string(adapter::kMaxResponseBytes) + " bytes";
        QVERIFY2(error.message.find(limit) != std::string::npos, error.message.c_str());
        QCOMPARE(result.attempts.size(), std::size_t(1));  // the same target would send it again

        const auto row = test::history_row(*engine, result.request_id);
        QVERIFY(row);
        QCOMPARE(row->status, RequestStatus::Error);
        QCOMPARE(row->error_class, std::string("malformed_response"));
    }

    // Another provider may answer normally: an unpinned request moves on and succeeds.
    void plainAnswerOverTheLimitFailsOver() {
        auto engine = test::make_engine(config());
        const auto result = ask(*engine, with_fault(question("huge once"), "huge", 1, "huge-once"));
        QVERIFY2(result.ok(), result.ok() ? "" : result.outcome.error().message.c_str());
        QCOMPARE(result.attempts.size(), std::size_t(2));
        QCOMPARE(result.attempts[0].provider, std::string("openai"));
        QCOMPARE(result.attempts[0].error, ErrorClass::MalformedResponse);
        QCOMPARE(result.provider, std::string("anthropic"));
        QVERIFY(result.outcome->content.size() < 4096);
    }

    void streamedFiftyMegabytesArriveWhole() {
        auto engine = test::make_engine(config(), m_dir.filePath("stream.db").toStdString());
        auto request = with_fault(question("stream me 50 MB"), "huge");
        request.provider = "openai";
        const auto streamed = test::ask_streaming(*engine, std::move(request), std::chrono::seconds(120));
        QVERIFY2(streamed.result.ok(),
                 streamed.result.ok() ? "" : streamed.result.outcome.error().message.c_str());
        QVERIFY(streamed.text.size() >= k50MiB);
        QCOMPARE(streamed.result.outcome->content.size(), streamed.text.size());
        QCOMPARE(streamed.result.outcome->finish_reason, std::string("stop"));
        const auto row = test::history_row(*engine, streamed.result.request_id);
        QVERIFY(row);
        QCOMPARE(row->status, RequestStatus::Ok);
        QCOMPARE(row->response_text.size(), streamed.text.size());
    }

    // The stream limit works like the body limit, counted on the wire as it arrives
    // (shown with a small limit: the real one is 256 MiB).
    void streamOverItsLimitIsCutAsItArrives() {
        HttpClient client;
        HttpRequest http;
        http.url = "http://127.0.0.1:" + std::to_string(m_port) + "/v1/chat/completions";
        http.headers = {{"authorization", std::string("Bearer ") + test::kTestKey},
                        {"content-type", "application/json"},
                        {"x-sim-fault", "huge"}};
        http.body =
            R"({"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"big stream"}]})";
        http.max_response_bytes = 1u << 20;
        std::size_t streamed = 0;
        std::promise<HttpResponse> done;
        auto future = done.get_future();
        client.send(
            std::move(http), [&](HttpResponse&& response) { done.set_value(std::move(response)); },
            [&](std::string_view bytes) { streamed += bytes.size(); });
        QCOMPARE(future.wait_for(30s), std::future_status::ready);
        const auto response = future.get();
        QVERIFY(streamed <= (1u << 20));
        const Error error = classify_transport_error(response.curl_code, response.curl_error);
        QCOMPARE(error.cls, ErrorClass::MalformedResponse);
        QCOMPARE(error.should_retry, std::optional<bool>(false));
        QVERIFY2(error.message.find("larger than the limit of 1048576 bytes") != std::string::npos,
                 error.message.c_str());
    }

    void gatewayRefusesAFiftyMegabyteRequestWith413() {
        auto engine = test::make_engine(config());
        test::GatewayStack gateway(*engine);
        const auto reply =
            gateway.post("/v1/chat/completions", test::GatewayStack::chat_body(std::string(k50MiB, 'x')));
        QCOMPARE(reply.status, 413);
        const auto json = reply.json();
        QVERIFY2(json.contains("error"), reply.body.c_str());
        QCOMPARE(json["error"]["type"].get<std::string>(), std::string("invalid_request_error"));
        QCOMPARE(json["error"]["code"].get<std::string>(), std::string("request_too_large"));
        QVERIFY(json["error"]["message"].get<std::string>().find("larger than") != std::string::npos);
        QCOMPARE(gateway.get("/healthz").status, 200);
        QCOMPARE(gateway.post("/v1/chat/completions", test::GatewayStack::chat_body("small again")).status,
                 200);
    }
};

QTEST_GUILESS_MAIN(TestFaultLargeBody)
#include "tst_fault_large_body.moc"
