// Time from start to the first painted main window, with a 1,000,000-row history.
// Measured: engine + bridge creation (database opened, demo simulator started), the window
// and its three pages built, shown, and the first paint event delivered to the window.
// Target: < 500 ms. The history file is built once and reused (its build time is printed).
//
// Usage: bench_startup [database=/tmp/switchboard-bench-startup-1m.db] [rows=1000000]
#include <QApplication>
#include <QElapsedTimer>
#include <QTimer>

#include <cstdio>
#include <filesystem>

#include "bench_results.h"
#include "config/config.h"
#include "dashboard/dashboard_page.h"
#include "local_engine_host.h"
#include "history/history_page.h"
#include "main_window.h"
#include "playground/playground_page.h"
#include "store/history_query.h"
#include "store/history_writer.h"

namespace {

std::int64_t existing_rows(const std::filesystem::path& path) {
    if (!std::filesystem::exists(path)) return 0;
    auto reader = sb::HistoryReader::open(path);
    return reader ? reader->count({}).value_or(0) : 0;
}

bool build_history(const std::filesystem::path& path, std::int64_t rows) {
    auto writer = sb::HistoryWriter::open(path);
    if (!writer) return false;
    const std::int64_t now = sb::unix_ms_now();
    static const char* providers[] = {"openai", "anthropic", "local"};
    for (std::int64_t i = 0; i < rows; ++i) {
        sb::HistoryRecord r;
        r.ts_ms = now - (rows - i) * 500;  // one request every 0.5 s, ending now
        r.request_id = "bench-" + std::to_string(i);
        r.source = "bench";
        r.provider = providers[i % 3];
        r.model = i % 3 == 1 ? "claude-haiku-4-5" : "gpt-4o-mini";
        r.status = i % 17 == 0 ? sb::RequestStatus::Error : sb::RequestStatus::Ok;
        if (r.status == sb::RequestStatus::Error) r.error_class = "rate_limited";
        r.total_ms = 300.0 + static_cast<double>(i % 900);
        r.tokens_in = 40;
        r.tokens_out = 120;
        r.prompt_text = "user: Is item " + std::to_string(i) + " in stock?";
        r.response_text = "It ships in two days.";
        writer->get()->enqueue(std::move(r), sb::Overflow::Block);
    }
    return writer->get()->flush(std::chrono::minutes(10)).has_value();
}

class FirstPaint final : public QObject {
public:
    bool painted = false;
    bool eventFilter(QObject*, QEvent* event) override {
        if (event->type() == QEvent::Paint && !painted) {
            painted = true;
            QTimer::singleShot(0, qApp, &QApplication::quit);
        }
        return false;
    }
};

}  // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    const std::filesystem::path database = argc > 1 ? argv[1] : "/tmp/switchboard-bench-startup-1m.db";
    const std::int64_t rows = argc > 2 ? std::atoll(argv[2]) : 1'000'000;

    if (const auto have = existing_rows(database); have < rows) {
        std::filesystem::remove(database);
        QElapsedTimer build;
        build.start();
        if (!build_history(database, rows)) {
            std::fprintf(stderr, "bench_startup: could not build %s\n", database.c_str());
            return 1;
        }
        std::printf("built a %lld-row history in %.1f s\n", static_cast<long long>(rows), build.elapsed() / 1000.0);
    }

    QElapsedTimer timer;
    timer.start();
    QApplication app(argc, argv);
    QApplication::setOrganizationName("SwitchboardBench");
    auto config = sb::default_config([](const std::string&) { return std::nullopt; });
    sb::EngineOptions options;
    options.config = std::move(*config);
    options.database = database;
    auto bridge = LocalEngineHost::create(std::move(options));
    if (!bridge) {
        std::fprintf(stderr, "bench_startup: %s\n", qPrintable(bridge.error()));
        return 1;
    }
    MainWindow window(**bridge);
    window.addPage("Dashboard", new DashboardPage(**bridge));
    window.addPage("Playground", new PlaygroundPage(**bridge));
    window.addPage("History", new HistoryPage(**bridge));
    FirstPaint first_paint;
    window.installEventFilter(&first_paint);
    window.show();
    QTimer::singleShot(10000, &app, &QApplication::quit);  // never hang
    app.exec();
    const double ms = static_cast<double>(timer.nsecsElapsed()) / 1e6;

    std::printf("bench_startup: %lld-row history, start to first painted window: %.1f ms\n",
                static_cast<long long>(existing_rows(database)), ms);
    std::printf("target < 500 ms: %s\n", first_paint.painted && ms < 500.0 ? "PASS" : "FAIL");
    sb::bench::summary_row("startup", "start to first painted window, 1M-row history", sb::bench::fmt("%.0f ms", ms), "< 500 ms",
                           first_paint.painted && ms < 500.0, "no baseline (one cold start)");
    return first_paint.painted && ms < 500.0 ? 0 : 1;
}
