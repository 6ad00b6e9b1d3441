#pragma once
// Turns what the core gives (a live MetricsSnapshot, or per-minute SQLite rollups) into the
// point lists the charts draw. Plain data, no widgets: cheap to test and to run per frame.
#include <QList>
#include <QPointF>
#include <QString>

#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include "dashboard/chart_id.h"
#include "metrics/metrics_registry.h"
#include "store/history_query.h"

// A value nobody could give (a watched gateway was out of reach): the chart breaks its line there.
inline constexpr double kNoData = std::numeric_limits<double>::quiet_NaN();

struct SeriesData {
    QString name;
    QList<QPointF> points;  // x: ms since the epoch, y: in the chart's unit, or kNoData
    bool secondaryAxis = false;
};

struct ChartData {
    QList<SeriesData> series;
};

struct DashboardData {
    qint64 sinceMs = 0;
    qint64 untilMs = 0;
    std::array<ChartData, kAllCharts.size()> charts;

    ChartData& chart(ChartId id) { return charts[static_cast<std::size_t>(id)]; }
    const ChartData& chart(ChartId id) const { return charts[static_cast<std::size_t>(id)]; }
};

// Headline numbers of the live window.
struct KpiValues {
    bool hasRequests = false;
    double successRatio = 1;
    double p99Ms = 0;
    double costTodayUsd = 0;
    double cacheHitRatio = 0;
    double requestsPerSecond = 0;  // over the last complete seconds
    // Hedged requests over the window: their share, how many hedges answered first, and what
    // the losing attempts cost.
    std::uint64_t hedges = 0, hedgesWon = 0;
    double hedgeShare = 0;
    double hedgeCostUsd = 0;
};

namespace dashboard_data {

inline const QString kCumulativeToday = QStringLiteral("cumulative today");
inline const QString kCumulativeRange = QStringLiteral("cumulative (range)");
inline const QString kAllErrors = QStringLiteral("all classes");

DashboardData fromSnapshot(const sb::MetricsSnapshot& snapshot);
// Rows grouped by provider; merged into `bucketMs` buckets over [sinceMs, untilMs).
// Rollups keep no percentiles or error classes: latency is mean/max, errors one series.
DashboardData fromRollups(const std::vector<sb::RollupRow>& rows, qint64 sinceMs, qint64 untilMs, qint64 bucketMs);
KpiValues kpis(const sb::MetricsSnapshot& snapshot);

}  // namespace dashboard_data
