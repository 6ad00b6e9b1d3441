#include "dashboard/phase_breakdown_view.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QHorizontalStackedBarSeries>
#include <QValueAxis>

#include <algorithm>

#include "dashboard/nice_scale.h"

PhaseBreakdownView::PhaseBreakdownView(QWidget* parent)
    : QChartView(parent), m_series(new QHorizontalStackedBarSeries), m_categories(new QBarCategoryAxis),
      m_axis(new QValueAxis) {
    auto* chart = new QChart;
    chart->setTitle(tr("Where the time goes (mean per request, last 5 min)"));
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(4, 4, 4, 4));
    const std::array<QString, kPhases> names{tr("DNS"), tr("connect"), tr("TLS"), tr("first byte"), tr("transfer")};
    for (int i = 0; i < kPhases; ++i) {
        m_sets[i] = new QBarSet(names[i]);
        m_series->append(m_sets[i]);
    }
    chart->addSeries(m_series);
    m_axis->setLabelFormat(QStringLiteral("%6.0f ms"));
    m_axis->setRange(0, 1);
    chart->addAxis(m_categories, Qt::AlignLeft);
    chart->addAxis(m_axis, Qt::AlignBottom);
    m_series->attachAxis(m_categories);
    m_series->attachAxis(m_axis);
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(320, 200);
}

PhaseBreakdownView::Increments PhaseBreakdownView::increments(const sb::PhaseBreakdown& phase) {
    // A phase that did not happen (TLS on plain HTTP, DNS on a reused connection) reads 0,
    // which is below the previous mark: the running maximum makes its increment 0.
    const std::array<double, kPhases> marks{phase.dns_ms, phase.connect_ms, phase.tls_ms, phase.first_byte_ms,
                                            phase.total_ms};
    Increments out{};
    double previous = 0;
    for (int i = 0; i < kPhases; ++i) {
        const double mark = std::max(previous, marks[i]);
        out[i] = mark - previous;
        previous = mark;
    }
    return out;
}

void PhaseBreakdownView::setPhases(const std::vector<sb::PhaseBreakdown>& phases) {
    QStringList providers;
    QList<Increments> values;
    double max = 0;
    for (const auto& phase : phases) {
        if (phase.requests == 0) continue;
        providers.append(QString::fromStdString(phase.provider));
        values.append(increments(phase));
        max = std::max(max, phase.total_ms);
    }
    if (providers == m_providers && values == m_values) return;
    if (providers != m_providers) {
        m_categories->setCategories(providers);
        m_providers = providers;
    }
    m_values = values;
    for (int i = 0; i < kPhases; ++i) {
        QList<qreal> column;
        column.reserve(values.size());
        for (const auto& v : std::as_const(values)) column.append(v[i]);
        m_sets[i]->remove(0, m_sets[i]->count());
        m_sets[i]->append(column);
    }
    const double nice = niceCeil(max * 1.05);
    if (nice != m_max) {
        m_max = nice;
        m_axis->setRange(0, nice);
    }
}
