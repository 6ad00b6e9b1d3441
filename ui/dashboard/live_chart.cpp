#include "dashboard/live_chart.h"

#include <QContextMenuEvent>
#include <QCursor>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMenu>
#include <QMouseEvent>
#include <QToolTip>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

#include "common/metric_format.h"
#include "dashboard/nice_scale.h"

namespace {

// Colours fixed by creation order, so a provider keeps its colour across themes and refreshes.
const QList<QColor>& seriesColours() {
    static const QList<QColor> colours{QColor(0x1f77b4), QColor(0xff7f0e), QColor(0x2ca02c), QColor(0xd62728),
                                       QColor(0x9467bd), QColor(0x8c564b), QColor(0xe377c2), QColor(0x17becf)};
    return colours;
}

QString timeFormatFor(qint64 spanMs) {
    if (spanMs <= 2 * 3600 * 1000LL) return QStringLiteral("hh:mm:ss");
    if (spanMs <= 36 * 3600 * 1000LL) return QStringLiteral("hh:mm");
    return QStringLiteral("ddd hh:mm");
}

}  // namespace

LiveChart::LiveChart(const QString& title, MetricUnit unit, QWidget* parent)
    : QChartView(parent),
      m_chart(new QChart),
      m_xAxis(new QDateTimeAxis),
      m_yAxis(new QValueAxis),
      m_unit(unit),
      m_markers(m_chart) {
    m_chart->setTitle(title);
    m_chart->setAnimationOptions(QChart::NoAnimation);
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_xAxis->setTickCount(6);
    m_xAxis->setFormat(QStringLiteral("hh:mm:ss"));
    m_yAxis->setLabelFormat(metric_format::axisFormat(unit));
    // A percent axis is 0–100 from the start, so its labels get their full width at the first layout.
    m_yAxis->setRange(0, unit == MetricUnit::Percent ? 100 : 1);
    m_chart->addAxis(m_xAxis, Qt::AlignBottom);
    m_chart->addAxis(m_yAxis, Qt::AlignLeft);
    setChart(m_chart);
    setRenderHint(QPainter::Antialiasing);
    setRubberBand(QChartView::HorizontalRubberBand);
    setMinimumSize(320, 200);

    connect(m_xAxis, &QDateTimeAxis::rangeChanged, this, [this](const QDateTime& min, const QDateTime& max) {
        if (!m_settingRange) emit zoomRequested(min.toMSecsSinceEpoch(), max.toMSecsSinceEpoch());
    });
    connect(m_chart, &QChart::plotAreaChanged, this, [this] { m_markers.layout(m_fromMs, m_toMs); });
}

void LiveChart::setMarkers(const QList<ChartMarker>& markers) {
    if (markers == m_markers.markers()) return;
    m_markers.setMarkers(markers);
    m_markers.layout(m_fromMs, m_toMs);
}

void LiveChart::setSecondaryUnit(MetricUnit unit) {
    if (m_y2Axis) return;
    m_secondaryUnit = unit;
    m_y2Axis = new QValueAxis;
    m_y2Axis->setLabelFormat(metric_format::axisFormat(unit));
    m_y2Axis->setRange(0, 1);
    m_chart->addAxis(m_y2Axis, Qt::AlignRight);
}

void LiveChart::setTitle(const QString& title) {
    if (m_chart->title() != title) m_chart->setTitle(title);
}

QPen LiveChart::penOf(const Entry& entry) const {
    QPen pen(entry.colour);
    pen.setWidthF(1.5);
    if (entry.secondary) pen.setStyle(Qt::DashLine);
    return pen;
}

QLineSeries* LiveChart::addLine(const Entry& entry, const QString& name) {
    auto* line = new QLineSeries(this);
    line->setName(name);
    // Attaching may rescale the axes to the (empty) series: not a user zoom, and undone here.
    m_settingRange = true;
    m_chart->addSeries(line);
    line->attachAxis(m_xAxis);
    line->attachAxis(entry.secondary ? m_y2Axis : m_yAxis);
    if (m_toMs > m_fromMs)
        m_xAxis->setRange(QDateTime::fromMSecsSinceEpoch(m_fromMs), QDateTime::fromMSecsSinceEpoch(m_toMs));
    m_yAxis->setRange(0, std::max(m_yMax, 1.0));
    if (m_y2Axis) m_y2Axis->setRange(0, std::max(m_y2Max, 1.0));
    m_settingRange = false;
    line->setPen(penOf(entry));
    connect(line, &QXYSeries::hovered, this, [this, name](const QPointF& point, bool state) {
        showTooltip(m_entries.value(name), point, state);
    });
    return line;
}

LiveChart::Entry& LiveChart::entryFor(const SeriesData& data) {
    auto it = m_entries.find(data.name);
    if (it != m_entries.end()) return *it;
    Entry entry;
    entry.colour = seriesColours().at(m_order.size() % seriesColours().size());
    entry.secondary = data.secondaryAxis && m_y2Axis;
    entry.series = addLine(entry, data.name);
    m_order.append(data.name);
    return *m_entries.insert(data.name, entry);
}

void LiveChart::setData(const ChartData& data) {
    QList<QString> updated;
    for (const auto& s : data.series) {
        Entry& entry = entryFor(s);
        updated.append(s.name);
        const bool whole = std::none_of(s.points.begin(), s.points.end(), [](const QPointF& p) { return std::isnan(p.y()); });
        if (whole) {  // the usual case, every refresh: one replace, nothing copied
            entry.series->replace(s.points);
            for (auto* line : entry.continued)
                if (line->count() > 0) line->clear();
            continue;
        }
        // Runs of known values; a NaN ends one.
        QList<QList<QPointF>> runs(1);
        for (const auto& p : s.points) {
            if (std::isnan(p.y())) {
                if (!runs.last().isEmpty()) runs.append(QList<QPointF>{});
            } else {
                runs.last().append(p);
            }
        }
        while (entry.continued.size() < runs.size() - 1) {
            auto* line = addLine(entry, s.name);
            for (auto* marker : m_chart->legend()->markers(line)) marker->setVisible(false);
            entry.continued.append(line);
        }
        entry.series->replace(runs[0]);
        for (qsizetype i = 0; i < entry.continued.size(); ++i)
            entry.continued[i]->replace(i + 1 < runs.size() ? runs[i + 1] : QList<QPointF>{});
    }
    for (const auto& name : std::as_const(m_order)) {
        if (updated.contains(name)) continue;
        const Entry& entry = m_entries[name];
        if (entry.series->count() > 0) entry.series->clear();
        for (auto* line : entry.continued) line->clear();
    }
    updateValueAxes();
}

void LiveChart::setTimeRange(qint64 fromMs, qint64 toMs) {
    if (toMs <= fromMs) toMs = fromMs + 1000;
    if (fromMs == m_fromMs && toMs == m_toMs) return;
    if (toMs - fromMs != m_toMs - m_fromMs) m_xAxis->setFormat(timeFormatFor(toMs - fromMs));
    m_fromMs = fromMs;
    m_toMs = toMs;
    m_settingRange = true;
    m_xAxis->setRange(QDateTime::fromMSecsSinceEpoch(fromMs), QDateTime::fromMSecsSinceEpoch(toMs));
    m_settingRange = false;
    updateValueAxes();
    m_markers.layout(fromMs, toMs);
}

void LiveChart::updateValueAxes() {
    // The maximum over the visible window only.
    double max = 0, max2 = 0;
    for (const auto& entry : std::as_const(m_entries)) {
        double& target = entry.secondary ? max2 : max;
        for (const auto* line : QList<QLineSeries*>{entry.series} + entry.continued) {
            const auto points = line->points();
            for (const auto& p : points)
                if (p.x() >= double(m_fromMs) && p.x() <= double(m_toMs)) target = std::max(target, p.y());
        }
    }
    const double nice = m_unit == MetricUnit::Percent ? 100.0 : niceCeil(max * 1.05);
    if (nice != m_yMax) {
        m_yMax = nice;
        m_yAxis->setRange(0, nice);
        m_yAxis->setLabelFormat(metric_format::axisFormat(m_unit, nice / (m_yAxis->tickCount() - 1)));
    }
    if (m_y2Axis) {
        const double nice2 = niceCeil(max2 * 1.05);
        if (nice2 != m_y2Max) {
            m_y2Max = nice2;
            m_y2Axis->setRange(0, nice2);
            m_y2Axis->setLabelFormat(metric_format::axisFormat(m_secondaryUnit, nice2 / (m_y2Axis->tickCount() - 1)));
        }
    }
}

QStringList LiveChart::seriesNames() const { return m_order; }

QList<QPointF> LiveChart::points(const QString& name) const {
    const auto it = m_entries.find(name);
    if (it == m_entries.end()) return {};
    QList<QPointF> points = it->series->points();
    for (const auto* line : it->continued) points += line->points();
    return points;
}

int LiveChart::runCount(const QString& name) const {
    const auto it = m_entries.find(name);
    if (it == m_entries.end()) return 0;
    int runs = it->series->count() > 0 ? 1 : 0;
    for (const auto* line : it->continued) runs += line->count() > 0 ? 1 : 0;
    return runs;
}

MetricUnit LiveChart::unit(const QString& name) const {
    return m_entries.value(name).secondary ? m_secondaryUnit : m_unit;
}

void LiveChart::applyTheme(QChart::ChartTheme theme) {
    if (m_chart->theme() == theme) return;
    m_chart->setTheme(theme);
    // setTheme resets pens: put our fixed colours back.
    for (const auto& entry : std::as_const(m_entries))
        for (auto* line : QList<QLineSeries*>{entry.series} + entry.continued) line->setPen(penOf(entry));
}

void LiveChart::showTooltip(const Entry& entry, const QPointF& point, bool state) {
    if (!state || !entry.series) {
        QToolTip::hideText();
        return;
    }
    // `point` is where the cursor meets the line; report the nearest real sample.
    const auto points = this->points(entry.series->name());
    if (points.isEmpty()) return;
    const auto nearest = std::min_element(points.begin(), points.end(), [&](const QPointF& a, const QPointF& b) {
        return std::abs(a.x() - point.x()) < std::abs(b.x() - point.x());
    });
    const auto time = QDateTime::fromMSecsSinceEpoch(qint64(nearest->x())).toString(QStringLiteral("yyyy-MM-dd hh:mm:ss"));
    const auto value = metric_format::value(nearest->y(), entry.secondary ? m_secondaryUnit : m_unit);
    QToolTip::showText(QCursor::pos(), QStringLiteral("%1\n%2\n%3").arg(entry.series->name(), value, time), this);
}

void LiveChart::mouseReleaseEvent(QMouseEvent* event) {
    // QChartView zooms out on a right click; here the right button opens the context menu.
    if (event->button() == Qt::RightButton) {
        event->accept();
        return;
    }
    QChartView::mouseReleaseEvent(event);
}

void LiveChart::contextMenuEvent(QContextMenuEvent* event) {
    QMenu menu(this);
    connect(menu.addAction(tr("Save as PNG…")), &QAction::triggered, this, &LiveChart::savePngRequested);
    connect(menu.addAction(tr("Save visible data as CSV…")), &QAction::triggered, this, &LiveChart::saveCsvRequested);
    menu.exec(event->globalPos());
}
