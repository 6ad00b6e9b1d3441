// Time from constructing the History page to its first page of rows in the model, over a
// 1,000,000-row history (created once and reused from /tmp), plus raw HistoryReader::page
// baselines for the newest page and a deep one. Then the same page on a console attached to a
// `switchboard-gateway serve` that holds that history, over loopback (the admin API), against
// the local page measured in the same run.
#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "bench_results.h"
#include "console/history_source.h"
#include "console/remote_console.h"
#include "history/history_model.h"
#include "history/history_page.h"
#include "store/history_query.h"
#include "store/history_writer.h"

namespace {

constexpr std::int64_t kRows = 1000000;
constexpr std::int64_t kBaseTs = 1700000000000;
constexpr double kTargetMs = 100;
constexpr double kRemoteTargetMs = 200;
constexpr const char* kAdminKey = "adm-bench-history-first-page";
const char* const kPath = "/tmp/switchboard-bench-1m.db";

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

sb::HistoryRecord record(std::int64_t i) {
    static const char* const providers[] = {"openai", "anthropic", "local"};
    static const char* const models[] = {"gpt-4o-mini", "claude-3-5-haiku", "llama3"};
    sb::HistoryRecord r;
    r.ts_ms = kBaseTs + i * 3;
    r.request_id = "bench_" + std::to_string(i);
    r.source = i % 10 == 0 ? "gui" : "gateway";
    r.provider = providers[i % 3];
    r.model = models[i % 3];
    r.tier = i % 4 == 0 ? "smart" : "fast";
    r.status = i % 50 == 0 ? sb::RequestStatus::Error : sb::RequestStatus::Ok;
    r.error_class = r.status == sb::RequestStatus::Error ? "rate_limited" : "";
    r.http_status = r.status == sb::RequestStatus::Error ? 429 : 200;
    r.dns_ms = 0.4;
    r.connect_ms = 3.1;
    r.tls_ms = 11.7;
    r.first_byte_ms = 180.0 + static_cast<double>(i % 97);
    r.total_ms = 420.0 + static_cast<double>(i % 613);
    r.tokens_in = 120 + i % 300;
    r.tokens_out = 80 + i % 200;
    r.cost_usd = 0.00012 * static_cast<double>(1 + i % 7);
    r.prompt_text = "Summarise support ticket " + std::to_string(i) +
                    " for the on-call engineer: intermittent 502s from the checkout API since the last deploy.";
    r.response_text = "{\"summary\":\"Intermittent 502s since the deploy; retries succeed.\",\"ticket\":" +
                      std::to_string(i) + "}";
    return r;
}

std::int64_t existingRows() {
    if (!std::filesystem::exists(kPath))
        return 0;
    auto reader = sb::HistoryReader::open(kPath);
    if (!reader)
        return 0;
    auto count = reader->count({});
    return count ? *count : 0;
}

bool ensureHistory() {
    if (const std::int64_t rows = existingRows(); rows >= kRows) {
        std::printf("reusing %s (%lld rows)\n", kPath, static_cast<long long>(rows));
        return true;
    }
    std::filesystem::remove(kPath);
    std::filesystem::remove(std::string(kPath) + "-wal");
    std::filesystem::remove(std::string(kPath) + "-shm");
    const auto start = Clock::now();
    auto writer = sb::HistoryWriter::open(kPath);
    if (!writer) {
        std::printf("cannot open %s: %s\n", kPath, writer.error().message.c_str());
        return false;
    }
    for (std::int64_t i = 0; i < kRows; ++i)
        (*writer)->enqueue(record(i), sb::Overflow::Block);
    if (!(*writer)->flush(std::chrono::minutes(10))) {
        std::printf("flush failed\n");
        return false;
    }
    std::printf("created %s: %lld rows in %.1f s\n", kPath, static_cast<long long>(kRows), msSince(start) / 1000);
    return true;
}

void readerBaselines() {
    auto reader = sb::HistoryReader::open(kPath);
    if (!reader)
        return;
    auto timePage = [&](const char* label, const sb::HistoryFilter& filter, std::optional<sb::HistoryCursor> after) {
        std::vector<double> times;
        for (int run = 0; run < 5; ++run) {
            const auto start = Clock::now();
            auto page = reader->page(filter, after, 500);
            times.push_back(msSince(start));
            if (!page || page->rows.empty())
                std::printf("  %s: no rows!\n", label);
        }
        const double first = times.front();
        std::sort(times.begin(), times.end());
        std::printf("HistoryReader::page(500) %-34s first %.2f ms, median of 5 %.2f ms\n", label, first, times[2]);
    };
    timePage("newest, no filter", {}, std::nullopt);
    // Deep: 900,000 rows newer than the cursor.
    timePage("deep (900k rows in), no filter", {},
             sb::HistoryCursor{kBaseTs + 100000 * 3, std::numeric_limits<std::int64_t>::max()});
    sb::HistoryFilter errors;
    errors.provider = "openai";
    errors.status = sb::RequestStatus::Error;
    timePage("newest, openai + error", errors, std::nullopt);
}

double timeFirstPage(const HistoryPage::OpenSource& open) {
    QEventLoop loop;
    const auto start = Clock::now();
    HistoryPage page(open);
    double shownMs = -1;
    QObject::connect(page.model(), &HistoryModel::firstPageShown, &loop, [&] {
        shownMs = msSince(start);
        loop.quit();
    });
    QTimer::singleShot(10000, &loop, &QEventLoop::quit);
    page.show();
    if (!page.model()->firstPageLoaded())
        loop.exec();
    else
        shownMs = msSince(start);
    return shownMs;
}

// `serve` over the benchmark's history, on loopback; its base URL, or empty.
std::string startGateway(QProcess& process, const QTemporaryDir& home) {
    auto environment = QProcessEnvironment::systemEnvironment();
    environment.insert("XDG_CONFIG_HOME", home.filePath("config"));
    environment.insert("XDG_DATA_HOME", home.filePath("data"));
    environment.insert("SWITCHBOARD_ADMIN_KEY", kAdminKey);
    process.setProcessEnvironment(environment);
    process.start(SB_GATEWAY_BIN, {"serve", "--demo", "on", "--no-auth", "--listen", "127.0.0.1:0", "--database", kPath});
    if (!process.waitForStarted(5000)) return {};
    QElapsedTimer waited;
    waited.start();
    while (!process.canReadLine() && waited.elapsed() < 30000 && process.state() == QProcess::Running)
        process.waitForReadyRead(100);
    const auto match = QRegularExpression("listening on (http://127\\.0\\.0\\.1:\\d+)").match(QString::fromUtf8(process.readLine()));
    return match.hasMatch() ? match.captured(1).toStdString() : std::string();
}

}  // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    if (!ensureHistory())
        return 2;
    readerBaselines();

    const HistoryPage::OpenSource local = [] { return sb::local_history_source(kPath, nullptr); };
    std::vector<double> times;
    for (int run = 0; run < 7; ++run)
        times.push_back(timeFirstPage(local));
    const double first = times.front();
    std::sort(times.begin(), times.end());
    const double median = times[times.size() / 2];
    std::printf("HistoryPage construct -> first page in model: first run %.1f ms, median of 7 %.1f ms, max %.1f ms\n",
                first, median, times.back());
    const bool pass = times.back() >= 0 && times.back() < kTargetMs;
    std::printf("%s: target < %.0f ms (every run)\n", pass ? "PASS" : "FAIL", kTargetMs);
    sb::bench::summary_row("history", "History page first page, 1M rows (worst of 7)", sb::bench::fmt("%.1f ms", times.back()),
                           sb::bench::fmt("< %.0f ms", kTargetMs), pass, sb::bench::fmt("median %.1f ms; reader baselines printed above", median));

    // The same page over loopback, from a gateway holding the same history.
    QTemporaryDir home;
    QProcess gateway;
    const std::string url = startGateway(gateway, home);
    if (url.empty()) {
        std::printf("the gateway did not start: %s\n", gateway.readAllStandardError().constData());
        return 2;
    }
    auto console = sb::RemoteConsole::create({.url = url, .admin_key = kAdminKey});
    if (!console) return 2;
    (*console)->connect();
    if (!(*console)->wait_connected(std::chrono::seconds(10))) {
        std::printf("the console did not attach: %s\n", (*console)->source().detail.c_str());
        return 2;
    }
    const HistoryPage::OpenSource remote = [&console] { return (*console)->open_history(); };
    std::vector<double> remoteTimes, localTimes;
    for (int run = 0; run < 7; ++run) {  // alternating, so host load falls on both
        remoteTimes.push_back(timeFirstPage(remote));
        localTimes.push_back(timeFirstPage(local));
    }
    std::printf("over loopback from serve, every run (ms):");
    for (double t : remoteTimes) std::printf(" %.1f", t);
    std::printf("\nlocal in the same runs (ms):");
    for (double t : localTimes) std::printf(" %.1f", t);
    std::printf("\n");
    std::sort(remoteTimes.begin(), remoteTimes.end());
    std::sort(localTimes.begin(), localTimes.end());
    const double remoteMedian = remoteTimes[remoteTimes.size() / 2];
    const double localMedian = localTimes[localTimes.size() / 2];
    const bool remotePass = remoteTimes.front() >= 0 && remoteTimes.back() < kRemoteTargetMs;
    std::printf("%s: remote first page worst %.1f ms, median %.1f ms (local median %.1f ms, x%.1f); target < %.0f ms\n",
                remotePass ? "PASS" : "FAIL", remoteTimes.back(), remoteMedian, localMedian,
                localMedian > 0 ? remoteMedian / localMedian : 0.0, kRemoteTargetMs);
    sb::bench::summary_row("history", "History page first page, 1M rows on a gateway over loopback (worst of 7)",
                           sb::bench::fmt("%.1f ms", remoteTimes.back()), sb::bench::fmt("< %.0f ms", kRemoteTargetMs),
                           remotePass,
                           sb::bench::fmt("median %.1f ms; local %.1f ms in the same run", remoteMedian, localMedian));
    console->reset();
    gateway.kill();
    gateway.waitForFinished(5000);
    return pass && remotePass ? 0 : 1;
}
