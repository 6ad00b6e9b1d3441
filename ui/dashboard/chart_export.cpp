#include "dashboard/chart_export.h"

#include <QDateTime>
#include <QFile>
#include <QPixmap>
#include <QSaveFile>
#include <QTextStream>
#include <QWidget>

#include "dashboard/live_chart.h"

namespace chart_export {

bool savePng(QWidget& widget, const QString& path) {
    const QPixmap picture = widget.grab();
    return !picture.isNull() && picture.save(path, "PNG");
}

void writeCsv(const LiveChart& chart, QIODevice& out) {
    QTextStream stream(&out);
    stream << "series,time_ms,time_utc,value\n";
    const double from = double(chart.timeFrom()), to = double(chart.timeTo());
    const auto names = chart.seriesNames();
    for (const auto& name : names) {
        const auto points = chart.points(name);
        QString quoted = name;
        quoted.replace(QLatin1Char('"'), QStringLiteral("\"\""));
        for (const auto& p : points) {
            if (p.x() < from || p.x() > to) continue;
            const auto ms = qint64(p.x());
            stream << '"' << quoted << "\"," << ms << ','
                   << QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs) << ','
                   << QString::number(p.y(), 'g', 10) << '\n';
        }
    }
}

bool saveCsv(const LiveChart& chart, const QString& path) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) return false;
    writeCsv(chart, file);
    return file.commit();
}

}  // namespace chart_export
