#include "dashboard/chart_markers.h"

#include <QChart>
#include <QFont>
#include <QGraphicsLineItem>
#include <QGraphicsSimpleTextItem>
#include <QPen>

#include <utility>

namespace {
constexpr qreal kMarkerZ = 10;  // above the series
}

ChartMarkers::ChartMarkers(QChart* chart) : m_chart(chart) {}

ChartMarkers::~ChartMarkers() = default;  // the items are children of the chart

ChartMarkers::Items& ChartMarkers::itemsAt(int index) {
    while (m_items.size() <= index) {
        Items items;
        items.line = new QGraphicsLineItem(m_chart);
        items.line->setZValue(kMarkerZ);
        QPen pen(m_colour);
        pen.setStyle(Qt::DashLine);
        pen.setWidthF(1.0);
        pen.setCosmetic(true);
        items.line->setPen(pen);
        items.label = new QGraphicsSimpleTextItem(m_chart);
        items.label->setZValue(kMarkerZ);
        QFont font = items.label->font();
        font.setPointSizeF(font.pointSizeF() * 0.8);
        items.label->setFont(font);
        items.label->setBrush(m_colour);
        items.line->hide();
        items.label->hide();
        m_items.append(items);
    }
    return m_items[index];
}

void ChartMarkers::setMarkers(QList<ChartMarker> markers) { m_markers = std::move(markers); }

void ChartMarkers::setColour(const QColor& colour) {
    if (colour == m_colour) return;
    m_colour = colour;
    for (auto& items : m_items) {
        QPen pen = items.line->pen();
        pen.setColor(colour);
        items.line->setPen(pen);
        items.label->setBrush(colour);
    }
}

void ChartMarkers::layout(qint64 fromMs, qint64 toMs) {
    const QRectF area = m_chart->plotArea();
    int shown = 0;
    if (toMs > fromMs && area.width() > 0) {
        for (const auto& marker : std::as_const(m_markers)) {
            if (marker.atMs < fromMs || marker.atMs > toMs) continue;
            const qreal x = area.left() + area.width() * qreal(marker.atMs - fromMs) / qreal(toMs - fromMs);
            Items& items = itemsAt(shown++);
            items.line->setLine(x, area.top(), x, area.bottom());
            items.line->setToolTip(marker.tooltip);
            items.label->setText(marker.label);
            items.label->setToolTip(marker.tooltip);
            // Right of the line, or left of it where it would leave the plot (a change made "now").
            const qreal width = items.label->boundingRect().width();
            items.label->setPos(x + 2 + width > area.right() ? x - 2 - width : x + 2, area.top());
            items.line->show();
            items.label->show();
        }
    }
    for (int i = shown; i < m_items.size(); ++i) {
        m_items[i].line->hide();
        m_items[i].label->hide();
    }
    m_visible = shown;
}
