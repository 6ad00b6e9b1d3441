// Fault: 10,000 requests at the same moment.
// What the caller sees: every one is answered, each callback fires exactly once, and the
// process neither runs out of file descriptors nor grows without bound. With the default
// limits the engine's per-provider concurrency limiter holds the surplus in its queue (at most
// `concurrency.max` sockets per provider); with the limiter opened to 10,000 the transport
// holds 10,000 connections at once, as far as the file-descriptor limit allows.
#include <sys/resource.h>

#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>

#include "fault_fixture.h"

using namespace sb;
using namespace std::chrono_literals;

namespace {

constexpr int kRequests = 10'000;

std::size_t open_fds() {
    std::size_t count = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++count;
    return count;
}

std::int64_t rss_kib() {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.starts_with("VmRSS:")) return std::stoll(line.substr(6));
    return 0;
}

rlim_t raise_fd_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
    return limit.rlim_cur;
}

// Submits kRequests at once and waits for them all; counts every callback per request.
struct Burst {
    std::vector<std::atomic<int>> callbacks = std::vector<std::atomic<int>>(kRequests);
    std::atomic<int> done{0}, ok{0};
    std::mutex mutex;
    std::condition_variable finished;
    std::size_t peak_fds = 0;
    int peak_in_flight = 0, peak_waiting = 0;
    std::string first_error;

    bool run(Engine& engine, const std::function<ChatRequest(int)>& make, std::chrono::seconds limit) {
        for (int i = 0; i < kRequests; ++i) {
            engine.submit(make(i), [this, i](RequestResult&& result) {
                callbacks[static_cast<std::size_t>(i)].fetch_add(1);
                if (result.ok()) {
                    ok.fetch_add(1);
                } else {
                    std::lock_guard lock(mutex);
                    if (first_error.empty()) first_error = result.outcome.error().message;
                }
                if (done.fetch_add(1) + 1 == kRequests) {
                    std::lock_guard lock(mutex);
                    finished.notify_all();
                }
            });
        }
        const auto deadline = std::chrono::steady_clock::now() + limit;
        std::unique_lock lock(mutex);
        while (done.load() < kRequests && std::chrono::steady_clock::now() < deadline) {
            lock.unlock();
            peak_fds = std::max(peak_fds, open_fds());
            int in_flight = 0, waiting = 0;
            for (const auto& provider : engine.stats().providers) {
                in_flight += provider.in_flight;
                waiting += provider.waiting;
            }
            peak_in_flight = std::max(peak_in_flight, in_flight);
            peak_waiting = std::max(peak_waiting, waiting);
            lock.lock();
            finished.wait_for(lock, 20ms);
        }
        return done.load() == kRequests;
    }

    int callbacks_not_once() const {
        int wrong = 0;
        for (const auto& count : callbacks) wrong += count.load() != 1;
        return wrong;
    }
};

}  // namespace

class TestFault10kConcurrent : public QObject {
    Q_OBJECT

    rlim_t m_fd_limit = 0;

private slots:
    void initTestCase() {
        m_fd_limit = raise_fd_limit();
        qInfo("RLIMIT_NOFILE raised to %llu", static_cast<unsigned long long>(m_fd_limit));
    }

    // Default limits: 256 sockets per provider at most; the other requests wait in the
    // limiter's queue, and every request leaves its history row.
    void tenThousandAtOnceQueueBehindTheLimiter() {
        QTemporaryDir dir;
        SimulatorProfile profile;
        profile.latency_median_ms = 20;  // slow enough that the queue really fills
        profile.latency_p99_ms = 40;
        std::uint16_t port = 0;
        auto simulator = test::start_simulator(profile, &port);
        QVERIFY(simulator);
        auto config = test::simulator_config(port);
        config.retry.deadline = 120'000ms;  // queueing counts against the deadline
        for (auto& provider : config.providers) {
            provider.timeouts.total = 120'000ms;
            provider.timeouts.idle = 30'000ms;  // a starved CI machine is not an upstream hang
        }
        auto engine = test::make_engine(config, dir.filePath("burst.db").toStdString());
        const auto rss_before = rss_kib();
        const auto fds_before = open_fds();

        Burst burst;
        const char* providers[] = {"openai", "anthropic", "local"};
        const bool all_done = burst.run(
            *engine,
            [&](int i) {
                auto request = test::question("burst " + std::to_string(i));
                request.provider = providers[i % 3];
                return request;
            },
            150s);
        QVERIFY2(all_done, qPrintable(QString("%1 of %2 finished").arg(burst.done.load()).arg(kRequests)));
        QCOMPARE(burst.callbacks_not_once(), 0);
        QVERIFY2(burst.ok.load() == kRequests, burst.first_error.c_str());
        const int limit = 3 * config.providers[0].concurrency.max;
        QVERIFY2(burst.peak_in_flight <= limit, qPrintable(QString::number(burst.peak_in_flight)));
        QVERIFY2(burst.peak_waiting > 0, "the limiter never queued: the burst did not test it");
        // Client and (in-process) server ends of at most `limit` busy connections and the 256
        // idle ones libcurl keeps for reuse: far from one socket per request.
        QVERIFY2(burst.peak_fds < fds_before + 2 * (static_cast<std::size_t>(limit) + 256) + 256,
                 qPrintable(QString("%1 fds at peak, %2 before").arg(burst.peak_fds).arg(fds_before)));
        const auto grown_mib = (rss_kib() - rss_before) / 1024;
        qInfo("peak: %d in flight, %d queued, %zu fds; RSS grew %lld MiB", burst.peak_in_flight,
              burst.peak_waiting, burst.peak_fds, static_cast<long long>(grown_mib));
        QVERIFY2(grown_mib < 512, qPrintable(QString::number(grown_mib)));

        const auto stats = engine->stats();
        QCOMPARE(stats.submitted, std::uint64_t(kRequests));
        QCOMPARE(stats.succeeded, std::uint64_t(kRequests));
        QVERIFY(engine->history()->flush(60s).has_value());
        QCOMPARE(engine->history()->stats().written, std::uint64_t(kRequests));
        QCOMPARE(engine->history()->stats().dropped, std::uint64_t(0));
    }

    // The limiter opened to 10,000: 10,000 connections at once. The simulator runs in its own
    // process (the CLI) so that the client's descriptors are the only ones counted here.
    void tenThousandSocketsAtOnce() {
        if (m_fd_limit < kRequests + 1'000)
            QSKIP(qPrintable(
                QString("RLIMIT_NOFILE hard limit %1 is below 11,000: the limiter test above covers "
                        "this machine")
                    .arg(m_fd_limit)));
        QTemporaryDir dir;
        std::ofstream(dir.filePath("profile.json").toStdString())
            << R"({"seed": 5, "latency": {"median_ms": 200, "p99_ms": 400}, "reply_words": 8, "errors": {}})";
        QProcess simulator;
        simulator.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        simulator.start(SB_GATEWAY_BIN, {"simulate", "--port", "0", "--threads", "2", "--profile",
                                         dir.filePath("profile.json")});
        QVERIFY(simulator.waitForReadyRead(10'000));
        const auto banner = QString::fromUtf8(simulator.readLine());
        const auto match = QRegularExpression(R"(127\.0\.0\.1:(\d+))").match(banner);
        QVERIFY2(match.hasMatch(), qPrintable(banner));
        const auto port = static_cast<std::uint16_t>(match.captured(1).toUInt());

        auto config = test::simulator_config(port);
        for (auto& provider : config.providers) {
            provider.concurrency.initial = kRequests;
            provider.concurrency.max = kRequests;
            // A burst of 10,000 connects overflows the listen backlog; the kernel retries SYNs.
            provider.timeouts.connect = 30'000ms;
            provider.timeouts.total = 120'000ms;
            provider.timeouts.idle = 60'000ms;
        }
        config.retry.deadline = 150'000ms;
        auto engine = test::make_engine(config);
        const auto fds_before = open_fds();

        Burst burst;
        const bool all_done = burst.run(
            *engine,
            [](int i) {
                auto request = test::question("socket " + std::to_string(i));
                request.provider = "openai";
                return request;
            },
            170s);
        simulator.terminate();
        simulator.waitForFinished(5'000);
        QVERIFY2(all_done, qPrintable(QString("%1 of %2 finished").arg(burst.done.load()).arg(kRequests)));
        QCOMPARE(burst.callbacks_not_once(), 0);
        qInfo("peak: %d in flight, %zu fds (%zu before); %d ok; first error: %s", burst.peak_in_flight,
              burst.peak_fds, fds_before, burst.ok.load(), burst.first_error.c_str());
        QVERIFY2(burst.ok.load() == kRequests, burst.first_error.c_str());
        QVERIFY2(burst.peak_in_flight > 2'000, qPrintable(QString::number(burst.peak_in_flight)));
    }
};

QTEST_GUILESS_MAIN(TestFault10kConcurrent)
#include "tst_fault_10k_concurrent.moc"
