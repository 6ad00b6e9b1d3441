#include "history/history_detail.h"
#include "common/qt_text.h"

#include <QDateTime>
#include <QJsonDocument>

#include <optional>

namespace history_detail {

namespace {


QString ms(const std::optional<double>& value) {
    return value ? QString::number(*value, 'f', 1) : QStringLiteral("—");
}

}  // namespace

QString prettyText(const std::string& text) {
    const QByteArray bytes = QByteArray::fromStdString(text).trimmed();
    if (bytes.startsWith('{') || bytes.startsWith('[')) {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(bytes, &error);
        if (error.error == QJsonParseError::NoError)
            return QString::fromUtf8(doc.toJson(QJsonDocument::Indented)).trimmed();
    }
    return qs(text);
}

QString describe(const sb::HistoryRecord& r) {
    QString out;
    out += QStringLiteral("Request %1\n").arg(qs(r.request_id));
    out += QStringLiteral("Time: %1\n")
               .arg(QDateTime::fromMSecsSinceEpoch(r.ts_ms).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")));
    out += QStringLiteral("Route: %1 / %2 (tier %3), source %4\n")
               .arg(qs(r.provider), qs(r.model), r.tier.empty() ? QStringLiteral("—") : qs(r.tier), qs(r.source));
    if (!r.route_reason.empty()) out += QStringLiteral("Why: %1\n").arg(qs(r.route_reason));
    out += QStringLiteral("Status: %1, HTTP %2, attempts %3\n")
               .arg(qs(std::string(sb::to_string(r.status))))
               .arg(r.http_status)
               .arg(r.attempts);
    if (!r.error_class.empty() || !r.error_message.empty())
        out += QStringLiteral("Error: %1: %2\n").arg(qs(r.error_class), qs(r.error_message));
    out += QStringLiteral("Timings ms: DNS %1, connect %2, TLS %3, first byte %4, total %5\n")
               .arg(ms(r.dns_ms), ms(r.connect_ms), ms(r.tls_ms), ms(r.first_byte_ms), ms(r.total_ms));
    out += QStringLiteral("Tokens: %1 in, %2 out; cost $%3; cache %4\n")
               .arg(r.tokens_in)
               .arg(r.tokens_out)
               .arg(QString::number(r.cost_usd, 'f', 6), r.cache_hit ? QStringLiteral("hit") : QStringLiteral("miss"));
    if (!r.batch_id.empty())
        out += QStringLiteral("Batch: %1 line %2\n").arg(qs(r.batch_id)).arg(r.batch_line.value_or(0));
    out += QStringLiteral("\n--- Request ---\n") + prettyText(r.prompt_text);
    out += QStringLiteral("\n\n--- Response ---\n") + prettyText(r.response_text) + QLatin1Char('\n');
    return out;
}

}  // namespace history_detail
