#include "answer_details.h"

#include <QStringList>

namespace {

QString ms(double value) { return QString::number(value, 'f', 1) + QStringLiteral(" ms"); }

QString attemptLine(int index, const sb::AttemptInfo& attempt) {
    QString line = QStringLiteral("  %1. %2 / %3: ")
                       .arg(index)
                       .arg(QString::fromStdString(attempt.provider), QString::fromStdString(attempt.model));
    line += attempt.error == sb::ErrorClass::None ? QStringLiteral("ok")
                                                   : QString::fromStdString(std::string(sb::to_string(attempt.error)));
    if (attempt.http_status != 0) line += QStringLiteral(", HTTP %1").arg(attempt.http_status);
    if (attempt.delay_before.count() > 0)
        line += QStringLiteral(", after %1 ms backoff").arg(attempt.delay_before.count());
    return line;
}

}  // namespace

QString formatPrediction(const sb::TokenPrediction& p) {
    QString text = QStringLiteral("%1 tokens in (%2)")
                       .arg(p.input_tokens)
                       .arg(p.exact ? QStringLiteral("exact")
                                    : QStringLiteral("estimate, calibrated ×%1").arg(p.calibration, 0, 'f', 2));
    if (p.max_cost_usd) text += QStringLiteral(", at most $%1").arg(*p.max_cost_usd, 0, 'f', 6);
    return text;
}

QString formatAnswerDetails(const sb::RequestResult& result, const std::optional<sb::TokenPrediction>& prediction) {
    QStringList lines;
    lines << QStringLiteral("Provider: %1").arg(QString::fromStdString(result.provider));
    lines << QStringLiteral("Model: %1").arg(QString::fromStdString(result.model));
    if (!result.ok())
        lines << QStringLiteral("Error: %1: %2")
                     .arg(QString::fromStdString(std::string(sb::to_string(result.outcome.error().cls))),
                          QString::fromStdString(result.outcome.error().message));
    const sb::PhaseTimings& t = result.timings;
    lines << QStringLiteral("Latency: DNS %1 · connect %2 · TLS %3 · first byte %4 · total %5")
                 .arg(ms(t.dns_ms), ms(t.connect_ms), ms(t.tls_ms), ms(t.first_byte_ms), ms(result.total_ms));
    const sb::Usage usage = result.ok() ? result.outcome->usage : sb::Usage{};
    lines << QStringLiteral("Tokens: %1 in / %2 out").arg(usage.input_tokens).arg(usage.output_tokens);
    if (prediction) lines << QStringLiteral("Predicted: %1").arg(formatPrediction(*prediction));
    // An unknown price is shown as unknown, never as free.
    lines << (result.cost_usd ? QStringLiteral("Cost: $%1").arg(*result.cost_usd, 0, 'f', 6)
                              : QStringLiteral("Cost: unknown (no price for this model)"));
    QString cache = QStringLiteral("Cache: %1").arg(QString::fromUtf8(sb::to_string(result.cache).data()));
    if (!result.cache_rule.empty()) cache += QStringLiteral(" (rule %1)").arg(QString::fromStdString(result.cache_rule));
    if (result.saved_usd) cache += QStringLiteral(", saved $%1").arg(*result.saved_usd, 0, 'f', 6);
    lines << cache;
    if (!result.budget_note.empty()) lines << QStringLiteral("Budget: %1").arg(QString::fromStdString(result.budget_note));
    lines << QStringLiteral("Attempts: %1").arg(result.attempts.size());
    for (std::size_t i = 0; i < result.attempts.size(); ++i) lines << attemptLine(int(i) + 1, result.attempts[i]);
    return lines.join(QLatin1Char('\n'));
}
