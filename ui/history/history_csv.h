#pragma once
// CSV for exported history rows (RFC 4180: CRLF between records; a field holding a comma, a
// quote, CR or LF is quoted, with quotes doubled).
#include <QByteArray>

#include "store/history_record.h"

namespace history_csv {

QByteArray field(const QByteArray& text);
QByteArray header();                             // ends with CRLF
QByteArray row(const sb::HistoryRecord& record);  // ends with CRLF

}  // namespace history_csv
