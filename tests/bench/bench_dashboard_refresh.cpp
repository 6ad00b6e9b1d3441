// UI-thread cost of one Dashboard refresh while the engine serves about 2,000 requests/s.
//
// A zero-latency simulator (resources/simulator/zero.json) runs in a child process so its
// work does not share this process' threads. Two feeder threads keep a bounded number of
// requests in flight through bridge.engine().submit, spread over three providers. The page
// is shown (offscreen, raster) and the event loop runs between refreshes so the charts are
// painted as in the real console; only DashboardPage::refreshNow() is timed: the snapshot,
// the point lists, one replace() per series, the axes and the KPI tiles. Painting is not.
//
// Target: p95 < 5 ms per refresh.
// Usage: bench_dashboard_refresh [refreshes=200] [warmup_s=5] [requests_per_s=2000]
#include <QApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <semaphore>
#include <thread>
#include <vector>

#include "bench_results.h"
#include "../support/engine_fixture.h"
#include "simulator_process.h"
#include "dashboard/dashboard_page.h"
#include "engine/engine.h"
#include "local_engine_host.h"
#include "simulator/simulator_profile.h"

using namespace std::chrono_literals;

namespace {

constexpr int kFeeders = 2;
constexpr int kInFlightPerFeeder = 64;
constexpr double kTargetMs = 5.0;

pid_t startSimulatorProcess(std::uint16_t& port) {
    auto profile = sb::load_simulator_profile(SB_RESOURCES_DIR "/simulator/zero.json");
    if (!profile) {
        std::fprintf(stderr, "zero.json: %s\n", profile.error().c_str());
        return -1;
    }
    return sb::bench::start_simulator_process(*profile, sb::test::kTestKey, port);
}

// Submits at `rate` requests/s until stopped, never more than kInFlightPerFeeder outstanding.
void feed(sb::Engine& engine, std::atomic<bool>& stop, std::atomic<std::uint64_t>& completed, int feeder, double rate) {
    static const char* const providers[] = {"openai", "anthropic", "local"};
    auto free_slots = std::make_shared<std::counting_semaphore<kInFlightPerFeeder>>(kInFlightPerFeeder);
    const auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(1.0 / rate));
    auto next = std::chrono::steady_clock::now();
    for (std::uint64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        next += interval;
        std::this_thread::sleep_until(next);
        if (!free_slots->try_acquire_for(100ms)) continue;
        sb::ChatRequest request;
        request.messages = {{sb::Role::User, "Order status " + std::to_string(feeder) + "-" + std::to_string(i)}};
        request.provider = providers[i % 3];
        request.source = "bench";
        engine.submit(std::move(request), [free_slots, &completed](sb::RequestResult&&) {
            completed.fetch_add(1, std::memory_order_relaxed);
            free_slots->release();
        });
    }
    // Wait for this feeder's requests to drain before the engine goes away.
    for (int i = 0; i < kInFlightPerFeeder; ++i) free_slots->acquire();
}

}  // namespace

int main(int argc, char** argv) {
    const int refreshes = argc > 1 ? std::max(10, std::atoi(argv[1])) : 200;
    const int warmupS = argc > 2 ? std::max(0, std::atoi(argv[2])) : 5;
    const double rate = argc > 3 ? std::max(1.0, std::atof(argv[3])) : 2000.0;

    std::uint16_t port = 0;
    const pid_t simulator = startSimulatorProcess(port);  // before any thread exists: fork is safe
    if (simulator <= 0 || port == 0) {
        std::fprintf(stderr, "bench_dashboard_refresh: simulator did not start\n");
        return 2;
    }

    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QTemporaryDir dir;

    int rc = 0;
    {
        sb::EngineOptions options;
        options.config = sb::test::simulator_config(port);
        for (auto& p : options.config.providers) p.concurrency.initial = 128;
        options.database = dir.filePath("history.db").toStdString();
        options.history = true;
        auto created = LocalEngineHost::create(std::move(options));
        if (!created) {
            std::fprintf(stderr, "engine: %s\n", qPrintable(created.error()));
            sb::bench::stop_simulator_process(simulator);
            return 2;
        }
        auto bridge = std::move(*created);
        DashboardPage page(*bridge);
        page.resize(1400, 900);
        page.show();

        std::atomic<bool> stop{false};
        std::atomic<std::uint64_t> completed{0};
        std::vector<std::thread> feeders;
        for (int f = 0; f < kFeeders; ++f)
            feeders.emplace_back(feed, std::ref(bridge->engine()), std::ref(stop), std::ref(completed), f,
                                 rate / kFeeders);

        QTest::qWait(warmupS * 1000);
        const std::uint64_t startCount = completed.load();
        QElapsedTimer wall;
        wall.start();
        std::vector<double> ms;
        ms.reserve(std::size_t(refreshes));
        for (int i = 0; i < refreshes; ++i) {
            QElapsedTimer t;
            t.start();
            page.refreshNow();
            ms.push_back(double(t.nsecsElapsed()) / 1e6);
            QTest::qWait(50);  // paint and let the page's own timer run, as in the console
        }
        const double seconds = double(wall.nsecsElapsed()) / 1e9;
        const double rps = double(completed.load() - startCount) / seconds;
        stop = true;
        for (auto& t : feeders) t.join();

        std::sort(ms.begin(), ms.end());
        double sum = 0;
        for (double v : ms) sum += v;
        const double mean = sum / double(ms.size());
        const double p95 = ms[std::min(ms.size() - 1, std::size_t(double(ms.size()) * 0.95))];
        const double max = ms.back();
        const bool pass = p95 < kTargetMs;
        std::printf("bench_dashboard_refresh: %d refreshes over %.1f s, %d feeders x %d in flight, history on\n",
                    refreshes, seconds, kFeeders, kInFlightPerFeeder);
        std::printf("  achieved     %10.0f requests/s (asked %.0f)\n", rps, rate);
        std::printf("  refresh mean %10.3f ms\n", mean);
        std::printf("  refresh p95  %10.3f ms\n", p95);
        std::printf("  refresh max  %10.3f ms\n", max);
        std::printf("  %s: p95 %.3f ms vs target < %.1f ms\n", pass ? "PASS" : "FAIL", p95, kTargetMs);
        sb::bench::summary_row("dashboard", sb::bench::fmt("dashboard refresh p95 at %.0f requests/s", rps),
                               sb::bench::fmt("%.2f ms", p95), sb::bench::fmt("< %.0f ms", kTargetMs), pass,
                               sb::bench::fmt("mean %.2f ms; no baseline (UI-thread work only)", mean));
        rc = pass ? 0 : 1;
    }
    sb::bench::stop_simulator_process(simulator);
    return rc;
}
