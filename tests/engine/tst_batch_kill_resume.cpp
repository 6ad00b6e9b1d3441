// The real CLI, killed with SIGKILL in the middle of a batch, then run again: it resumes,
// and the database holds every line exactly once with PRAGMA integrity_check = ok. Deferred,
// killed while it polls the provider's batch: the re-run polls the same batch, sending nothing
// twice.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "../support/engine_fixture.h"
#include "../support/gateway_calls.h"
#include "store/batch_store.h"
#include "store/history_query.h"

using namespace sb;

namespace {

constexpr int kLines = 1000;

void write_inputs(const QTemporaryDir& dir) {
    std::ofstream in(dir.filePath("in.jsonl").toStdString());
    for (int i = 1; i <= kLines; ++i) {
        const nlohmann::json line = {
            {"custom_id", "line-" + std::to_string(i)},
            {"method", "POST"},
            {"url", "/v1/chat/completions"},
            {"body", {{"model", "gpt-4o-mini"}, {"messages", {{{"role", "user"}, {"content", "Question " + std::to_string(i)}}}}}}};
        in << line.dump() << '\n';
    }
    // Demo mode on: the CLI serves the provider from its own simulator.
    const nlohmann::json provider = {{"name", "openai"},
                                     {"kind", "openai"},
                                     {"base_url", "https://api.openai.com/v1"},
                                     {"api_key", "${OPENAI_API_KEY}"},
                                     {"default_model", "gpt-4o-mini"},
                                     {"models", {"gpt-4o-mini"}}};
    const nlohmann::json config = {{"version", 1},
                                   {"demo", {{"mode", "on"}}},
                                   {"providers", {provider}},
                                   {"retry", {{"initial_delay_ms", 10}, {"jitter_ms", 10}}}};
    std::ofstream(dir.filePath("config.json").toStdString()) << config.dump(2);
    const nlohmann::json profile = {{"seed", 11},
                                    {"latency", {{"median_ms", 15}, {"p99_ms", 40}}},
                                    {"errors", {{"unavailable", 0.03}}}};
    std::ofstream(dir.filePath("profile.json").toStdString()) << profile.dump(2);
}

QStringList batch_arguments(const QTemporaryDir& dir) {
    return {"batch", dir.filePath("in.jsonl"), "-o", dir.filePath("out.jsonl"), "--config", dir.filePath("config.json"),
            "--demo-profile", dir.filePath("profile.json"), "--db", dir.filePath("history.db"), "--concurrency", "8"};
}

std::int64_t committed_lines(const QTemporaryDir& dir) {
    auto reader = HistoryReader::open(dir.filePath("history.db").toStdString());
    if (!reader) return 0;
    HistoryFilter filter;
    filter.source = "batch";
    return reader->count(filter).value_or(0);
}

// The output file's custom ids in order; with `status`, only the lines answered with it.
std::vector<std::string> output_custom_ids(const QTemporaryDir& dir, int status = 0) {
    std::vector<std::string> ids;
    std::ifstream out(dir.filePath("out.jsonl").toStdString());
    for (std::string line; std::getline(out, line);) {
        const auto json = nlohmann::json::parse(line);
        if (status == 0 || json["response"]["status_code"] == status) ids.push_back(json["custom_id"].get<std::string>());
    }
    return ids;
}

std::vector<std::string> expected_custom_ids() {
    std::vector<std::string> ids;
    for (int i = 1; i <= kLines; ++i) ids.push_back("line-" + std::to_string(i));
    return ids;
}

}  // namespace

class TestBatchKillResume : public QObject {
    Q_OBJECT
private slots:
    void killedBatchResumesWithNoLostAndNoDuplicateRows() {
        QTemporaryDir dir;
        write_inputs(dir);
        QProcess first;
        first.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        first.start(SB_GATEWAY_BIN, batch_arguments(dir));
        QVERIFY(first.waitForStarted(5000));

        // Kill it once a good part, but not all, of the batch is committed.
        QTRY_VERIFY_WITH_TIMEOUT(committed_lines(dir) >= 150, 60000);
        first.kill();  // SIGKILL
        QVERIFY(first.waitForFinished(5000));
        QCOMPARE(first.exitStatus(), QProcess::CrashExit);
        const auto before = committed_lines(dir);
        QVERIFY2(before < kLines, qPrintable(QString::number(before)));
        QVERIFY(!QFile::exists(dir.filePath("out.jsonl")));

        QProcess second;
        second.start(SB_GATEWAY_BIN, batch_arguments(dir));
        QVERIFY(second.waitForFinished(120000));
        const QString log = QString::fromUtf8(second.readAllStandardError());
        QCOMPARE(second.exitStatus(), QProcess::NormalExit);
        QVERIFY2(second.exitCode() == 0 || second.exitCode() == 3, qPrintable(log));
        QVERIFY2(log.contains(QString("%1 resumed from an earlier run").arg(before)), qPrintable(log));

        auto reader = HistoryReader::open(dir.filePath("history.db").toStdString());
        QVERIFY(reader.has_value());
        QCOMPARE(reader->database().integrity_check().value_or("failed"), std::string("ok"));
        HistoryFilter batch_rows;
        batch_rows.source = "batch";
        QCOMPARE(*reader->count(batch_rows), std::int64_t(kLines));

        // One result per line, and the output file has them all, in input order.
        QCOMPARE(output_custom_ids(dir), expected_custom_ids());
    }

    void deferredBatchKilledWhilePollingSubmitsNothingTwice() {
        QTemporaryDir dir;
        write_inputs(dir);
        // The provider is a simulator outside the CLI, which outlives it, as OpenAI would.
        SimulatorProfile slow;
        slow.batch_completion_ms = 4000;
        std::uint16_t port = 0;
        const auto simulator = test::start_simulator(slow, &port);
        QVERIFY(simulator);
        const std::string base = "http://127.0.0.1:" + std::to_string(port) + "/v1";
        const nlohmann::json provider = {{"name", "openai"},
                                         {"kind", "openai"},
                                         {"base_url", base},
                                         {"api_key", "${SB_TEST_PROVIDER_KEY}"},
                                         {"default_model", "gpt-4o-mini"},
                                         {"models", {"gpt-4o-mini"}}};
        const nlohmann::json config = {{"version", 1}, {"demo", {{"mode", "off"}}}, {"providers", {provider}}};
        std::ofstream(dir.filePath("deferred-config.json").toStdString()) << config.dump(2);
        const QStringList arguments = {"batch", dir.filePath("in.jsonl"), "-o", dir.filePath("out.jsonl"), "--config",
                                       dir.filePath("deferred-config.json"), "--db", dir.filePath("history.db"),
                                       "--deferred"};
        auto environment = QProcessEnvironment::systemEnvironment();
        environment.insert("SB_TEST_PROVIDER_KEY", test::kTestKey);

        QProcess first;
        first.setProcessEnvironment(environment);
        first.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        first.start(SB_GATEWAY_BIN, arguments);
        QVERIFY(first.waitForStarted(5000));
        // Killed once the provider's batch id is stored, while the provider still works on it.
        auto stored_batch = [&]() -> std::string {
            auto store = BatchStore::open(dir.filePath("history.db").toStdString());
            if (!store) return {};
            auto remote = store->database().prepare("SELECT remote_id FROM provider_batches", "prepare remote id");
            if (!remote) return {};
            const auto row = remote->step("read remote id");
            return row && *row ? remote->text(0) : std::string();
        };
        QTRY_VERIFY_WITH_TIMEOUT(!stored_batch().empty(), 30000);
        first.kill();
        QVERIFY(first.waitForFinished(5000));
        QCOMPARE(first.exitStatus(), QProcess::CrashExit);
        const auto remote_id = stored_batch();
        QVERIFY(!QFile::exists(dir.filePath("out.jsonl")));

        QProcess second;
        second.setProcessEnvironment(environment);
        second.start(SB_GATEWAY_BIN, arguments);
        QVERIFY(second.waitForFinished(120000));
        const QString log = QString::fromUtf8(second.readAllStandardError());
        QCOMPARE(second.exitStatus(), QProcess::NormalExit);
        QVERIFY2(second.exitCode() == 0, qPrintable(log));
        QVERIFY2(log.contains(QString::fromStdString(remote_id)), qPrintable(log));

        // One file uploaded and one batch made, whatever the kill.
        HttpClient client;
        const auto batches = test::fetch(client, "GET", base + "/batches?limit=100", {}, test::kTestKey).json();
        QCOMPARE(batches["data"].size(), std::size_t(1));
        QCOMPARE(batches["data"][0]["id"].get<std::string>(), remote_id);
        const auto files = test::fetch(client, "GET", base + "/files?purpose=batch", {}, test::kTestKey).json();
        QCOMPARE(files["data"].size(), std::size_t(1));  // the batch's output file is another purpose

        QCOMPARE(output_custom_ids(dir, 200), expected_custom_ids());  // the zero-error profile: every line answered
    }
};

QTEST_GUILESS_MAIN(TestBatchKillResume)
#include "tst_batch_kill_resume.moc"
