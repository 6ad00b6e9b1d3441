#include "history/history_csv.h"

#include <QDateTime>

#include <optional>
#include <string>

namespace history_csv {

namespace {

QByteArray text(const std::string& value) { return field(QByteArray::fromStdString(value)); }

QByteArray number(double value) { return QByteArray::number(value, 'g', 12); }

QByteArray optionalNumber(const std::optional<double>& value) { return value ? number(*value) : QByteArray(); }

}  // namespace

QByteArray field(const QByteArray& text) {
    const bool quote = text.contains(',') || text.contains('"') || text.contains('\n') || text.contains('\r');
    if (!quote)
        return text;
    QByteArray out;
    out.reserve(text.size() + 2);
    out += '"';
    for (char c : text) {
        if (c == '"')
            out += '"';
        out += c;
    }
    out += '"';
    return out;
}

QByteArray header() {
    return "id,time,request_id,source,provider,model,tier,status,error_class,error_message,http_status,"
           "attempts,dns_ms,connect_ms,tls_ms,first_byte_ms,total_ms,tokens_in,tokens_out,cost_usd,cache_hit,"
           "batch_id,prompt_text,response_text\r\n";
}

QByteArray row(const sb::HistoryRecord& r) {
    const QList<QByteArray> fields{
        QByteArray::number(r.id),
        QDateTime::fromMSecsSinceEpoch(r.ts_ms, Qt::UTC).toString(Qt::ISODateWithMs).toUtf8(),
        text(r.request_id),
        text(r.source),
        text(r.provider),
        text(r.model),
        text(r.tier),
        text(std::string(sb::to_string(r.status))),
        text(r.error_class),
        text(r.error_message),
        QByteArray::number(r.http_status),
        QByteArray::number(r.attempts),
        optionalNumber(r.dns_ms),
        optionalNumber(r.connect_ms),
        optionalNumber(r.tls_ms),
        optionalNumber(r.first_byte_ms),
        number(r.total_ms),
        QByteArray::number(static_cast<qint64>(r.tokens_in)),
        QByteArray::number(static_cast<qint64>(r.tokens_out)),
        number(r.cost_usd),
        r.cache_hit ? QByteArray("1") : QByteArray("0"),
        text(r.batch_id),
        text(r.prompt_text),
        text(r.response_text),
    };
    return fields.join(',') + "\r\n";
}

}  // namespace history_csv
