#pragma once
// Saving a chart: the picture as PNG, and the data of its visible time range as CSV
// (long format: one row per series and sample, so series with different samples fit).
#include <QString>

class LiveChart;
class QIODevice;
class QWidget;

namespace chart_export {

bool savePng(QWidget& widget, const QString& path);
bool saveCsv(const LiveChart& chart, const QString& path);
void writeCsv(const LiveChart& chart, QIODevice& out);

}  // namespace chart_export
