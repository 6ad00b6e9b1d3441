// Draws the benchmark plots of docs/PERFORMANCE.md from the results tools/bench leaves in
// build/bench-results (replay-*.json from bench_replay, scale.json from bench_scale), with Qt
// Charts in raster mode (never OpenGL: it crashes under the offscreen platform), the
// Dashboard's colours, and its PNG export.
//
// Usage: QT_QPA_PLATFORM=offscreen bench_plot [results=build/bench-results] [out=docs/performance]
#include <QApplication>
#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QDir>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QValueAxis>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dashboard/chart_export.h"
#include "dashboard/nice_scale.h"

namespace {

// The Dashboard's series colours (ui/dashboard/live_chart.cpp), in the same order.
const QList<QColor> kColours{QColor(0x1f77b4), QColor(0xff7f0e), QColor(0x2ca02c), QColor(0xd62728),
                             QColor(0x9467bd), QColor(0x8c564b), QColor(0xe377c2), QColor(0x17becf)};
const QColor kReferenceGrey(0x9a9a9a);

std::optional<nlohmann::json> read_json(const QString& path) {
    std::ifstream in(path.toStdString());
    if (!in) return std::nullopt;
    auto json = nlohmann::json::parse(in, nullptr, false);
    if (json.is_discarded()) return std::nullopt;
    return json;
}

QChart* new_chart(const QString& title) {
    auto* chart = new QChart;
    chart->setTitle(title);
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(8, 8, 8, 8));
    return chart;
}

bool save(QChart* chart, const QString& path, QSize size = {900, 520}) {
    QChartView view(chart);
    view.setRenderHint(QPainter::Antialiasing);
    view.resize(size);
    view.show();
    const bool ok = chart_export::savePng(view, path);
    std::printf("%s %s\n", ok ? "wrote" : "could not write", qPrintable(path));
    return ok;
}

// ---- replay --------------------------------------------------------------------------------

struct ReplayFile {
    QString name;
    nlohmann::json json;
};

const QStringList kModeLabels{"raw calls", "batching", "batching + cache + tiers"};

// What the bar labels show: whole milliseconds, percentages to one decimal.
double rounded(double value, bool percent) {
    return percent ? std::round(value * 10.0) / 10.0 : std::round(value);
}

// Grouped bars: the reference case's row, then each workload, per mode.
void replay_bars(const std::vector<ReplayFile>& files, const QString& title, const QString& axis_title,
                 const char* field, const char* reference_field, double scale, bool percent_axis, double y_min,
                 const QString& path) {
    auto* chart = new_chart(title);
    auto* series = new QBarSeries;
    auto* reference = new QBarSet("reference case (its table)");
    reference->setColor(kReferenceGrey);
    double top = 0;
    for (const auto& row : files.front().json["reference_case"]) {
        const double v = rounded(row[reference_field].get<double>() * scale, percent_axis);
        reference->append(v);
        top = std::max(top, v);
    }
    series->append(reference);
    for (std::size_t i = 0; i < files.size(); ++i) {
        auto* set = new QBarSet(files[i].name);
        set->setColor(kColours[int(i) % kColours.size()]);
        for (const auto& mode : files[i].json["modes"]) {
            // The bars are the reference case's three rows; the replay's other modes are in its tables.
            const auto name = mode["mode"].get<std::string>();
            if (name != "raw" && name != "batching" && name != "cache") continue;
            const double v = rounded(mode[field].get<double>() * scale, percent_axis);
            set->append(v);
            top = std::max(top, v);
        }
        series->append(set);
    }
    // Values on the bars: above them in dark text, or — where bars reach the top of a
    // percentage axis — inside their tops in white.
    const bool inside = percent_axis && top > 95.0;
    series->setLabelsVisible(true);
    series->setLabelsPosition(inside ? QAbstractBarSeries::LabelsInsideEnd
                                     : QAbstractBarSeries::LabelsOutsideEnd);
    series->setLabelsFormat(percent_axis ? "@value%" : "@value");
    series->setLabelsPrecision(4);
    for (auto* set : series->barSets()) set->setLabelColor(inside ? QColor(Qt::white) : QColor(0x333333));
    chart->addSeries(series);
    auto* x = new QBarCategoryAxis;
    x->append(kModeLabels);
    chart->addAxis(x, Qt::AlignBottom);
    series->attachAxis(x);
    auto* y = new QValueAxis;
    y->setTitleText(axis_title);
    y->setRange(y_min, percent_axis ? (inside ? 100.0 : std::min(100.0, niceCeil(top * 1.15)))
                                    : niceCeil(top * 1.12));
    y->setLabelFormat(percent_axis ? "%.0f%%" : "%.0f");
    chart->addAxis(y, Qt::AlignLeft);
    series->attachAxis(y);
    save(chart, path);
}

// Latency quantiles of each mode, one chart per workload: x = latency (log), y = share answered.
void replay_cdf(const ReplayFile& file, const QString& path) {
    auto* chart = new_chart("Latency distribution, " + file.name + " (every measured request)");
    auto* x = new QLogValueAxis;
    x->setTitleText("latency (ms, log scale)");
    x->setBase(10);
    x->setLabelFormat("%g");
    x->setMinorTickCount(0);
    auto* y = new QValueAxis;
    y->setTitleText("share of requests done (%)");
    y->setRange(0, 100);
    y->setLabelFormat("%.0f%%");
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    double low = 1e9, high = 0;
    int i = 0;
    for (const auto& mode : file.json["modes"]) {
        auto* series = new QLineSeries;
        series->setName(QString::fromStdString(mode["label"].get<std::string>()));
        QList<QPointF> points;
        const auto& q = mode["latency_quantiles_ms"];
        for (std::size_t k = 0; k < q.size(); ++k) {
            const double ms = std::max(0.01, q[k].get<double>());
            points.append({ms, double(k)});
            low = std::min(low, ms);
            high = std::max(high, ms);
        }
        series->replace(points);
        QPen pen(kColours[i++ % kColours.size()]);
        pen.setWidthF(2.0);
        series->setPen(pen);
        chart->addSeries(series);
        series->attachAxis(x);
        series->attachAxis(y);
    }
    x->setRange(std::pow(10.0, std::floor(std::log10(low))), std::pow(10.0, std::ceil(std::log10(high))));
    save(chart, path);
}

// ---- scale ---------------------------------------------------------------------------------

// One line per (run, field) over the in-flight levels (log x).
void scale_lines(const nlohmann::json& scale, const QString& title, const QString& y_title,
                 const std::vector<std::pair<QString, std::pair<const char*, const char*>>>& lines,
                 bool log_y, const QString& path) {
    auto* chart = new_chart(title);
    auto* x = new QLogValueAxis;
    x->setTitleText("requests in flight (log scale)");
    x->setBase(10);
    x->setLabelFormat("%g");
    x->setRange(0.8, 12'500);
    QAbstractAxis* y = nullptr;
    double low = 1e12, high = 0;
    std::vector<QLineSeries*> all;
    int i = 0;
    for (const auto& [name, key] : lines) {
        auto* series = new QLineSeries;
        series->setName(name);
        series->setPointsVisible(true);
        QList<QPointF> points;
        for (const auto& level : scale["in_flight"]) {
            const auto& run = level[key.first];
            if (!run.contains(key.second)) continue;
            const double v = run[key.second].get<double>();
            if (log_y && v <= 0) continue;
            points.append({level["n"].get<double>(), v});
            low = std::min(low, v);
            high = std::max(high, v);
        }
        series->replace(points);
        QPen pen(kColours[i++ % kColours.size()]);
        pen.setWidthF(2.0);
        series->setPen(pen);
        all.push_back(series);
    }
    if (log_y) {
        auto* axis = new QLogValueAxis;
        axis->setBase(10);
        axis->setLabelFormat("%g");
        axis->setRange(std::pow(10.0, std::floor(std::log10(std::max(low, 1e-4)))),
                       std::pow(10.0, std::ceil(std::log10(std::max(high, 1e-3)))));
        y = axis;
    } else {
        auto* axis = new QValueAxis;
        axis->setRange(0, niceCeil(high * 1.1));
        axis->applyNiceNumbers();  // ticks on round numbers
        axis->setLabelFormat("%g");
        y = axis;
    }
    y->setTitleText(y_title);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    for (auto* series : all) {
        chart->addSeries(series);
        series->attachAxis(x);
        series->attachAxis(y);
    }
    save(chart, path);
}

void scale_rate(const nlohmann::json& scale, const QString& path) {
    auto* chart = new_chart("Latency against request rate (open loop, zero-latency upstream)");
    auto* x = new QValueAxis;
    x->setTitleText("requests per second (target)");
    x->setLabelFormat("%.0f");
    auto* y = new QLogValueAxis;
    y->setBase(10);
    y->setLabelFormat("%g");
    y->setTitleText("latency (ms, log scale)");
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    double high = 0, low = 1e12, top_rate = 0;
    int i = 0;
    for (const char* run : {"direct", "gateway"})
        for (const char* field : {"p50_ms", "p99_ms"}) {
            auto* series = new QLineSeries;
            series->setName(QString("%1 %2").arg(run, QString(field).left(3)));
            series->setPointsVisible(true);
            QList<QPointF> points;
            for (const auto& step : scale["rate"]) {
                const double v = std::max(1e-3, step[run][field].get<double>());
                points.append({step["target"].get<double>(), v});
                high = std::max(high, v);
                low = std::min(low, v);
                top_rate = std::max(top_rate, step["target"].get<double>());
            }
            series->replace(points);
            QPen pen(kColours[i++ % kColours.size()]);
            pen.setWidthF(2.0);
            if (QString(field) == "p50_ms") pen.setStyle(Qt::DashLine);
            series->setPen(pen);
            chart->addSeries(series);
            series->attachAxis(x);
            series->attachAxis(y);
        }
    x->setRange(0, niceCeil(top_rate));
    y->setRange(std::pow(10.0, std::floor(std::log10(low))), std::pow(10.0, std::ceil(std::log10(high))));
    save(chart, path);
}

}  // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    const QString results = argc > 1 ? argv[1] : "build/bench-results";
    const QString out = argc > 2 ? argv[2] : "docs/performance";
    QDir().mkpath(out);
    int drawn = 0;

    std::vector<ReplayFile> replays;
    for (const QString& name : {QString("workload-reference-case"), QString("workload-half-repetition")})
        if (auto json = read_json(results + "/replay-" + name + ".json")) replays.push_back({name, *json});
    if (!replays.empty()) {
        replay_bars(replays, "Mean latency per request (failed ones included)", "mean latency (ms)",
                    "mean_ms", "mean_ms", 1.0, false, 0, out + "/replay-latency.png");
        replay_bars(replays, "Success rate", "requests answered (%)", "success", "success", 100.0, true, 80,
                    out + "/replay-success.png");
        replay_bars(replays, "Cost saved against raw calls (per answered request)", "saved (%)",
                    "saved_vs_raw", "saved", 100.0, true, 0, out + "/replay-cost.png");
        for (const auto& file : replays) replay_cdf(file, out + "/replay-cdf-" + file.name + ".png");
        drawn += 3 + int(replays.size());
    } else {
        std::printf("no replay results in %s (run bench_replay with SB_BENCH_RESULTS set)\n",
                    qPrintable(results));
    }

    if (auto scale = read_json(results + "/scale.json"); scale && !(*scale)["in_flight"].empty()) {
        scale_lines(*scale, "p99 latency against requests in flight (zero-latency upstream)",
                    "p99 latency (ms, log scale)",
                    {{"direct to the simulator", {"direct", "p99_ms"}},
                     {"through the gateway", {"gateway", "p99_ms"}},
                     {"transport alone", {"transport", "p99_ms"}},
                     {"engine", {"engine", "p99_ms"}}},
                    true, out + "/scale-latency.png");
        scale_lines(*scale, "CPU per request against requests in flight", "CPU µs per request (log scale)",
                    {{"gateway process", {"gateway", "cpu_us"}},
                     {"transport alone", {"transport", "cpu_us"}},
                     {"engine", {"engine", "cpu_us"}}},
                    true, out + "/scale-cpu.png");
        scale_lines(*scale, "Memory (RSS) under load against requests in flight", "RSS (MB)",
                    {{"gateway process", {"gateway", "rss_mb"}},
                     {"transport alone", {"transport", "rss_mb"}},
                     {"engine", {"engine", "rss_mb"}}},
                    false, out + "/scale-memory.png");
        scale_lines(*scale, "Throughput against requests in flight", "requests per second",
                    {{"direct to the simulator", {"direct", "rate"}},
                     {"through the gateway", {"gateway", "rate"}},
                     {"transport alone", {"transport", "rate"}},
                     {"engine", {"engine", "rate"}}},
                    false, out + "/scale-throughput.png");
        scale_rate(*scale, out + "/scale-rate.png");
        drawn += 5;
    } else {
        std::printf("no scale results in %s (run bench_scale with SB_BENCH_RESULTS set)\n",
                    qPrintable(results));
    }
    return drawn > 0 ? 0 : 1;
}
