#pragma once
// The one place that turns numbers into ms / tokens / $ / % text, for tiles, tooltips and
// axis labels. Takes the locale explicitly so tests can pin it.
#include <QLocale>
#include <QString>

// What a number means: the formatter turns a value plus its unit into text.
enum class MetricUnit { PerSecond, Milliseconds, UsdPerMinute, Usd, TokensPerSecond, Percent };

namespace metric_format {

QString milliseconds(double ms, const QLocale& locale = QLocale());  // "850 ms", "1.25 s"
QString usd(double dollars, const QLocale& locale = QLocale());      // "$0.0042", "$12.34"
QString percent(double fraction, const QLocale& locale = QLocale()); // 0.9734 -> "97.3 %"
QString tokens(double count, const QLocale& locale = QLocale());     // "950", "12.3 k", "4.1 M"
QString rate(double perSecond, const QLocale& locale = QLocale());   // "12.5/s"
QString bytes(double count, const QLocale& locale = QLocale());      // "512 B", "12.3 KB", "4.0 MB" (1 KB = 1024 B)
QString value(double v, MetricUnit unit, const QLocale& locale = QLocale());
// printf-style format for a QValueAxis' labels, with decimals enough to show ticks `step`
// apart exactly (6.25, not "6.3"); step 0: the unit's usual format.
QString axisFormat(MetricUnit unit, double step = 0);

}  // namespace metric_format
