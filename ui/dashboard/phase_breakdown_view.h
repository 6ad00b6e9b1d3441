#pragma once
// "Where the time goes": per provider, the mean request split into DNS, connect, TLS,
// waiting for the first byte and receiving the rest. curl's phase times are cumulative
// (each counts from the start), so the bars show the increments.
#include <QChartView>
#include <QList>
#include <QStringList>

#include <array>
#include <vector>

#include "metrics/metrics_registry.h"

class QBarCategoryAxis;
class QBarSet;
class QHorizontalStackedBarSeries;
class QValueAxis;

class PhaseBreakdownView final : public QChartView {
    Q_OBJECT
public:
    static constexpr int kPhases = 5;
    using Increments = std::array<double, kPhases>;  // ms: dns, connect, tls, first byte, transfer

    explicit PhaseBreakdownView(QWidget* parent = nullptr);

    void setPhases(const std::vector<sb::PhaseBreakdown>& phases);
    static Increments increments(const sb::PhaseBreakdown& phase);

    QStringList providers() const { return m_providers; }
    QList<Increments> values() const { return m_values; }

private:
    QHorizontalStackedBarSeries* m_series;
    std::array<QBarSet*, kPhases> m_sets{};
    QBarCategoryAxis* m_categories;
    QValueAxis* m_axis;
    QStringList m_providers;
    QList<Increments> m_values;
    double m_max = -1;
};
