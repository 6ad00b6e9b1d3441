// Fault: the disk under the history database is full.
// What the user sees: every request is still answered; the failure is named where an
// operator looks — the console's status bar ("History not saved (N waiting)", the SQLite error
// naming the file in its tooltip), /admin/stats ("history": failing, last_error) and /metrics
// (switchboard_history_write_failing 1). Rows wait in the writer's queue and are retried with
// backoff; when space returns every one of them lands. If the queue fills first, the rows it
// refuses are counted and shown ("N history rows dropped"), never lost silently.
//
// "Full" is SQLite's own SQLITE_FULL, made with PRAGMA max_page_count (the file may not grow):
// the same error, and the same code path, as a full filesystem, without root or a loop mount.
#include <QLabel>
#include <QTemporaryDir>
#include <QtTest>
#include <set>

#include "local_engine_host.h"
#include "fault_fixture.h"
#include "status_summary.h"
#include "store/database.h"

using namespace sb;
using namespace std::chrono_literals;

namespace {

std::int64_t page_count(const std::filesystem::path& file) {
    auto db = Database::open(file);
    return db ? db->query_int64("PRAGMA page_count", "test").value_or(0) : 0;
}

// A prompt of about 4 KiB, so each row needs a page of its own.
ChatRequest bulky(const std::string& tag) {
    auto request = test::question(tag + " " + std::string(4000, 'p'));
    request.provider = "openai";
    return request;
}

// Sends `count` requests at once; returns their ids, all answered (the test fails otherwise).
std::vector<std::string> serve(Engine& engine, const std::string& tag, int count) {
    std::vector<std::future<RequestResult>> futures;
    for (int i = 0; i < count; ++i) futures.push_back(engine.submit(bulky(tag + std::to_string(i))));
    std::vector<std::string> ids;
    for (auto& future : futures) {
        auto result = test::wait_for(future);
        if (!result.ok()) return {};
        ids.push_back(result.request_id);
    }
    return ids;
}

std::set<std::string> stored_ids(const std::filesystem::path& file) {
    std::set<std::string> ids;
    auto db = Database::open(file);
    auto rows = db->prepare("SELECT request_id FROM requests", "test");
    while (rows->step("test").value_or(false)) ids.insert(rows->text(0));
    return ids;
}

}  // namespace

class TestFaultDiskFull : public QObject {
    Q_OBJECT

    std::unique_ptr<Simulator> m_simulator;
    std::uint16_t m_port = 0;

    std::unique_ptr<LocalEngineHost> make_bridge(const std::filesystem::path& file, std::size_t queue_capacity) {
        EngineOptions options;
        options.config = test::simulator_config(m_port);
        options.config.store.queue_capacity = queue_capacity;
        options.database = file;
        auto bridge = LocalEngineHost::create(std::move(options));
        if (!bridge) qFatal("bridge: %s", qPrintable(bridge.error()));
        return std::move(*bridge);
    }

private slots:
    void initTestCase() {
        m_simulator = test::start_simulator({}, &m_port);
        QVERIFY(m_simulator);
    }

    void servingGoesOnAndEveryRowLandsWhenSpaceReturns() {
        QTemporaryDir dir;
        const std::filesystem::path file = dir.filePath("history.db").toStdString();
        auto bridge = make_bridge(file, 65'536);
        Engine& engine = bridge->engine();
        StatusSummary status(*bridge);
        test::GatewayStack gateway(engine);

        auto ids = serve(engine, "before ", 50);
        QCOMPARE(ids.size(), std::size_t(50));
        QVERIFY(engine.history()->flush(30s).has_value());

        // The disk fills up: the file may not grow by a single page.
        engine.history()->set_max_page_count(page_count(file));
        const auto during = serve(engine, "during ", 300);
        QCOMPARE(during.size(), std::size_t(300));  // every request answered
        ids.insert(ids.end(), during.begin(), during.end());
        QTRY_VERIFY_WITH_TIMEOUT(engine.history()->stats().failing, 20'000);

        const auto stats = engine.history()->stats();
        QVERIFY(stats.failed_commits > 0);
        QVERIFY(stats.queue_depth > 0);
        QCOMPARE(stats.dropped, std::uint64_t(0));
        QVERIFY2(stats.last_error.find("full") != std::string::npos, stats.last_error.c_str());
        QVERIFY2(stats.last_error.find(file.string()) != std::string::npos, stats.last_error.c_str());
        const auto flushed = engine.history()->flush(200ms);
        QVERIFY(!flushed);
        QVERIFY2(flushed.error().message.find("not yet committed") != std::string::npos,
                 flushed.error().message.c_str());

        // Where the operator sees it.
        status.refresh();
        QVERIFY2(status.text().contains("History not saved"), qPrintable(status.text()));
        QVERIFY(status.findChild<QLabel*>("statusHistory")->toolTip().contains("full"));
        QVERIFY(engine.prometheus_text().find("switchboard_history_write_failing 1") != std::string::npos);
        const auto admin = gateway.admin("GET", "/admin/stats");
        QCOMPARE(admin.status, 200);
        const auto history = admin.json()["history"];
        QVERIFY2(history["failing"].get<bool>(), admin.body.c_str());
        QVERIFY(history["last_error"].get<std::string>().find("full") != std::string::npos);
        // Serving through the gateway goes on too.
        QCOMPARE(gateway.post("/v1/chat/completions", test::GatewayStack::chat_body("still there?")).status,
                 200);

        // Space returns: the waiting rows are written, and new ones follow.
        engine.history()->set_max_page_count(1'000'000'000);
        QVERIFY(engine.history()->flush(60s).has_value());
        const auto after = serve(engine, "after ", 50);
        QCOMPARE(after.size(), std::size_t(50));
        ids.insert(ids.end(), after.begin(), after.end());
        QVERIFY(engine.history()->flush(30s).has_value());

        const auto final_stats = engine.history()->stats();
        QVERIFY(!final_stats.failing);
        QCOMPARE(final_stats.dropped, std::uint64_t(0));
        QCOMPARE(final_stats.written, final_stats.enqueued);
        const auto stored = stored_ids(file);
        for (const auto& id : ids) QVERIFY2(stored.contains(id), id.c_str());
        QCOMPARE(stored.size(), ids.size() + 1);  // + the gateway's request
        status.refresh();
        QVERIFY2(!status.text().contains("History"), qPrintable(status.text()));
        QVERIFY(engine.prometheus_text().find("switchboard_history_write_failing 0") != std::string::npos);
        auto db = Database::open(file);
        QCOMPARE(db->integrity_check().value_or("failed"), std::string("ok"));
    }

    // A long outage fills the queue: what it refuses is counted and shown, not lost in silence,
    // and everything it accepted still lands.
    void aFullQueueDropsVisiblyAndTheRestLands() {
        QTemporaryDir dir;
        const std::filesystem::path file = dir.filePath("history.db").toStdString();
        auto bridge = make_bridge(file, 100);
        Engine& engine = bridge->engine();
        StatusSummary status(*bridge);
        QCOMPARE(serve(engine, "warm ", 5).size(), std::size_t(5));
        QVERIFY(engine.history()->flush(30s).has_value());

        engine.history()->set_max_page_count(page_count(file));
        QCOMPARE(serve(engine, "flood ", 400).size(), std::size_t(400));
        QTRY_VERIFY_WITH_TIMEOUT(engine.history()->stats().failing, 20'000);
        const auto full = engine.history()->stats();
        QVERIFY2(full.dropped > 0, qPrintable(QString::number(full.dropped)));
        status.refresh();
        QVERIFY2(status.text().contains(QString("%1 history rows dropped").arg(full.dropped)),
                 qPrintable(status.text()));
        QVERIFY(engine.prometheus_text().find("switchboard_history_rows_dropped_total " +
                                              std::to_string(full.dropped)) != std::string::npos);

        engine.history()->set_max_page_count(1'000'000'000);
        QVERIFY(engine.history()->flush(60s).has_value());
        const auto stats = engine.history()->stats();
        QCOMPARE(stats.written, stats.enqueued);
        QCOMPARE(stats.written + stats.dropped, std::uint64_t(405));
        QCOMPARE(static_cast<std::uint64_t>(stored_ids(file).size()), stats.written);
    }
};

QTEST_MAIN(TestFaultDiskFull)
#include "tst_fault_disk_full.moc"
