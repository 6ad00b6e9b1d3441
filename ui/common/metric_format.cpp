// Numbers as ms / tokens / $ / % text.
#include "common/metric_format.h"

#include <algorithm>
#include <cmath>

namespace metric_format {

QString milliseconds(double ms, const QLocale& locale) {
    if (std::abs(ms) >= 1000) return locale.toString(ms / 1000, 'f', 2) + QStringLiteral(" s");
    return locale.toString(ms, 'f', std::abs(ms) < 10 ? 1 : 0) + QStringLiteral(" ms");
}

QString usd(double dollars, const QLocale& locale) {
    // Per-request costs are fractions of a cent: keep four decimals below one dollar.
    const int decimals = std::abs(dollars) < 1 ? 4 : 2;
    return QStringLiteral("$") + locale.toString(dollars, 'f', decimals);
}

QString percent(double fraction, const QLocale& locale) {
    return locale.toString(fraction * 100, 'f', 1) + QStringLiteral(" %");
}

QString tokens(double count, const QLocale& locale) {
    const double a = std::abs(count);
    if (a >= 1e6) return locale.toString(count / 1e6, 'f', 1) + QStringLiteral(" M");
    if (a >= 1e4) return locale.toString(count / 1e3, 'f', 1) + QStringLiteral(" k");
    return locale.toString(count, 'f', 0);
}

QString bytes(double count, const QLocale& locale) {
    const double a = std::abs(count);
    if (a >= 1024.0 * 1024 * 1024) return locale.toString(count / (1024.0 * 1024 * 1024), 'f', 1) + QStringLiteral(" GB");
    if (a >= 1024.0 * 1024) return locale.toString(count / (1024.0 * 1024), 'f', 1) + QStringLiteral(" MB");
    if (a >= 1024.0) return locale.toString(count / 1024.0, 'f', 1) + QStringLiteral(" KB");
    return locale.toString(count, 'f', 0) + QStringLiteral(" B");
}

QString rate(double perSecond, const QLocale& locale) {
    return locale.toString(perSecond, 'f', perSecond < 10 ? 2 : 1) + QStringLiteral("/s");
}

QString value(double v, MetricUnit unit, const QLocale& locale) {
    switch (unit) {
    case MetricUnit::PerSecond: return rate(v, locale);
    case MetricUnit::Milliseconds: return milliseconds(v, locale);
    case MetricUnit::UsdPerMinute: return usd(v, locale) + QStringLiteral("/min");
    case MetricUnit::Usd: return usd(v, locale);
    case MetricUnit::TokensPerSecond: return tokens(v, locale) + QStringLiteral("/s");
    case MetricUnit::Percent: return locale.toString(v, 'f', 1) + QStringLiteral(" %");
    }
    return locale.toString(v);
}

namespace {

// The fewest decimals (at most 3) that write `step` exactly: 5 → 0, 2.5 → 1, 0.25 → 2.
int decimalsFor(double step) {
    for (int decimals = 0; decimals < 3; ++decimals) {
        const double scaled = step * std::pow(10.0, decimals);
        if (std::abs(scaled - std::round(scaled)) < 1e-6 * std::max(1.0, scaled)) return decimals;
    }
    return 3;
}

}  // namespace

QString axisFormat(MetricUnit unit, double step) {
    const int needed = step > 0 ? decimalsFor(step) : 0;
    switch (unit) {
    case MetricUnit::UsdPerMinute:
    case MetricUnit::Usd: return QStringLiteral("$%.4f");
    case MetricUnit::Percent: return QStringLiteral("%.0f %%");  // the axis is always 0–100
    case MetricUnit::Milliseconds: return QStringLiteral("%6.%1f").arg(needed);
    default: return QStringLiteral("%7.%1f").arg(std::max(1, needed));
    }
}

}  // namespace metric_format
