// Fault: invalid UTF-8, in an upstream's answer or in a request.
// What the caller sees: an answer with a stray ill-formed byte sequence is delivered, each
// ill-formed sequence replaced by U+FFFD and every other byte kept (a WHATWG UTF-8 decode,
// what fetch()-based clients such as the OpenAI Node SDK do) — not refused and re-bought
// because of one byte, and never passed on as invalid text into the history, the cache or a
// client's JSON. In a request: the gateway refuses it with 400 (as OpenAI's API does), a batch
// line with it becomes that line's error while the rest of the batch runs, and a request
// built in code is sent with the same replacement.
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>

#include "engine/batch_runner.h"
#include "fault_fixture.h"
#include "model/utf8.h"

using namespace sb;
using namespace std::chrono_literals;
using sb::test::question;
using sb::test::with_fault;

namespace {

constexpr std::string_view kFffd = "\xEF\xBF\xBD";

// The simulator puts a lone 0xFF and a cut 3-byte sequence into the first word of the answer
// ("Simu|lated"): two ill-formed subparts, so two U+FFFD in the same place.
std::string repaired_answer(const std::string& clean) {
    return clean.substr(0, 4) + std::string(kFffd) + std::string(kFffd) + clean.substr(4);
}

}  // namespace

class TestFaultInvalidUtf8 : public QObject {
    Q_OBJECT

    std::unique_ptr<Simulator> m_simulator;
    std::uint16_t m_port = 0;
    QTemporaryDir m_dir;

    std::string clean_answer(Engine& engine, const std::string& text, const QString& provider) {
        auto request = question(text);
        request.provider = provider.toStdString();
        const auto result = test::ask(engine, request);
        return result.ok() ? result.outcome->content : std::string();
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_simulator = test::start_simulator({}, &m_port);
        QVERIFY(m_simulator);
    }

    // The Unicode standard's own example of "U+FFFD substitution of maximal subparts".
    void repairFollowsTheUnicodeStandard() {
        const std::string bad = "\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64";
        std::size_t replaced = 0;
        const auto repaired = repair_utf8(bad, &replaced);
        const std::string f(kFffd);
        QCOMPARE(repaired, "a" + f + f + f + "b" + f + "c" + f + f + "d");
        QCOMPARE(replaced, std::size_t(6));
        QVERIFY(!is_valid_utf8(bad));
        QVERIFY(is_valid_utf8(repaired));
        const std::string good = "déjà vu — 東京 🙂";
        QVERIFY(is_valid_utf8(good));
        QCOMPARE(repair_utf8(good), good);
        QVERIFY(!is_valid_utf8("\xED\xA0\x80"));      // a UTF-16 surrogate
        QVERIFY(!is_valid_utf8("\xC0\xAF"));          // an overlong '/'
        QVERIFY(!is_valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
    }

    void answerWithInvalidUtf8IsRepaired_data() {
        QTest::addColumn<QString>("provider");
        QTest::addColumn<bool>("stream");
        for (const char* provider : {"openai", "anthropic", "local"})
            for (const bool stream : {false, true})
                QTest::newRow(qPrintable(QString("%1 %2").arg(provider, stream ? "stream" : "plain")))
                    << QString(provider) << stream;
    }
    void answerWithInvalidUtf8IsRepaired() {
        QFETCH(QString, provider);
        QFETCH(bool, stream);
        auto engine =
            test::make_engine(test::simulator_config(m_port), m_dir.filePath("utf8.db").toStdString());
        const std::string text = "bad bytes please " + provider.toStdString() + (stream ? " s" : " p");
        const std::string clean = clean_answer(*engine, text, provider);
        QVERIFY(clean.starts_with("Simulated answer to:"));
        const std::string expected = repaired_answer(clean);

        auto request = with_fault(question(text), "invalid_utf8");
        request.provider = provider.toStdString();
        RequestResult result;
        if (stream) {
            const auto streamed = test::ask_streaming(*engine, request);
            QCOMPARE(streamed.text, expected);
            result = streamed.result;
        } else {
            result = test::ask(*engine, request);
        }
        QVERIFY2(result.ok(), result.ok() ? "" : result.outcome.error().message.c_str());
        QCOMPARE(result.attempts.size(), std::size_t(1));  // one byte does not cost a second answer
        QCOMPARE(result.outcome->content, expected);
        QVERIFY(is_valid_utf8(result.outcome->content));

        const auto row = test::history_row(*engine, result.request_id);
        QVERIFY(row);
        QCOMPARE(row->status, RequestStatus::Ok);
        QCOMPARE(row->response_text, expected);
    }

    // A gateway client gets valid JSON, with U+FFFD where the bad bytes were.
    void gatewayClientGetsValidJson() {
        auto engine = test::make_engine(test::simulator_config(m_port));
        test::GatewayStack gateway(*engine);
        const auto reply =
            gateway.post("/v1/chat/completions", test::GatewayStack::chat_body("gateway bytes"),
                         {{"x-sim-fault", "invalid_utf8"}});
        QCOMPARE(reply.status, 200);
        QVERIFY(is_valid_utf8(reply.body));
        const auto json = reply.json();
        QVERIFY2(!json.is_discarded(), reply.body.c_str());
        const auto content = json["choices"][0]["message"]["content"].get<std::string>();
        QVERIFY2(content.find(kFffd) != std::string::npos, content.c_str());

        const auto streamed =
            gateway.post("/v1/chat/completions", test::GatewayStack::chat_body("gateway bytes", true),
                         {{"x-sim-fault", "invalid_utf8"}});
        QCOMPARE(streamed.status, 200);
        QVERIFY(is_valid_utf8(streamed.body));
        QVERIFY(streamed.body.find("[DONE]") != std::string::npos);
    }

    // Requests: the gateway refuses invalid UTF-8 like OpenAI does (400), and stays up.
    void gatewayRefusesAnInvalidUtf8Request() {
        auto engine = test::make_engine(test::simulator_config(m_port));
        test::GatewayStack gateway(*engine);
        const std::string body =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"caf\xE9\"}]}";
        const auto reply = gateway.post("/v1/chat/completions", body);
        QCOMPARE(reply.status, 400);
        QCOMPARE(reply.json()["error"]["type"].get<std::string>(), std::string("invalid_request_error"));
        QVERIFY(reply.json()["error"]["message"].get<std::string>().find("UTF-8") != std::string::npos);
        QCOMPARE(gateway.post("/v1/chat/completions", test::GatewayStack::chat_body("café")).status, 200);
    }

    // A request built in code (the console, an embedding program) is sent with U+FFFD: the
    // simulator's echo shows what arrived upstream.
    void engineSendsARepairedRequest() {
        auto engine = test::make_engine(test::simulator_config(m_port));
        auto request = question("caf\xE9 au lait");
        request.provider = "openai";
        request.extra_headers.emplace_back("x-sim-echo", "1");
        const auto result = test::ask(*engine, std::move(request));
        QVERIFY2(result.ok(), result.ok() ? "" : result.outcome.error().message.c_str());
        QVERIFY2(result.outcome->content.find("user: caf\xEF\xBF\xBD au lait") != std::string::npos,
                 result.outcome->content.c_str());
    }

    // A batch line with invalid UTF-8 is that line's error; every other line is answered.
    void batchLineWithInvalidUtf8IsItsOwnError() {
        QTemporaryDir dir;
        const auto input = dir.filePath("in.jsonl").toStdString();
        {
            std::ofstream in(input, std::ios::binary);
            for (int i = 1; i <= 5; ++i) {
                const nlohmann::json line = {
                    {"custom_id", "c" + std::to_string(i)},
                    {"method", "POST"},
                    {"url", "/v1/chat/completions"},
                    {"body",
                     {{"model", "gpt-4o-mini"},
                      {"messages", {{{"role", "user"}, {"content", "PLACEHOLDER"}}}}}}};
                std::string text = line.dump();
                // nlohmann cannot write invalid UTF-8, so the raw byte goes in afterwards.
                const std::string content = i == 3 ? "caf\xE9" : "question " + std::to_string(i);
                text.replace(text.find("PLACEHOLDER"), 11, content);
                in << text << '\n';
            }
        }
        auto engine =
            test::make_engine(test::simulator_config(m_port), dir.filePath("batch.db").toStdString());
        BatchOptions options;
        options.input = input;
        options.output = dir.filePath("out.jsonl").toStdString();
        const auto summary = run_batch(*engine, options);
        QVERIFY2(summary.has_value(), summary ? "" : summary.error().c_str());
        QCOMPARE(summary->total, std::int64_t(5));
        QCOMPARE(summary->invalid, std::int64_t(1));
        QCOMPARE(summary->succeeded, std::int64_t(4));
        std::ifstream out(options.output);
        std::vector<nlohmann::json> lines;
        for (std::string line; std::getline(out, line);) lines.push_back(nlohmann::json::parse(line));
        QCOMPARE(lines.size(), std::size_t(5));
        QVERIFY(lines[2]["error"].is_object());
        QVERIFY2(lines[2]["error"]["message"].get<std::string>().find("line 3") != std::string::npos,
                 lines[2].dump().c_str());
        QVERIFY(lines[3]["error"].is_null());
    }
};

QTEST_GUILESS_MAIN(TestFaultInvalidUtf8)
#include "tst_fault_invalid_utf8.moc"
