#include "dashboard/version_markers.h"

#include <QDateTime>
#include <QObject>

QList<ChartMarker> versionMarkers(const std::vector<sb::ConfigVersion>& versions) {
    QList<ChartMarker> markers;
    markers.reserve(qsizetype(versions.size()));
    for (const auto& v : versions) {
        ChartMarker marker;
        marker.atMs = v.at_ms;
        marker.label = QStringLiteral("v%1").arg(v.id);
        marker.tooltip = QObject::tr("Config version %1, %2 by %3\n%4")
                             .arg(v.id)
                             .arg(QDateTime::fromMSecsSinceEpoch(v.at_ms).toString(QStringLiteral("yyyy-MM-dd hh:mm:ss")),
                                  QString::fromStdString(v.author), QString::fromStdString(v.summary));
        markers.append(marker);
    }
    return markers;
}
