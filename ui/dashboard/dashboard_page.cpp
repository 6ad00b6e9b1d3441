#include "dashboard/dashboard_page.h"

#include <QComboBox>
#include <QDateTime>
#include <QEvent>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QShortcut>
#include <QTimer>
#include <QVBoxLayout>

#include <chrono>

#include "common/metric_format.h"
#include "dashboard/chart_export.h"
#include "dashboard/dashboard_data.h"
#include "dashboard/demo_traffic_panel.h"
#include "dashboard/kpi_tile.h"
#include "dashboard/live_chart.h"
#include "dashboard/phase_breakdown_view.h"
#include "dashboard/version_markers.h"
#include "engine_bridge.h"

using namespace std::chrono_literals;

namespace {

constexpr auto kLiveWindow = 5min;
constexpr int kRefreshMs = 250;
constexpr qint64 kRollupReloadMs = 15000;  // rollups change once a minute: no need to re-read often
constexpr qint64 kMarkersReloadMs = 1000;   // versions are in memory, but a copy per frame is waste

struct RangeSpec {
    qint64 spanMs;
    qint64 bucketMs;  // merged rollup minutes; a few hundred points per series at most
};

RangeSpec specFor(DashboardPage::Range range) {
    switch (range) {
    case DashboardPage::Range::Live5m: return {300000, 1000};
    case DashboardPage::Range::Hour: return {3600000, 60000};
    case DashboardPage::Range::Day: return {86400000, 300000};
    case DashboardPage::Range::Week: return {7 * 86400000LL, 1800000};
    }
    return {300000, 1000};
}

}  // namespace

DashboardPage::DashboardPage(EngineBridge& bridge, QWidget* parent)
    : QWidget(parent), m_bridge(bridge), m_timer(new QTimer(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(buildToolbar());

    auto* tiles = new QHBoxLayout;
    const std::array<QString, 7> captions{tr("Success (5 min)"),         tr("p99 latency (5 min)"),
                                          tr("Spend today"),             tr("Month-end forecast"),
                                          tr("Cache hit ratio (5 min)"), tr("Requests/s (10 s)"),
                                          tr("Hedged (5 min)")};
    for (std::size_t i = 0; i < m_tiles.size(); ++i) {
        m_tiles[i] = new KpiTile(captions[i], this);
        tiles->addWidget(m_tiles[i]);
    }
    m_tiles[int(Kpi::Hedged)]->hide();  // until a hedge is sent
    layout->addLayout(tiles);

    buildCharts();
    auto* grid = new QGridLayout;
    for (std::size_t i = 0; i < m_charts.size(); ++i) grid->addWidget(m_charts[i], int(i / 3), int(i % 3));
    m_phases = new PhaseBreakdownView(this);
    grid->addWidget(m_phases, 2, 0, 1, 3);
    layout->addLayout(grid, 1);

    m_loader = std::make_unique<RollupLoader>([&api = m_bridge.api()] { return api.open_history(); },
                                                  [this](const RollupLoader::Result& r) { onRollups(r); });

    auto* space = new QShortcut(QKeySequence(Qt::Key_Space), this);
    space->setContext(Qt::WidgetWithChildrenShortcut);
    connect(space, &QShortcut::activated, this, [this] { setPaused(!m_paused); });

    m_timer->setInterval(kRefreshMs);
    connect(m_timer, &QTimer::timeout, this, [this] {
        if (isVisible()) refreshNow();  // hidden pages cost nothing
    });
    m_timer->start();
    setRange(Range::Live5m);
    applyPalette();
}

DashboardPage::~DashboardPage() = default;

QWidget* DashboardPage::buildToolbar() {
    auto* bar = new QWidget(this);
    auto* row = new QHBoxLayout(bar);
    row->setContentsMargins(0, 0, 0, 0);
    m_rangeBox = new QComboBox(bar);
    m_rangeBox->addItem(tr("Live 5 min"), int(Range::Live5m));
    m_rangeBox->addItem(tr("1 hour"), int(Range::Hour));
    m_rangeBox->addItem(tr("24 hours"), int(Range::Day));
    m_rangeBox->addItem(tr("7 days"), int(Range::Week));
    connect(m_rangeBox, &QComboBox::activated, this,
            [this](int index) { setRange(static_cast<Range>(m_rangeBox->itemData(index).toInt())); });
    m_pauseButton = new QPushButton(tr("Pause"), bar);
    m_pauseButton->setToolTip(tr("Pause or resume the charts (Space)"));
    connect(m_pauseButton, &QPushButton::clicked, this, [this] { setPaused(!m_paused); });
    m_liveButton = new QPushButton(tr("Back to live"), bar);
    m_liveButton->hide();
    connect(m_liveButton, &QPushButton::clicked, this, &DashboardPage::backToLive);
    m_instanceBox = new QComboBox(bar);
    m_instanceBox->setToolTip(tr("Every instance of the fleet added together, or one of them"));
    m_instanceBox->hide();
    connect(m_instanceBox, &QComboBox::activated, this, [this](int index) {
        if (m_chooseInstance) m_chooseInstance(m_instanceBox->itemData(index).toString().toStdString());
        refreshNow();
    });
    m_status = new QLabel(bar);
    m_demo = new DemoTrafficPanel(m_bridge, bar);
    row->addWidget(m_rangeBox);
    row->addWidget(m_instanceBox);
    row->addWidget(m_pauseButton);
    row->addWidget(m_liveButton);
    row->addWidget(m_status, 1);
    row->addWidget(m_demo);
    return bar;
}

void DashboardPage::buildCharts() {
    auto make = [this](ChartId id, const QString& title, MetricUnit unit) {
        auto* c = new LiveChart(title, unit, this);
        m_charts[static_cast<std::size_t>(id)] = c;
        connect(c, &LiveChart::zoomRequested, this, &DashboardPage::zoomTo);
        connect(c, &LiveChart::savePngRequested, this, [this, id] { saveWithDialog(id, true); });
        connect(c, &LiveChart::saveCsvRequested, this, [this, id] { saveWithDialog(id, false); });
        return c;
    };
    make(ChartId::RequestRate, tr("Requests/s by provider"), MetricUnit::PerSecond);
    make(ChartId::Latency, {}, MetricUnit::Milliseconds);
    make(ChartId::Errors, {}, MetricUnit::PerSecond);
    make(ChartId::Cost, {}, MetricUnit::UsdPerMinute)->setSecondaryUnit(MetricUnit::Usd);
    make(ChartId::Tokens, tr("Tokens/s"), MetricUnit::TokensPerSecond);
    make(ChartId::CacheHit, tr("Cache hit ratio (%)"), MetricUnit::Percent);
}

void DashboardPage::setRange(Range range) {
    m_range = range;
    m_zoomed = false;
    m_liveButton->hide();
    m_rangeBox->setCurrentIndex(m_rangeBox->findData(int(range)));
    const bool live = range == Range::Live5m;
    chart(ChartId::Latency)->setTitle(live ? tr("Latency p50 / p95 / p99 (ms)")
                                           : tr("Latency mean / max (ms) — history keeps no percentiles"));
    chart(ChartId::Errors)->setTitle(live ? tr("Errors/s by class") : tr("Errors/s (history keeps no classes)"));
    chart(ChartId::Cost)->setTitle(live ? tr("Cost $/min and cumulative today (dashed, right)")
                                        : tr("Cost $/min and cumulative over the range (dashed, right)"));
    if (live) {
        refreshNow();
    } else {
        // Clear the live picture at once; the rollups replace it when the worker is done.
        DashboardData empty;
        empty.untilMs = QDateTime::currentMSecsSinceEpoch();
        empty.sinceMs = empty.untilMs - specFor(range).spanMs;
        draw(empty);
        requestRollups();
    }
    updateStatus();
}

void DashboardPage::setPaused(bool paused) {
    if (paused == m_paused) return;
    m_paused = paused;
    m_pauseButton->setText(paused ? tr("Resume") : tr("Pause"));
    updateStatus();
    if (!paused) refreshNow();
}

void DashboardPage::zoomTo(qint64 fromMs, qint64 toMs) {
    if (toMs <= fromMs) return;
    m_zoomed = true;
    for (auto* c : m_charts) c->setTimeRange(fromMs, toMs);
    m_liveButton->show();
    updateStatus();
}

void DashboardPage::backToLive() {
    m_zoomed = false;
    m_paused = false;
    m_pauseButton->setText(tr("Pause"));
    m_liveButton->hide();
    if (m_range == Range::Live5m)
        refreshNow();
    else
        requestRollups();
    updateStatus();
}

void DashboardPage::setInstanceChoice(std::function<std::vector<std::string>()> instances,
                                      std::function<void(const std::string&)> choose) {
    m_instances = std::move(instances);
    m_chooseInstance = std::move(choose);
    refreshNow();
}

void DashboardPage::refreshNow() {
    if (m_instances) {
        // The fleet's instances as the box's items, kept when unchanged (the choice stays open).
        QStringList ids;
        for (const auto& id : m_instances()) ids << QString::fromStdString(id);
        QStringList shown;
        for (int i = 1; i < m_instanceBox->count(); ++i) shown << m_instanceBox->itemData(i).toString();
        if (ids != shown) {
            const QString chosen = m_instanceBox->currentData().toString();
            m_instanceBox->clear();
            m_instanceBox->addItem(tr("All instances"), QString());
            for (const auto& id : ids) m_instanceBox->addItem(id, id);
            m_instanceBox->setCurrentIndex(std::max(0, m_instanceBox->findData(chosen)));
        }
        m_instanceBox->setVisible(ids.size() > 1);
    }
    const auto snapshot = m_bridge.snapshot(kLiveWindow, 1s);
    const auto k = dashboard_data::kpis(snapshot);
    const QLocale locale;
    const QString none = QStringLiteral("—");
    m_tiles[int(Kpi::SuccessRate)]->setValue(k.hasRequests ? metric_format::percent(k.successRatio, locale) : none);
    m_tiles[int(Kpi::P99)]->setValue(k.hasRequests ? metric_format::milliseconds(k.p99Ms, locale) : none);
    m_tiles[int(Kpi::SpendToday)]->setValue(metric_format::usd(k.costTodayUsd, locale));
    refreshForecast(locale);
    m_tiles[int(Kpi::CacheHitRatio)]->setValue(k.hasRequests ? metric_format::percent(k.cacheHitRatio, locale) : none);
    m_tiles[int(Kpi::RequestsPerSecond)]->setValue(metric_format::rate(k.requestsPerSecond, locale));
    refreshHedged(k, locale);
    if (QDateTime::currentMSecsSinceEpoch() - m_lastMarkersMs >= kMarkersReloadMs) refreshMarkers();

    if (m_paused || m_zoomed) return;
    m_phases->setPhases(snapshot.phases);
    if (m_range == Range::Live5m)
        draw(dashboard_data::fromSnapshot(snapshot));
    else if (QDateTime::currentMSecsSinceEpoch() - m_lastRollupRequestMs >= kRollupReloadMs)
        requestRollups();
}

void DashboardPage::draw(const DashboardData& data) {
    for (const ChartId id : kAllCharts) {
        chart(id)->setData(data.chart(id));
        chart(id)->setTimeRange(data.sinceMs, data.untilMs);
    }
}

void DashboardPage::refreshMarkers() {
    m_lastMarkersMs = QDateTime::currentMSecsSinceEpoch();
    const QList<ChartMarker> markers = versionMarkers(m_bridge.api().config_versions());
    for (auto* c : m_charts) c->setMarkers(markers);  // a no-op when nothing changed
}

void DashboardPage::requestRollups() {
    if (!m_loader) {
        m_historyError = tr("History is off: long ranges need the history database.");
        updateStatus();
        return;
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    m_lastRollupRequestMs = now;
    m_rollupTicket = m_loader->request(now - specFor(m_range).spanMs, now + 60000);  // + the minute in progress
}

void DashboardPage::onRollups(const RollupLoader::Result& result) {
    if (result.ticket != m_rollupTicket || m_range == Range::Live5m || m_zoomed) return;
    m_historyError = result.error;
    updateStatus();
    if (!result.error.isEmpty()) return;
    auto data = dashboard_data::fromRollups(result.rows, result.sinceMs, result.untilMs, specFor(m_range).bucketMs);
    data.untilMs = result.untilMs - 60000;  // the x axis ends now; the minute in progress was only read
    draw(data);
    emit historyLoaded();
}

void DashboardPage::updateStatus() {
    QString text;
    if (!m_historyError.isEmpty() && m_range != Range::Live5m)
        text = m_historyError;
    else if (m_zoomed)
        text = tr("Zoomed: live updates paused");
    else if (m_paused)
        text = tr("Paused (Space resumes)");
    else if (m_range == Range::Live5m)
        text = tr("Live: last 5 min, 1 s resolution");
    else
        text = tr("From history: per-minute rollups");
    m_status->setText(text);
}

void DashboardPage::applyPalette() {
    const bool dark = palette().color(QPalette::Window).lightness() < 128;
    const auto theme = dark ? QChart::ChartThemeDark : QChart::ChartThemeLight;
    for (auto* c : m_charts) c->applyTheme(theme);
    if (m_phases->chart()->theme() != theme) m_phases->chart()->setTheme(theme);
}

void DashboardPage::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange) applyPalette();
    QWidget::changeEvent(event);
}

void DashboardPage::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    refreshNow();  // the timer skipped work while hidden
}

bool DashboardPage::exportChartPng(ChartId id, const QString& path) { return chart_export::savePng(*chart(id), path); }

bool DashboardPage::exportChartCsv(ChartId id, const QString& path) const {
    return chart_export::saveCsv(*chart(id), path);
}

void DashboardPage::saveWithDialog(ChartId id, bool png) {
    const QString suggested = chartKey(id) + (png ? QStringLiteral(".png") : QStringLiteral(".csv"));
    const QString path = QFileDialog::getSaveFileName(this, png ? tr("Save chart as PNG") : tr("Save chart data as CSV"),
                                                      suggested, png ? tr("PNG images (*.png)") : tr("CSV files (*.csv)"));
    if (path.isEmpty()) return;
    const bool ok = png ? exportChartPng(id, path) : exportChartCsv(id, path);
    if (!ok) m_status->setText(tr("Could not write %1").arg(path));
}

QList<QPointF> DashboardPage::seriesPoints(ChartId id, const QString& seriesName) const {
    return chart(id)->points(seriesName);
}

int DashboardPage::seriesRunCount(ChartId id, const QString& seriesName) const {
    return chart(id)->runCount(seriesName);
}

QStringList DashboardPage::seriesNames(ChartId id) const { return chart(id)->seriesNames(); }

// Shown once a hedge was sent in the window: how often, how often it answered first, and what
// the losing attempts cost (the price of the latency gained).
void DashboardPage::refreshHedged(const KpiValues& k, const QLocale& locale) {
    KpiTile* tile = m_tiles[int(Kpi::Hedged)];
    tile->setVisible(k.hedges > 0);
    if (k.hedges == 0) return;
    const double won = double(k.hedgesWon) / double(k.hedges);
    tile->setValue(tr("%1 · %2 won").arg(metric_format::percent(k.hedgeShare, locale), metric_format::percent(won, locale)));
    tile->setToolTip(tr("Hedged requests in the last 5 minutes: %1; answered first by the hedge: %2.\n"
                        "The losing attempts cost %3 (prompt tokens, and what had streamed before the cancel).")
                         .arg(locale.toString(qulonglong(k.hedges)), locale.toString(qulonglong(k.hedgesWon)),
                              metric_format::usd(k.hedgeCostUsd, locale)));
}

QString DashboardPage::kpiText(Kpi kpi) const { return m_tiles[int(kpi)]->value(); }
QString DashboardPage::kpiToolTip(Kpi kpi) const { return m_tiles[int(kpi)]->toolTip(); }
bool DashboardPage::kpiShown(Kpi kpi) const { return m_tiles[int(kpi)]->isVisibleTo(this); }

// The month-end forecast from the spend trend, next to the monthly budget for all traffic
// when one is set; the tooltip shows how it was reached and every budget's state.
void DashboardPage::refreshForecast(const QLocale& locale) {
    const auto forecast = m_bridge.api().spend_forecast();
    const auto budgets = m_bridge.api().budget_status();
    QString value = metric_format::usd(forecast.forecast_usd, locale);
    QStringList tip{tr("Month to date: %1").arg(metric_format::usd(forecast.month_to_date_usd, locale)),
                    tr("Trend: %1 a day over the last %n day(s)", nullptr, forecast.days_in_trend)
                        .arg(metric_format::usd(forecast.daily_rate_usd, locale))};
    for (const auto& b : budgets) {
        if (b.budget.period == sb::BudgetPeriod::Monthly && b.budget.provider.empty() && value.indexOf(QLatin1Char('/')) < 0)
            value += QStringLiteral(" / ") + metric_format::usd(b.budget.limit_usd, locale);
        tip << tr("Budget %1 (%2, %3): %4 of %5 (%6)%7")
                   .arg(QString::fromStdString(b.budget.name), QString::fromUtf8(sb::to_string(b.budget.period).data()),
                        b.budget.provider.empty() ? tr("all providers") : QString::fromStdString(b.budget.provider),
                        metric_format::usd(b.spent_usd, locale), metric_format::usd(b.budget.limit_usd, locale),
                        metric_format::percent(b.fraction, locale),
                        b.acting ? tr(" — %1").arg(QString::fromUtf8(sb::to_string(b.budget.action).data())) : QString());
    }
    m_tiles[int(Kpi::MonthForecast)]->setValue(value);
    m_tiles[int(Kpi::MonthForecast)]->setToolTip(tip.join(QLatin1Char('\n')));
}

QString DashboardPage::chartTitle(ChartId id) const { return chart(id)->chart()->title(); }

int DashboardPage::markerCount(ChartId id) const { return chart(id)->visibleMarkerCount(); }

bool DashboardPage::isLoadingHistory() const { return m_loader && m_loader->busy(); }
