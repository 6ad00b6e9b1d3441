#pragma once
// The Dashboard: KPI tiles, six time-series charts and the per-provider phase breakdown.
// One QTimer (4 Hz) pulls a metrics snapshot while the page is visible; the live range
// draws the in-memory 1-second buckets, the long ranges draw SQLite per-minute rollups read
// on a worker thread. Applied config versions show as dashed markers on every chart. Pause (Space) and zoom freeze the charts; "Back to live" resumes.
#include <QList>
#include <QPointF>
#include <QString>
#include <QWidget>

#include <functional>
#include <string>
#include <vector>

#include <array>
#include <memory>

#include "dashboard/chart_id.h"
#include "dashboard/rollup_loader.h"

class DemoTrafficPanel;
class EngineBridge;
class KpiTile;
class LiveChart;
class PhaseBreakdownView;
class QComboBox;
class QLabel;
class QPushButton;
class QTimer;
struct DashboardData;
struct KpiValues;

class DashboardPage final : public QWidget {
    Q_OBJECT
public:
    enum class Range { Live5m, Hour, Day, Week };
    enum class Kpi { SuccessRate, P99, SpendToday, MonthForecast, CacheHitRatio, RequestsPerSecond, Hedged };

    explicit DashboardPage(EngineBridge& bridge, QWidget* parent = nullptr);
    ~DashboardPage() override;

    void setRange(Range range);
    Range range() const { return m_range; }
    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }
    void zoomTo(qint64 fromMs, qint64 toMs);  // every chart shows [from, to]; live scrolling stops
    void backToLive();
    bool isZoomed() const { return m_zoomed; }
    // Pulls a snapshot (or asks for rollups) and updates what is not frozen. The timer calls it.
    void refreshNow();
    void applyPalette();  // dark or light chart theme from the widget palette
    // Config versions as markers on every chart; refreshNow() calls it about once a second.
    void refreshMarkers();
    // Attached to a fleet: which instances' figures the live range shows, every instance added
    // together or one. `instances` lists the ids; `choose` takes "" (all) or one id. The box
    // appears once there is more than one instance.
    void setInstanceChoice(std::function<std::vector<std::string>()> instances,
                           std::function<void(const std::string&)> choose);
    QComboBox* instanceBox() const { return m_instanceBox; }

    bool exportChartPng(ChartId chart, const QString& path);
    bool exportChartCsv(ChartId chart, const QString& path) const;

    // For tests and tools.
    QList<QPointF> seriesPoints(ChartId chart, const QString& seriesName) const;
    QStringList seriesNames(ChartId chart) const;
    int seriesRunCount(ChartId chart, const QString& seriesName) const;  // lines drawn: 1 + gaps inside
    QString kpiText(Kpi kpi) const;
    QString kpiToolTip(Kpi kpi) const;
    bool kpiShown(Kpi kpi) const;
    QString chartTitle(ChartId chart) const;
    int markerCount(ChartId chart) const;  // version markers drawn in the visible range
    bool isLoadingHistory() const;  // a rollup read has not come back yet
    QString historyError() const { return m_historyError; }

signals:
    void historyLoaded();  // rollups for the current long range arrived and are drawn

protected:
    void changeEvent(QEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    void refreshForecast(const QLocale& locale);
    void refreshHedged(const KpiValues& k, const QLocale& locale);
    LiveChart* chart(ChartId id) const { return m_charts[static_cast<std::size_t>(id)]; }
    void buildCharts();
    QWidget* buildToolbar();
    void refreshKpisAndPhases();
    void draw(const DashboardData& data);
    void requestRollups();
    void onRollups(const RollupLoader::Result& result);
    void saveWithDialog(ChartId id, bool png);
    void updateStatus();

    EngineBridge& m_bridge;
    QTimer* m_timer;
    std::array<LiveChart*, kAllCharts.size()> m_charts{};
    std::array<KpiTile*, 7> m_tiles{};
    PhaseBreakdownView* m_phases = nullptr;
    DemoTrafficPanel* m_demo = nullptr;
    QComboBox* m_rangeBox = nullptr;
    QComboBox* m_instanceBox = nullptr;
    std::function<std::vector<std::string>()> m_instances;
    std::function<void(const std::string&)> m_chooseInstance;
    QPushButton* m_pauseButton = nullptr;
    QPushButton* m_liveButton = nullptr;
    QLabel* m_status = nullptr;
    std::unique_ptr<RollupLoader> m_loader;  // null when history is off
    Range m_range = Range::Live5m;
    bool m_paused = false;
    bool m_zoomed = false;
    quint64 m_rollupTicket = 0;
    qint64 m_lastRollupRequestMs = 0;
    qint64 m_lastMarkersMs = 0;
    QString m_historyError;
};
