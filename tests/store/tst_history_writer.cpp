// HistoryWriter: batching, overflow policies, disk errors, shutdown and kill -9 survival.
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <set>
#include <thread>

#include "store/database.h"
#include "store/history_writer.h"

using namespace sb;
using namespace std::chrono_literals;

namespace {

std::filesystem::path in(const QTemporaryDir& dir, const char* name) {
    return std::filesystem::path(dir.path().toStdString()) / name;
}

HistoryRecord make_record(std::int64_t i, const std::string& prefix = "req-") {
    HistoryRecord r;
    r.ts_ms = 1'700'000'000'000 + i * 10;
    r.request_id = prefix + std::to_string(i);
    r.source = "gateway";
    r.provider = i % 2 ? "openai" : "anthropic";
    r.model = "model-" + std::to_string(i % 3);
    r.tier = "standard";
    r.total_ms = 100.0 + static_cast<double>(i % 50);
    r.tokens_in = 10;
    r.tokens_out = 20;
    r.cost_usd = 0.001;
    r.prompt_text = std::string(300, static_cast<char>('a' + i % 26));
    r.response_text = std::string(300, 'r');
    return r;
}

std::int64_t count_rows(const std::filesystem::path& file, const char* sql = "SELECT count(*) FROM requests") {
    auto db = Database::open(file);
    if (!db)
        qFatal("%s", db.error().message.c_str());
    auto value = db->query_int64(sql, "test count");
    if (!value)
        qFatal("%s", value.error().message.c_str());
    return *value;
}

std::set<std::string> request_ids(const std::filesystem::path& file) {
    auto db = Database::open(file);
    std::set<std::string> ids;
    auto stmt = db->prepare("SELECT request_id FROM requests", "test");
    while (stmt->step("test").value())
        ids.insert(stmt->text(0));
    return ids;
}

std::unique_ptr<HistoryWriter> open_writer(const std::filesystem::path& file, HistoryWriterOptions options = {}) {
    auto writer = HistoryWriter::open(file, std::move(options));
    if (!writer)
        qFatal("%s", writer.error().message.c_str());
    return std::move(*writer);
}

// Another connection holding the write lock: the writer's transactions fail with BUSY.
struct WriteLock {
    Database db;
    explicit WriteLock(const std::filesystem::path& file) : db(std::move(Database::open(file).value())) {
        if (!db.exec("BEGIN IMMEDIATE", "test lock"))
            qFatal("cannot take the write lock");
    }
    void release() { (void)db.exec("ROLLBACK", "test unlock"); }
};

HistoryWriterOptions fast_retry_options() {
    HistoryWriterOptions options;
    options.database.busy_timeout = 20ms;
    options.retry_initial = 5ms;
    options.retry_max = 50ms;
    return options;
}

}  // namespace

class TestHistoryWriter : public QObject {
    Q_OBJECT

private slots:
    void batchesTenThousandRows() {
        QTemporaryDir dir;
        const auto file = in(dir, "history.db");
        HistoryWriterOptions options;
        options.batch_rows = 512;
        auto writer = open_writer(file, options);
        for (int i = 0; i < 10'000; ++i)
            QCOMPARE(writer->enqueue(make_record(i), Overflow::Block), EnqueueResult::Queued);
        auto flushed = writer->flush(60s);
        QVERIFY2(flushed.has_value(), flushed ? "" : flushed.error().message.c_str());
        const HistoryWriterStats stats = writer->stats();
        QCOMPARE(stats.enqueued, 10'000u);
        QCOMPARE(stats.written, 10'000u);
        QCOMPARE(stats.dropped, 0u);
        QCOMPARE(stats.failed_commits, 0u);
        QCOMPARE(stats.queue_depth, 0u);
        QCOMPARE(count_rows(file), 10'000);
        const auto ids = request_ids(file);
        QCOMPARE(ids.size(), 10'000u);
        for (int i = 0; i < 10'000; ++i)
            QVERIFY(ids.contains("req-" + std::to_string(i)));
    }

    void lightTrafficIsGroupCommitted() {
        // Rows trickling in (a request every millisecond) share transactions: the writer
        // lingers for more rows instead of committing each one alone — and still commits
        // them all without a flush.
        QTemporaryDir dir;
        const auto file = in(dir, "group.db");
        HistoryWriterOptions options;
        options.commit_linger = 200ms;
        auto writer = open_writer(file, options);
        for (int i = 0; i < 100; ++i) {
            QCOMPARE(writer->enqueue(make_record(i)), EnqueueResult::Queued);
            std::this_thread::sleep_for(1ms);
        }
        QTRY_COMPARE_WITH_TIMEOUT(writer->stats().written, 100u, 10000);
        QVERIFY2(writer->stats().commits <= 10, std::to_string(writer->stats().commits).c_str());
        QCOMPARE(count_rows(file), 100);

        // A flush does not wait for the linger (here far longer than any scheduling delay).
        writer.reset();
        options.commit_linger = 30s;
        writer = open_writer(file, options);
        QCOMPARE(writer->enqueue(make_record(100)), EnqueueResult::Queued);
        const auto started = std::chrono::steady_clock::now();
        QVERIFY(writer->flush(60s).has_value());
        QVERIFY(std::chrono::steady_clock::now() - started < 10s);
        QCOMPARE(count_rows(file), 101);
    }

    void duplicateRequestIdIsSkippedAndCounted() {
        QTemporaryDir dir;
        const auto file = in(dir, "history.db");
        auto writer = open_writer(file);
        writer->enqueue(make_record(1));
        writer->enqueue(make_record(1));
        writer->enqueue(make_record(2));
        QVERIFY(writer->flush(30s));
        QCOMPARE(writer->stats().written, 2u);
        QCOMPARE(writer->stats().duplicates, 1u);
        QCOMPARE(count_rows(file), 2);
        // The rollup counts the row once, not twice.
        QCOMPARE(count_rows(file, "SELECT sum(requests) FROM rollup_minute"), 2);
    }

    void dropOverflowIsCounted() {
        QTemporaryDir dir;
        const auto file = in(dir, "history.db");
        QVERIFY(Database::open(file));
        WriteLock lock(file);
        HistoryWriterOptions options = fast_retry_options();
        options.queue_capacity = 8;
        options.batch_rows = 4;
        auto writer = open_writer(file, options);

        std::uint64_t queued = 0;
        std::uint64_t dropped = 0;
        for (int i = 0; i < 200; ++i) {
            const EnqueueResult result = writer->enqueue(make_record(i), Overflow::Drop);
            QVERIFY(result == EnqueueResult::Queued || result == EnqueueResult::Dropped);
            (result == EnqueueResult::Queued ? queued : dropped) += 1;
        }
        QVERIFY(dropped > 0);
        QVERIFY(queued <= 8 + 4);  // the queue plus one batch in flight
        QTRY_VERIFY_WITH_TIMEOUT(writer->stats().failed_commits > 0, 10'000);
        HistoryWriterStats stats = writer->stats();
        QCOMPARE(stats.dropped, dropped);
        QCOMPARE(stats.enqueued, queued);
        QVERIFY(stats.failing);
        QVERIFY2(stats.last_error.find("locked") != std::string::npos, stats.last_error.c_str());

        lock.release();
        auto flushed = writer->flush(30s);
        QVERIFY2(flushed.has_value(), flushed ? "" : flushed.error().message.c_str());
        QCOMPARE(count_rows(file), static_cast<std::int64_t>(queued));
        QVERIFY(!writer->stats().failing);
    }

    void blockLosesNothing() {
        QTemporaryDir dir;
        const auto file = in(dir, "history.db");
        HistoryWriterOptions options;
        options.queue_capacity = 16;
        options.batch_rows = 8;
        auto writer = open_writer(file, options);
        std::atomic<int> not_queued{0};
        std::vector<std::thread> producers;
        for (int p = 0; p < 3; ++p)
            producers.emplace_back([&, p] {
                for (int i = 0; i < 2'000; ++i)
                    if (writer->enqueue(make_record(p * 10'000 + i), Overflow::Block) != EnqueueResult::Queued)
                        ++not_queued;
            });
        for (auto& t : producers)
            t.join();
        QCOMPARE(not_queued.load(), 0);
        QVERIFY(writer->flush(60s));
        QCOMPARE(writer->stats().dropped, 0u);
        QCOMPARE(writer->stats().written, 6'000u);
        QCOMPARE(count_rows(file), 6'000);
    }

    void blockTimesOutAndCountsWhenTheWriterIsStuck() {
        QTemporaryDir dir;
        const auto file = in(dir, "history.db");
        QVERIFY(Database::open(file));
        WriteLock lock(file);
        HistoryWriterOptions options = fast_retry_options();
        options.queue_capacity = 2;
        options.batch_rows = 1;
        options.block_timeout = 50ms;
        auto writer = open_writer(file, options);
        int timed_out = 0;
        for (int i = 0; i < 10; ++i)
            timed_out += writer->enqueue(make_record(i), Overflow::Block) == EnqueueResult::TimedOut ? 1 : 0;
        QVERIFY(timed_out > 0);
        QCOMPARE(writer->stats().dropped, static_cast<std::uint64_t>(timed_out));
        lock.release();
        QVERIFY(writer->flush(30s));
        QCOMPARE(count_rows(file), 10 - timed_out);
    }

    void diskFullIsVisibleAndRetriedRowsLand() {
        QTemporaryDir dir;
        const auto file = in(dir, "history.db");
        std::atomic<int> errors_reported{0};
        HistoryWriterOptions options = fast_retry_options();
        options.batch_rows = 100;
        options.database.max_page_count = 40;  // ~160 KB: far less than 2,000 rows of text
        options.on_error = [&](const StoreError&) { ++errors_reported; };
        auto writer = open_writer(file, options);
        for (int i = 0; i < 2'000; ++i)
            QCOMPARE(writer->enqueue(make_record(i), Overflow::Block), EnqueueResult::Queued);

        QTRY_VERIFY_WITH_TIMEOUT(writer->stats().failing, 20'000);
        HistoryWriterStats stats = writer->stats();
        QVERIFY(stats.failed_commits > 0);
        QVERIFY2(stats.last_error.find("full") != std::string::npos, stats.last_error.c_str());
        QVERIFY2(stats.last_error.find(file.string()) != std::string::npos, stats.last_error.c_str());
        QVERIFY(stats.written < 2'000);
        QVERIFY(errors_reported.load() > 0);
        auto flushed = writer->flush(100ms);
        QVERIFY(!flushed);
        QVERIFY2(flushed.error().message.find("not yet committed") != std::string::npos,
                 flushed.error().message.c_str());
        QVERIFY2(flushed.error().message.find("full") != std::string::npos, flushed.error().message.c_str());

        writer->set_max_page_count(1'000'000);
        auto retried = writer->flush(60s);
        QVERIFY2(retried.has_value(), retried ? "" : retried.error().message.c_str());
        stats = writer->stats();
        QCOMPARE(stats.written, 2'000u);
        QCOMPARE(stats.rejected, 0u);
        QVERIFY(!stats.failing);
        QCOMPARE(count_rows(file), 2'000);
        QCOMPARE(count_rows(file, "SELECT sum(requests) FROM rollup_minute"), 2'000);
        auto db = Database::open(file);
        QCOMPARE(db->integrity_check().value(), std::string("ok"));
    }

    void closeHandsBackWhatItCouldNotWrite() {
        QTemporaryDir dir;
        const auto file = in(dir, "history.db");
        QVERIFY(Database::open(file));
        WriteLock lock(file);
        std::atomic<bool> shutdown_reported{false};
        HistoryWriterOptions options = fast_retry_options();
        options.on_error = [&](const StoreError& e) {
            if (e.message.find("before shutdown") != std::string::npos)
                shutdown_reported = true;
        };
        auto writer = open_writer(file, options);
        for (int i = 0; i < 50; ++i)
            writer->enqueue(make_record(i));
        QElapsedTimer timer;
        timer.start();
        CloseReport report = writer->close(300ms);
        QVERIFY(timer.elapsed() < 5'000);
        QCOMPARE(report.unwritten.size(), 50u);
        QCOMPARE(report.unwritten.front().request_id, std::string("req-0"));
        QVERIFY2(report.error.find("50 rows could not be written") != std::string::npos, report.error.c_str());
        QCOMPARE(writer->stats().unwritten, 50u);
        QVERIFY(shutdown_reported.load());
        QCOMPARE(writer->enqueue(make_record(99)), EnqueueResult::Closed);
        QVERIFY(!writer->flush(10ms));
        QVERIFY(writer->close().unwritten.empty());
    }

    void closeDrainsTheQueue() {
        QTemporaryDir dir;
        const auto file = in(dir, "history.db");
        {
            auto writer = open_writer(file);
            for (int i = 0; i < 3'000; ++i)
                writer->enqueue(make_record(i), Overflow::Block);
            CloseReport report = writer->close(30s);
            QVERIFY(report.unwritten.empty());
            QCOMPARE(writer->stats().written, 3'000u);
        }
        QCOMPARE(count_rows(file), 3'000);
    }

    void survivesKillDashNine() {
        QTemporaryDir dir;
        const auto file = in(dir, "history.db");
        int fds[2];
        QCOMPARE(::pipe(fds), 0);
        const pid_t child = ::fork();
        QVERIFY(child >= 0);
        if (child == 0) {
            // Child: write forever, reporting each committed total to the parent.
            ::close(fds[0]);
            auto writer = HistoryWriter::open(file);
            if (!writer)
                ::_exit(2);
            std::int64_t next = 0;
            for (;;) {
                for (int i = 0; i < 1'000; ++i)
                    (*writer)->enqueue(make_record(next++, "kill-"), Overflow::Block);
                if ((*writer)->flush(30s)) {
                    const std::int64_t confirmed = next;
                    if (::write(fds[1], &confirmed, sizeof confirmed) != sizeof confirmed)
                        ::_exit(3);
                }
            }
        }
        ::close(fds[1]);
        // Whatever fails below, the child never outlives the test.
        struct Reaper {
            pid_t pid;
            int fd;
            bool reaped = false;
            ~Reaper() {
                if (!reaped) {
                    ::kill(pid, SIGKILL);
                    ::waitpid(pid, nullptr, 0);
                }
                ::close(fd);
            }
        } reaper{child, fds[0]};

        std::int64_t confirmed = 0;
        int confirmations = 0;
        auto read_confirmation = [&](int timeout_ms) {
            pollfd pfd{fds[0], POLLIN, 0};
            if (::poll(&pfd, 1, timeout_ms) <= 0)
                return false;
            std::int64_t value = 0;
            if (::read(fds[0], &value, sizeof value) != sizeof value)
                return false;
            confirmed = value;
            ++confirmations;
            return true;
        };
        while (confirmations < 5)
            QVERIFY2(read_confirmation(30'000), "the child confirmed no commit within 30 s");
        // Let it get into the middle of further writes, then kill it without warning.
        std::this_thread::sleep_for(std::chrono::milliseconds(7 + confirmed % 23));
        QCOMPARE(::kill(child, SIGKILL), 0);
        int status = 0;
        QCOMPARE(::waitpid(child, &status, 0), child);
        reaper.reaped = true;
        QVERIFY(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        // Confirmations written just before the kill are still in the pipe.
        while (read_confirmation(0)) {
        }

        auto db = Database::open(file);
        QVERIFY2(db.has_value(), db ? "" : db.error().message.c_str());
        QCOMPARE(db->integrity_check().value(), std::string("ok"));
        const auto total = db->query_int64("SELECT count(*) FROM requests", "test").value();
        const auto distinct = db->query_int64("SELECT count(DISTINCT request_id) FROM requests", "test").value();
        QCOMPARE(distinct, total);
        qInfo("killed after %d confirmations: %lld rows confirmed, %lld in the file", confirmations,
              static_cast<long long>(confirmed), static_cast<long long>(total));
        QVERIFY2(total >= confirmed, qPrintable(QString("%1 rows, %2 confirmed").arg(total).arg(confirmed)));
        // Rows commit in order, so what survived is exactly kill-0 … kill-(total-1).
        const auto max_index =
            db->query_int64("SELECT max(CAST(substr(request_id, 6) AS INTEGER)) FROM requests", "test").value();
        QCOMPARE(max_index + 1, total);
        QCOMPARE(db->query_int64("SELECT sum(requests) FROM rollup_minute", "test").value(), total);
    }
};

QTEST_GUILESS_MAIN(TestHistoryWriter)
#include "tst_history_writer.moc"
