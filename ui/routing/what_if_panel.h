#pragma once
// What-if for one tier: p50, p99, error rate and cost per 1,000 requests predicted from the
// last hour of per-target history, under the applied weights ("Now") and the draft weights
// ("After Apply"), side by side with the change — green when it is better, red when worse.
#include <QColor>
#include <QGroupBox>
#include <QLocale>

#include <array>

#include "cost/what_if.h"

class QLabel;

class WhatIfPanel final : public QGroupBox {
    Q_OBJECT
public:
    enum Metric { P50, P99, ErrorRate, CostPer1k, MetricCount };
    enum Column { NowColumn, AfterColumn, ChangeColumn, ColumnCount };

    explicit WhatIfPanel(QWidget* parent = nullptr);

    void setPredictions(const QString& tier, const sb::TierPrediction& now, const sb::TierPrediction& after,
                        const QLocale& locale = QLocale());

    QString text(Metric metric, Column column) const;
    QColor changeColour(Metric metric) const;
    QString basis() const;

private:
    std::array<std::array<QLabel*, ColumnCount>, MetricCount> m_cells{};
    std::array<QColor, MetricCount> m_changeColours{};
    QLabel* m_basis = nullptr;
};
