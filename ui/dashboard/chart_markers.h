#pragma once
// Vertical markers on a time chart: a thin dashed line across the plot area at a moment,
// with a short label at the top and a tooltip (the dashboard marks config versions with
// them). Plain graphics items on the chart, placed from the x axis range and the plot
// area — not series, so they never touch the legend or the value axes.
#include <QColor>
#include <QList>
#include <QString>

class QChart;
class QGraphicsLineItem;
class QGraphicsSimpleTextItem;

struct ChartMarker {
    qint64 atMs = 0;
    QString label;    // short, drawn on the chart: "v12"
    QString tooltip;  // the whole story: time, author, what changed
    bool operator==(const ChartMarker&) const = default;
};

class ChartMarkers final {
public:
    explicit ChartMarkers(QChart* chart);
    ~ChartMarkers();
    ChartMarkers(const ChartMarkers&) = delete;
    ChartMarkers& operator=(const ChartMarkers&) = delete;

    void setMarkers(QList<ChartMarker> markers);  // then call layout()
    // Places the markers in [fromMs, toMs] over the chart's plot area and hides the others.
    void layout(qint64 fromMs, qint64 toMs);
    void setColour(const QColor& colour);

    int visibleCount() const { return m_visible; }
    const QList<ChartMarker>& markers() const { return m_markers; }

private:
    struct Items {
        QGraphicsLineItem* line = nullptr;
        QGraphicsSimpleTextItem* label = nullptr;
    };
    Items& itemsAt(int index);  // created on first use, reused after

    QChart* m_chart;
    QList<ChartMarker> m_markers;
    QList<Items> m_items;
    QColor m_colour{0x88, 0x88, 0x88};
    int m_visible = 0;
};
