// The Dashboard page over a real engine and a loopback simulator: live charts fill from
// the in-memory snapshot, errors show by class, pause and zoom freeze the charts, export
// writes PNG and CSV, and the 1 h range draws SQLite rollups read off the UI thread.
#include <QChartView>
#include <QGraphicsLineItem>
#include <QGraphicsScene>
#include <QImage>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <future>
#include <vector>

#include "../support/engine_fixture.h"
#include "../support/page_fixture.h"
#include "common/metric_format.h"
#include "dashboard/dashboard_data.h"
#include "dashboard/dashboard_page.h"
#include "dashboard/phase_breakdown_view.h"
#include "engine/engine.h"
#include "local_engine_host.h"
#include "store/history_writer.h"

using namespace std::chrono_literals;

namespace {

bool anyAbove(const QList<QPointF>& points, double threshold = 0) {
    for (const auto& p : points)
        if (p.y() > threshold) return true;
    return false;
}

}  // namespace

class TestDashboard : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<sb::Simulator> m_simulator;
    std::unique_ptr<LocalEngineHost> m_bridge;
    std::unique_ptr<DashboardPage> m_page;

    // Sends `count` requests and waits for all of them.
    void send(int count, const std::string& provider = "openai", bool fault = false) {
        std::vector<sb::ChatRequest> requests(static_cast<std::size_t>(count));
        for (int i = 0; i < count; ++i) {
            sb::ChatRequest& request = requests[std::size_t(i)];
            request.messages = {{sb::Role::User, "Where is my order " + std::to_string(i) + "?"}};
            request.provider = provider;
            request.source = "test";
            if (fault) request.extra_headers.emplace_back("x-sim-fault", "server_error");
        }
        sb::test::submit_all(m_bridge->engine(), std::move(requests));
    }

private slots:
    void initTestCase() {
        QLocale::setDefault(QLocale::c());  // KPI text is formatted with the default locale
        QVERIFY(m_dir.isValid());
        std::uint16_t port = 0;
        m_simulator = sb::test::start_simulator({}, &port);
        QVERIFY(m_simulator);
        sb::EngineOptions options;
        options.config = sb::test::simulator_config(port);
        options.config.retry.max_attempts = 1;  // forced faults fail fast
        options.config.budgets = {sb::Budget{"team monthly", sb::BudgetPeriod::Monthly, "", 2000, 0.8, sb::BudgetAction::Warn, ""}};
        options.database = m_dir.filePath("history.db").toStdString();
        options.history = true;
        options.retry_uniform = [] { return 0.0; };
        // Hedging on, after a fixed 300 ms: the simulator answers at once, so only a request made
        // slow on purpose is hedged.
        options.config.retry.hedge.enabled = true;
        options.config.retry.hedge.quantile = 0;
        options.config.retry.hedge.after = 300ms;
        options.config.retry.hedge.max_share = 1.0;
        auto bridge = LocalEngineHost::create(std::move(options));
        QVERIFY2(bridge, bridge ? "" : qPrintable(bridge.error()));
        m_bridge = std::move(*bridge);
        m_page = std::make_unique<DashboardPage>(*m_bridge);
        m_page->resize(1400, 900);
        m_page->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_page.get()));
    }

    void cleanupTestCase() {
        m_page.reset();
        m_bridge.reset();
        m_simulator.reset();
    }

    void formatsWithPinnedLocale_data() {
        QTest::addColumn<double>("value");
        QTest::addColumn<int>("unit");
        QTest::addColumn<QString>("c");
        QTest::addColumn<QString>("german");
        QTest::newRow("ms") << 850.4 << int(MetricUnit::Milliseconds) << "850 ms" << "850 ms";
        QTest::newRow("small ms") << 2.25 << int(MetricUnit::Milliseconds) << "2.3 ms" << "2,3 ms";
        QTest::newRow("seconds") << 1250.0 << int(MetricUnit::Milliseconds) << "1.25 s" << "1,25 s";
        QTest::newRow("cents") << 0.0042 << int(MetricUnit::Usd) << "$0.0042" << "$0,0042";
        QTest::newRow("dollars") << 12.345 << int(MetricUnit::Usd) << "$12.35" << "$12,35";
        QTest::newRow("percent") << 97.34 << int(MetricUnit::Percent) << "97.3 %" << "97,3 %";
        QTest::newRow("tokens") << 12300.0 << int(MetricUnit::TokensPerSecond) << "12.3 k/s" << "12,3 k/s";
        QTest::newRow("rate") << 2.5 << int(MetricUnit::PerSecond) << "2.50/s" << "2,50/s";
    }
    void formatsWithPinnedLocale() {
        QFETCH(double, value);
        QFETCH(int, unit);
        QFETCH(QString, c);
        QFETCH(QString, german);
        QCOMPARE(metric_format::value(value, MetricUnit(unit), QLocale::c()), c);
        QCOMPARE(metric_format::value(value, MetricUnit(unit), QLocale(QLocale::German, QLocale::Germany)), german);
        QCOMPARE(metric_format::percent(0.9734, QLocale::c()), QStringLiteral("97.3 %"));
    }

    // Axis labels write their ticks exactly: a 0–25 axis in quarters is 6.25, 12.5, 18.75 —
    // not "6.3" and "18.8".
    void axisLabelsHaveTheDecimalsTheirStepNeeds() {
        QCOMPARE(metric_format::axisFormat(MetricUnit::PerSecond, 6.25), QStringLiteral("%7.2f"));
        QCOMPARE(metric_format::axisFormat(MetricUnit::PerSecond, 12.5), QStringLiteral("%7.1f"));
        QCOMPARE(metric_format::axisFormat(MetricUnit::PerSecond, 250), QStringLiteral("%7.1f"));
        QCOMPARE(metric_format::axisFormat(MetricUnit::TokensPerSecond, 0.25), QStringLiteral("%7.2f"));
        QCOMPARE(metric_format::axisFormat(MetricUnit::Milliseconds, 1250), QStringLiteral("%6.0f"));
        QCOMPARE(metric_format::axisFormat(MetricUnit::Milliseconds, 2.5), QStringLiteral("%6.1f"));
        QCOMPARE(metric_format::axisFormat(MetricUnit::Percent, 25), QStringLiteral("%.0f %%"));
        QCOMPARE(QString::asprintf(qPrintable(metric_format::axisFormat(MetricUnit::PerSecond, 6.25)), 18.75),
                 QStringLiteral("  18.75"));
    }

    void phasesShowIncrementsOfCumulativeTimes() {
        sb::PhaseBreakdown phase;
        phase.dns_ms = 2;
        phase.connect_ms = 5;
        phase.tls_ms = 0;  // plain HTTP: no TLS phase
        phase.first_byte_ms = 45;
        phase.total_ms = 60;
        const auto inc = PhaseBreakdownView::increments(phase);
        QCOMPARE(inc[0], 2.0);
        QCOMPARE(inc[1], 3.0);
        QCOMPARE(inc[2], 0.0);
        QCOMPARE(inc[3], 40.0);
        QCOMPARE(inc[4], 15.0);
    }

    void liveChartsShowTraffic() {
        QCOMPARE(m_page->kpiText(DashboardPage::Kpi::SuccessRate), QStringLiteral("—"));
        send(50, "openai");
        send(10, "anthropic");
        QTRY_VERIFY(anyAbove(m_page->seriesPoints(ChartId::RequestRate, QStringLiteral("openai"))));
        QTRY_VERIFY(anyAbove(m_page->seriesPoints(ChartId::RequestRate, QStringLiteral("anthropic"))));
        QVERIFY(m_page->seriesNames(ChartId::RequestRate).contains(QStringLiteral("local")) == false);
        for (const auto* name : {"p50", "p95", "p99"})
            QVERIFY2(anyAbove(m_page->seriesPoints(ChartId::Latency, QString::fromLatin1(name))), name);
        QVERIFY(anyAbove(m_page->seriesPoints(ChartId::Tokens, QStringLiteral("output"))));
        // 300 one-second frames in the live window, one point each.
        const auto rate = m_page->seriesPoints(ChartId::RequestRate, QStringLiteral("openai"));
        QVERIFY(rate.size() >= 299 && rate.size() <= 302);
        QCOMPARE(m_page->kpiText(DashboardPage::Kpi::SuccessRate), QStringLiteral("100.0 %"));
        QVERIFY(m_page->kpiText(DashboardPage::Kpi::P99).endsWith(QStringLiteral(" ms")) ||
                m_page->kpiText(DashboardPage::Kpi::P99).endsWith(QStringLiteral(" s")));
        QVERIFY(m_page->kpiText(DashboardPage::Kpi::SpendToday).startsWith(QLatin1Char('$')));
        QTRY_VERIFY(m_page->kpiText(DashboardPage::Kpi::RequestsPerSecond) != QStringLiteral("0.00/s"));
    }

    void monthEndForecastShowsTheTrendAndTheBudget() {
        send(5, "openai");
        QTRY_VERIFY(m_bridge->engine().spend_forecast().month_to_date_usd > 0);
        m_page->refreshNow();
        const QString value = m_page->kpiText(DashboardPage::Kpi::MonthForecast);
        const auto forecast = m_bridge->engine().spend_forecast();
        QVERIFY(forecast.forecast_usd >= forecast.month_to_date_usd);
        QCOMPARE(value, metric_format::usd(forecast.forecast_usd) + QStringLiteral(" / ") + metric_format::usd(2000));
        const QString tip = m_page->kpiToolTip(DashboardPage::Kpi::MonthForecast);
        QVERIFY2(tip.contains(QStringLiteral("Month to date: $")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("Budget team monthly (monthly, all providers)")), qPrintable(tip));
    }

    void errorsShowByClassAfterFaults() {
        QVERIFY(!anyAbove(m_page->seriesPoints(ChartId::Errors, QStringLiteral("server_transient"))));
        send(5, "openai", true);
        QTRY_VERIFY(anyAbove(m_page->seriesPoints(ChartId::Errors, QStringLiteral("server_transient"))));
        QTRY_VERIFY(m_page->kpiText(DashboardPage::Kpi::SuccessRate) != QStringLiteral("100.0 %"));
    }

    void pauseFreezesTheCharts() {
        m_page->setPaused(true);
        QVERIFY(m_page->isPaused());
        const auto before = m_page->seriesPoints(ChartId::RequestRate, QStringLiteral("openai"));
        send(20, "openai");
        QTest::qWait(1200);  // the window moves on by at least one frame
        m_page->refreshNow();
        QCOMPARE(m_page->seriesPoints(ChartId::RequestRate, QStringLiteral("openai")), before);
        m_page->setPaused(false);
        QVERIFY(m_page->seriesPoints(ChartId::RequestRate, QStringLiteral("openai")) != before);
    }

    void zoomFreezesUntilBackToLive() {
        const auto points = m_page->seriesPoints(ChartId::RequestRate, QStringLiteral("openai"));
        QVERIFY(points.size() > 60);
        const qint64 from = qint64(points[points.size() - 60].x());
        const qint64 to = qint64(points[points.size() - 30].x());
        m_page->zoomTo(from, to);
        QVERIFY(m_page->isZoomed());
        QTest::qWait(1100);
        m_page->refreshNow();
        QCOMPARE(m_page->seriesPoints(ChartId::RequestRate, QStringLiteral("openai")), points);

        // The CSV holds the visible (zoomed) range only: 31 one-second samples per series.
        const QString csv = m_dir.filePath("zoomed.csv");
        QVERIFY(m_page->exportChartCsv(ChartId::RequestRate, csv));
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly | QIODevice::Text));
        const auto lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        const auto series = m_page->seriesNames(ChartId::RequestRate).size();
        QCOMPARE(lines.size(), 1 + 31 * series);

        m_page->backToLive();
        QVERIFY(!m_page->isZoomed());
        QVERIFY(m_page->seriesPoints(ChartId::RequestRate, QStringLiteral("openai")) != points);
    }

    void hiddenPageSkipsWorkAndCatchesUpWhenShown() {
        m_page->hide();
        QTest::qWait(300);  // let a tick that was already due pass
        const auto before = m_page->seriesPoints(ChartId::RequestRate, QStringLiteral("openai"));
        send(5, "openai");
        QTest::qWait(1200);  // several timer ticks and at least one new frame
        QCOMPARE(m_page->seriesPoints(ChartId::RequestRate, QStringLiteral("openai")), before);
        m_page->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_page.get()));
        QVERIFY(m_page->seriesPoints(ChartId::RequestRate, QStringLiteral("openai")) != before);
    }

    void exportCsvMatchesTheSeries() {
        m_page->setPaused(true);  // the same frame for the export and the comparison
        const QString path = m_dir.filePath("rate.csv");
        QVERIFY(m_page->exportChartCsv(ChartId::RequestRate, path));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly | QIODevice::Text));
        const auto lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.first(), QStringLiteral("series,time_ms,time_utc,value"));
        int expected = 0;
        for (const auto& name : m_page->seriesNames(ChartId::RequestRate))
            expected += int(m_page->seriesPoints(ChartId::RequestRate, name).size());
        QCOMPARE(lines.size(), 1 + expected);
        // Rows of a series follow its points in order.
        const auto openai = m_page->seriesPoints(ChartId::RequestRate, QStringLiteral("openai"));
        QStringList openaiRows;
        for (const auto& line : lines)
            if (line.startsWith(QStringLiteral("\"openai\","))) openaiRows.append(line);
        QCOMPARE(openaiRows.size(), openai.size());
        for (qsizetype i = 0; i < openai.size(); ++i) {
            const auto cells = openaiRows[i].split(QLatin1Char(','));
            QCOMPARE(cells[1].toLongLong(), qint64(openai[i].x()));
            QCOMPARE(cells[3].toDouble(), openai[i].y());
        }
        m_page->setPaused(false);
    }

    void exportPngIsAnImage() {
        const QString path = m_dir.filePath("latency.png");
        QVERIFY(m_page->exportChartPng(ChartId::Latency, path));
        QVERIFY(QFileInfo(path).size() > 0);
        QImage image;
        QVERIFY(image.load(path, "PNG"));
        QVERIFY(image.width() > 100 && image.height() > 100);
    }

    void hourRangeDrawsRollups() {
        QVERIFY(m_bridge->engine().history());
        QVERIFY(m_bridge->engine().history()->flush(5000ms).has_value());
        QSignalSpy loaded(m_page.get(), &DashboardPage::historyLoaded);
        m_page->setRange(DashboardPage::Range::Hour);
        QVERIFY(m_page->chartTitle(ChartId::Latency).contains(QStringLiteral("no percentiles")));
        QTRY_VERIFY(loaded.count() >= 1);
        QVERIFY(m_page->historyError().isEmpty());
        QVERIFY(!m_page->isLoadingHistory());
        const auto rate = m_page->seriesPoints(ChartId::RequestRate, QStringLiteral("openai"));
        QVERIFY(anyAbove(rate));
        QVERIFY(rate.size() >= 60 && rate.size() <= 62);  // one-minute buckets
        QVERIFY(anyAbove(m_page->seriesPoints(ChartId::Latency, QStringLiteral("mean"))));
        QVERIFY(anyAbove(m_page->seriesPoints(ChartId::Latency, QStringLiteral("max"))));
        QVERIFY(anyAbove(m_page->seriesPoints(ChartId::Errors, QStringLiteral("all classes"))));

        m_page->setRange(DashboardPage::Range::Week);
        QTRY_VERIFY(loaded.count() >= 2);
        QVERIFY(anyAbove(m_page->seriesPoints(ChartId::RequestRate, QStringLiteral("openai"))));

        m_page->setRange(DashboardPage::Range::Live5m);
        QVERIFY(anyAbove(m_page->seriesPoints(ChartId::Latency, QStringLiteral("p99"))));
    }

    void darkPaletteSwitchesTheme() {
        QPalette dark = m_page->palette();
        dark.setColor(QPalette::Window, QColor(0x20, 0x20, 0x20));
        m_page->setPalette(dark);
        QVERIFY(m_page->findChild<QChartView*>()->chart()->theme() == QChart::ChartThemeDark);
        m_page->setPalette(QPalette(QColor(0xf0, 0xf0, 0xf0)));
        QVERIFY(m_page->findChild<QChartView*>()->chart()->theme() == QChart::ChartThemeLight);
    }

    void versionMarkerAppearsAfterApply() {
        m_page->setRange(DashboardPage::Range::Live5m);
        m_page->backToLive();
        m_page->refreshMarkers();
        QCOMPARE(m_page->markerCount(ChartId::Latency), 0);  // a fresh database: no versions yet

        auto routing = m_bridge->engine().routing();
        QVERIFY(!routing.tiers.empty() && routing.tiers[0].targets.size() >= 2);
        routing.tiers[0].targets[1].weight += 1;
        const auto version = m_bridge->engine().apply_routing(routing, "test");
        QVERIFY2(version.has_value(), version ? "" : version.error().c_str());

        QTRY_COMPARE(m_page->markerCount(ChartId::Latency), 1);  // the refresh timer picks it up
        for (const ChartId id : kAllCharts) QCOMPARE(m_page->markerCount(id), 1);
        // Drawn as a dashed line inside the plot area.
        auto* view = m_page->findChildren<QChartView*>().at(int(ChartId::Latency));
        int dashed = 0;
        for (auto* item : view->scene()->items()) {
            auto* line = dynamic_cast<QGraphicsLineItem*>(item);
            if (!line || !line->isVisible() || line->pen().style() != Qt::DashLine) continue;
            ++dashed;
            QVERIFY(view->chart()->plotArea().adjusted(-1, -1, 1, 1).contains(line->line().p1()));
            QVERIFY(line->toolTip().contains(QString::fromStdString(version->summary)));
        }
        QCOMPARE(dashed, 1);

        // Out of range when zoomed to a time before the change; back when live again.
        const qint64 before = version->at_ms - 120000;
        m_page->zoomTo(before, before + 30000);
        QCOMPARE(m_page->markerCount(ChartId::Latency), 0);
        m_page->backToLive();
        QCOMPARE(m_page->markerCount(ChartId::Latency), 1);
    }

    void hedgedTileAppearsOnceAHedgeIsSent() {
        m_page->refreshNow();
        QVERIFY(!m_page->kpiShown(DashboardPage::Kpi::Hedged));  // nothing hedged yet
        sb::ChatRequest request;
        request.messages = {{sb::Role::User, "A slow question"}};
        request.provider = "openai";  // pinned: the hedge goes to the same target, as slow
        request.source = "test";
        request.extra_headers.emplace_back("x-sim-latency-ms", "900");
        auto future = m_bridge->engine().submit(std::move(request));
        const auto result = sb::test::wait_for(future);
        QVERIFY(result.ok());
        QVERIFY(result.hedge.has_value());
        QTRY_VERIFY(m_page->kpiShown(DashboardPage::Kpi::Hedged));
        QVERIFY2(m_page->kpiText(DashboardPage::Kpi::Hedged).contains(QStringLiteral("won")),
                 qPrintable(m_page->kpiText(DashboardPage::Kpi::Hedged)));
        QVERIFY2(m_page->kpiToolTip(DashboardPage::Kpi::Hedged).startsWith(QStringLiteral("Hedged requests in the last 5 minutes: 1;")),
                 qPrintable(m_page->kpiToolTip(DashboardPage::Kpi::Hedged)));
    }
};

QTEST_MAIN(TestDashboard)
#include "tst_dashboard.moc"
