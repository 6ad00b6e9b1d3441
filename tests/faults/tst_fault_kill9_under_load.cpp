// Fault: `kill -9` of a process serving live requests and running a batch.
// What the operator sees on restart: the database opens, PRAGMA integrity_check says ok,
// every history row the process had committed is there (and its minute rollup with it), and
// the same batch command resumes: it skips exactly the lines committed before the kill and
// sends every other line once. What a kill -9 can lose is only rows not yet committed: the
// requests answered in the last moments, at most the writer's queue plus one batch in flight.
//
// The process under load is this test binary itself, started again with SB_KILL9_CHILD set:
// a fresh process (no fork of a threaded one) with its own simulator, engine and history.
#include <signal.h>
#include <sys/prctl.h>

#include <QCoreApplication>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QtTest>
#include <cstdio>
#include <fstream>
#include <set>
#include <thread>

#include "engine/batch_runner.h"
#include "fault_fixture.h"
#include "store/database.h"

using namespace sb;
using namespace std::chrono_literals;

namespace {

constexpr int kBatchLines = 3'000;
constexpr int kLivePerRound = 40;

SimulatorProfile busy_profile() {
    SimulatorProfile profile;
    profile.seed = 9;
    profile.latency_median_ms = 15;
    profile.latency_p99_ms = 60;
    profile.errors.unavailable = 0.03;  // retries under way when the kill comes
    return profile;
}

Config child_config(std::uint16_t port) {
    auto config = test::simulator_config(port);
    config.store.batch_rows = 64;
    return config;
}

void write_batch_input(const std::filesystem::path& file) {
    std::ofstream in(file);
    for (int i = 1; i <= kBatchLines; ++i) {
        const nlohmann::json line = {
            {"custom_id", "line-" + std::to_string(i)},
            {"method", "POST"},
            {"url", "/v1/chat/completions"},
            {"body",
             {{"model", "gpt-4o-mini"},
              {"messages", {{{"role", "user"}, {"content", "Batch question " + std::to_string(i)}}}}}}};
        in << line.dump() << '\n';
    }
}

// The process that is killed: a batch on one thread, rounds of live requests on another. After
// each round it waits for the history writer to commit, then reports the round's request ids
// on stdout — only then are they promised to be on disk.
int run_child(const std::filesystem::path& dir) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the test
    std::uint16_t port = 0;
    auto simulator = test::start_simulator(busy_profile(), &port);
    if (!simulator) return 2;
    auto engine = test::make_engine(child_config(port), dir / "history.db");
    std::thread batch([&] {
        BatchOptions options;
        options.input = dir / "in.jsonl";
        options.output = dir / "out.jsonl";
        options.max_concurrency = 8;
        (void)run_batch(*engine, options);
        std::printf("batch-finished\n");
        std::fflush(stdout);
    });
    for (int round = 0;; ++round) {
        std::vector<std::future<RequestResult>> futures;
        std::vector<std::string> ids;
        for (int i = 0; i < kLivePerRound; ++i) {
            auto request = test::question("live " + std::to_string(round) + "." + std::to_string(i));
            request.id = "live-" + std::to_string(round) + "-" + std::to_string(i);
            request.source = "live";
            ids.push_back(request.id);
            futures.push_back(engine->submit(std::move(request)));
        }
        for (auto& future : futures) (void)test::wait_for(future);
        if (!engine->history()->flush(30s)) continue;
        std::string report;
        for (const auto& id : ids) report += "committed " + id + "\n";
        std::fwrite(report.data(), 1, report.size(), stdout);
        std::fflush(stdout);
    }
}

std::int64_t count(Database& db, const std::string& sql) {
    return db.query_int64(sql, "test").value_or(-1);
}

}  // namespace

class TestFaultKill9UnderLoad : public QObject {
    Q_OBJECT

private slots:
    void killedProcessLosesNoCommittedRowAndItsBatchResumes() {
        QTemporaryDir dir;
        const std::filesystem::path root = dir.path().toStdString();
        write_batch_input(root / "in.jsonl");

        QProcess child;
        auto environment = QProcessEnvironment::systemEnvironment();
        environment.insert("SB_KILL9_CHILD", dir.path());
        child.setProcessEnvironment(environment);
        child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        child.start(QCoreApplication::applicationFilePath(), {});
        QVERIFY(child.waitForStarted(10'000));

        std::set<std::string> committed;
        bool batch_finished = false;
        auto read_reports = [&] {
            while (child.canReadLine()) {
                const auto line = QString::fromUtf8(child.readLine()).trimmed().toStdString();
                if (line.starts_with("committed ")) committed.insert(line.substr(10));
                if (line == "batch-finished") batch_finished = true;
            }
        };
        auto batch_rows = [&] {
            auto reader = HistoryReader::open(root / "history.db");
            if (!reader) return std::int64_t(0);
            HistoryFilter filter;
            filter.source = "batch";
            return reader->count(filter).value_or(0);
        };
        // Under load: several live rounds committed and a good part of the batch, not all.
        QElapsedTimer timer;
        timer.start();
        while (!(committed.size() >= 5 * kLivePerRound && batch_rows() >= 300) && timer.elapsed() < 60'000) {
            child.waitForReadyRead(100);
            read_reports();
            QVERIFY2(child.state() == QProcess::Running, "the child under load exited by itself");
        }
        QVERIFY2(committed.size() >= 5 * kLivePerRound, qPrintable(QString::number(committed.size())));
        std::this_thread::sleep_for(std::chrono::milliseconds(3 + committed.size() % 17));  // mid-write
        QCOMPARE(::kill(static_cast<pid_t>(child.processId()), SIGKILL), 0);
        QVERIFY(child.waitForFinished(10'000));
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);
        read_reports();  // what it reported just before the kill is still in the pipe
        QVERIFY2(!batch_finished, "the batch finished before the kill; nothing left to resume");

        // Restart: the file is sound, and every committed row is there.
        {
            auto db = Database::open(root / "history.db");
            QVERIFY2(db.has_value(), db ? "" : db.error().message.c_str());
            QCOMPARE(db->integrity_check().value_or("failed"), std::string("ok"));
            std::set<std::string> stored;
            auto rows = db->prepare("SELECT request_id FROM requests WHERE source = 'live'", "test");
            QVERIFY(rows.has_value());
            while (rows->step("test").value_or(false)) stored.insert(rows->text(0));
            std::vector<std::string> missing;
            for (const auto& id : committed)
                if (!stored.contains(id)) missing.push_back(id);
            QVERIFY2(missing.empty(), qPrintable(QString("%1 committed rows missing, e.g. %2")
                                                     .arg(missing.size())
                                                     .arg(missing.empty() ? "" : missing.front().c_str())));
            const auto total = count(*db, "SELECT count(*) FROM requests");
            QCOMPARE(count(*db, "SELECT coalesce(sum(requests), 0) FROM rollup_minute"), total);
            qInfo("killed with %zu live rows reported committed, %zu live rows stored, %lld rows in all",
                  committed.size(), stored.size(), static_cast<long long>(total));
        }

        // The same batch again: it resumes where the kill left it, and ends with each line once.
        const auto before = batch_rows();
        QVERIFY(before > 0 && before < kBatchLines);
        std::uint16_t port = 0;
        auto simulator = test::start_simulator(busy_profile(), &port);
        QVERIFY(simulator);
        auto engine = test::make_engine(child_config(port), root / "history.db");
        BatchOptions options;
        options.input = root / "in.jsonl";
        options.output = root / "out.jsonl";
        options.max_concurrency = 32;
        const auto summary = run_batch(*engine, options);
        QVERIFY2(summary.has_value(), summary ? "" : summary.error().c_str());
        QCOMPARE(summary->resumed, before);
        QCOMPARE(summary->total, std::int64_t(kBatchLines));
        QCOMPARE(summary->succeeded + summary->failed, std::int64_t(kBatchLines));
        QCOMPARE(batch_rows(), std::int64_t(kBatchLines));
        // Lines the resumed run sent: exactly those not committed before the kill.
        QCOMPARE(std::int64_t(engine->stats().submitted), kBatchLines - before);
        engine.reset();

        auto db = Database::open(root / "history.db");
        QCOMPARE(count(*db, "SELECT count(DISTINCT batch_line) FROM requests WHERE source = 'batch'"),
                 std::int64_t(kBatchLines));
        QCOMPARE(db->integrity_check().value_or("failed"), std::string("ok"));
        std::ifstream out(root / "out.jsonl");
        int line_no = 0;
        for (std::string line; std::getline(out, line);) {
            ++line_no;
            QCOMPARE(nlohmann::json::parse(line)["custom_id"].get<std::string>(),
                     "line-" + std::to_string(line_no));
        }
        QCOMPARE(line_no, kBatchLines);
    }
};

int main(int argc, char** argv) {
    if (const char* dir = std::getenv("SB_KILL9_CHILD")) return run_child(dir);
    QCoreApplication app(argc, argv);
    TestFaultKill9UnderLoad test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_fault_kill9_under_load.moc"
