#include "routing/what_if_panel.h"

#include <QGridLayout>
#include <QLabel>

#include <algorithm>
#include <cmath>

#include "common/metric_format.h"

namespace {

double figure(const sb::TierPrediction& p, WhatIfPanel::Metric metric) {
    switch (metric) {
    case WhatIfPanel::P50: return p.p50_ms;
    case WhatIfPanel::P99: return p.p99_ms;
    case WhatIfPanel::ErrorRate: return p.error_rate;
    case WhatIfPanel::CostPer1k: return p.cost_per_1k_usd;
    case WhatIfPanel::MetricCount: break;
    }
    return 0;
}

QString format(double v, WhatIfPanel::Metric metric, const QLocale& locale) {
    switch (metric) {
    case WhatIfPanel::P50:
    case WhatIfPanel::P99: return metric_format::milliseconds(v, locale);
    case WhatIfPanel::ErrorRate: return metric_format::percent(v, locale);
    case WhatIfPanel::CostPer1k: return metric_format::usd(v, locale);
    case WhatIfPanel::MetricCount: break;
    }
    return {};
}

QString signedChange(double delta, WhatIfPanel::Metric metric, const QLocale& locale) {
    if (metric == WhatIfPanel::ErrorRate)  // percentage points, not a percentage of a percentage
        return (delta >= 0 ? QStringLiteral("+") : QStringLiteral("−")) +
               locale.toString(std::abs(delta) * 100, 'f', 1) + QStringLiteral(" pp");
    return (delta >= 0 ? QStringLiteral("+") : QStringLiteral("−")) + format(std::abs(delta), metric, locale);
}

}  // namespace

WhatIfPanel::WhatIfPanel(QWidget* parent) : QGroupBox(tr("What if"), parent), m_basis(new QLabel(this)) {
    auto* grid = new QGridLayout(this);
    const std::array<QString, ColumnCount> headers{tr("Now"), tr("After Apply"), tr("Change")};
    for (int c = 0; c < ColumnCount; ++c) {
        auto* header = new QLabel(QStringLiteral("<b>%1</b>").arg(headers[std::size_t(c)]), this);
        header->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        grid->addWidget(header, 0, c + 1);
    }
    const std::array<QString, MetricCount> names{tr("p50 latency"), tr("p99 latency"), tr("Error rate"),
                                                  tr("Cost per 1,000 requests")};
    for (int m = 0; m < MetricCount; ++m) {
        grid->addWidget(new QLabel(names[std::size_t(m)], this), m + 1, 0);
        for (int c = 0; c < ColumnCount; ++c) {
            auto* cell = new QLabel(QStringLiteral("—"), this);
            cell->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
            cell->setMinimumWidth(90);  // digits changing do not reflow the panel
            m_cells[std::size_t(m)][std::size_t(c)] = cell;
            grid->addWidget(cell, m + 1, c + 1);
        }
    }
    m_basis->setWordWrap(true);
    grid->addWidget(m_basis, MetricCount + 1, 0, 1, ColumnCount + 1);
    grid->setColumnStretch(0, 1);
}

void WhatIfPanel::setPredictions(const QString& tier, const sb::TierPrediction& now, const sb::TierPrediction& after,
                                 const QLocale& locale) {
    setTitle(tr("What if — tier %1 (last hour)").arg(tier));
    const QString none = QStringLiteral("—");
    for (int m = 0; m < MetricCount; ++m) {
        const auto metric = static_cast<Metric>(m);
        auto& row = m_cells[std::size_t(m)];
        const double a = figure(now, metric), b = figure(after, metric);
        row[NowColumn]->setText(now.valid ? format(a, metric, locale) : none);
        row[AfterColumn]->setText(after.valid ? format(b, metric, locale) : none);
        QString change = none;
        QColor colour;
        if (now.valid && after.valid) {
            const double delta = b - a;
            // Lower is better for all four; changes under 0.5% of the figure are noise.
            const bool same = std::abs(delta) <= 0.005 * std::max(std::abs(a), std::abs(b)) || delta == 0;
            change = same ? tr("same") : signedChange(delta, metric, locale);
            if (!same) colour = delta < 0 ? QColor(0x2e, 0x9d, 0x48) : QColor(0xd3, 0x2f, 0x2f);
        }
        row[ChangeColumn]->setText(change);
        m_changeColours[std::size_t(m)] = colour;
        const QString sheet = colour.isValid() ? QStringLiteral("color: %1;").arg(colour.name()) : QString();
        if (row[ChangeColumn]->styleSheet() != sheet) row[ChangeColumn]->setStyleSheet(sheet);
    }
    QStringList missing;
    for (const auto& t : after.targets_without_data) missing << QString::fromStdString(t);
    QString basis = after.valid || now.valid
                        ? tr("Based on %1 requests.").arg(locale.toString(qulonglong(std::max(now.based_on_requests,
                                                                                             after.based_on_requests))))
                        : tr("No requests in the last hour to predict from.");
    if (!missing.isEmpty()) basis += QLatin1Char(' ') + tr("No data for %1.").arg(missing.join(QStringLiteral(", ")));
    m_basis->setText(basis);
}

QString WhatIfPanel::text(Metric metric, Column column) const {
    return m_cells[std::size_t(metric)][std::size_t(column)]->text();
}

QColor WhatIfPanel::changeColour(Metric metric) const { return m_changeColours[std::size_t(metric)]; }

QString WhatIfPanel::basis() const { return m_basis->text(); }
