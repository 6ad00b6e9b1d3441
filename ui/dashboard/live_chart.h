#pragma once
// One time-series chart of the dashboard: a QChartView with a date-time x axis, a value y
// axis (plus an optional right-hand one), and one QLineSeries per name, created the first
// time the name appears and then only ever updated with one replace() per frame. A gap in
// the data (a NaN value: nobody could say) breaks the line; the part after it is a line of
// its own in the same colour. Axis
// ranges are set here, rounded to nice numbers, and only touched when they change. Markers
// (config versions) are drawn over the plot as dashed vertical lines.
#include <QChart>
#include <QChartView>
#include <QColor>
#include <QHash>
#include <QList>
#include <QPointF>
#include <QString>

#include "common/metric_format.h"
#include "dashboard/chart_markers.h"
#include "dashboard/dashboard_data.h"

class QDateTimeAxis;
class QLineSeries;
class QValueAxis;

class LiveChart final : public QChartView {
    Q_OBJECT
public:
    LiveChart(const QString& title, MetricUnit unit, QWidget* parent = nullptr);

    void setSecondaryUnit(MetricUnit unit);  // adds a right-hand axis for SeriesData::secondaryAxis
    void setTitle(const QString& title);

    // New data for the whole chart. Series missing from `data` are emptied, not removed,
    // so their colours and legend entries stay put.
    void setData(const ChartData& data);
    void setTimeRange(qint64 fromMs, qint64 toMs);
    qint64 timeFrom() const { return m_fromMs; }
    qint64 timeTo() const { return m_toMs; }

    // Vertical dashed lines at moments (config versions); those in the visible range are drawn.
    void setMarkers(const QList<ChartMarker>& markers);
    int visibleMarkerCount() const { return m_markers.visibleCount(); }

    QStringList seriesNames() const;
    QList<QPointF> points(const QString& name) const;
    int runCount(const QString& name) const;  // unbroken lines drawn for the series: gaps + 1
    MetricUnit unit(const QString& name) const;

    void applyTheme(QChart::ChartTheme theme);

signals:
    void zoomRequested(qint64 fromMs, qint64 toMs);  // the user dragged a rubber band
    void savePngRequested();
    void saveCsvRequested();

protected:
    void mouseReleaseEvent(QMouseEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;

private:
    struct Entry {
        QLineSeries* series = nullptr;  // the first run: named, in the legend
        QList<QLineSeries*> continued;  // the runs after each gap, without a legend entry of their own
        QColor colour;
        bool secondary = false;
    };

    Entry& entryFor(const SeriesData& data);
    QLineSeries* addLine(const Entry& entry, const QString& name);
    QPen penOf(const Entry& entry) const;
    void updateValueAxes();
    void showTooltip(const Entry& entry, const QPointF& point, bool state);

    QChart* m_chart;
    QDateTimeAxis* m_xAxis;
    QValueAxis* m_yAxis;
    QValueAxis* m_y2Axis = nullptr;
    MetricUnit m_unit;
    MetricUnit m_secondaryUnit = MetricUnit::Usd;
    QList<QString> m_order;  // creation order: decides colours
    QHash<QString, Entry> m_entries;
    qint64 m_fromMs = 0, m_toMs = 0;
    double m_yMax = -1, m_y2Max = -1;
    bool m_settingRange = false;  // our own setRange, not a rubber band
    ChartMarkers m_markers;
};
