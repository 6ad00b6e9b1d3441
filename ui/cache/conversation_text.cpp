#include "cache/conversation_text.h"

#include <QRegularExpression>

#include <optional>

namespace conversation_text {

namespace {

// "user: text" → (User, "text"); nullopt when the line does not start with a role.
std::optional<std::pair<sb::Role, QString>> roleLine(const QString& line) {
    static const QRegularExpression prefix(QStringLiteral("^\\s*(system|user|assistant)\\s*:\\s?(.*)$"),
                                           QRegularExpression::CaseInsensitiveOption);
    const auto match = prefix.match(line);
    if (!match.hasMatch()) return std::nullopt;
    const auto role = sb::role_from_string(match.captured(1).toLower().toStdString());
    if (!role) return std::nullopt;
    return std::pair{*role, match.captured(2)};
}

}  // namespace

std::vector<sb::Message> parse(const QString& text) {
    struct Turn {
        sb::Role role;
        QStringList lines;
    };
    std::vector<Turn> turns;
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (QString line : lines) {
        if (line.endsWith(QLatin1Char('\r'))) line.chop(1);
        if (auto start = roleLine(line)) {
            turns.push_back({start->first, {start->second}});
        } else if (turns.empty()) {
            turns.push_back({sb::Role::User, {line}});
        } else {
            turns.back().lines << line;
        }
    }
    std::vector<sb::Message> messages;
    for (const Turn& turn : turns) {
        const QString content = turn.lines.join(QLatin1Char('\n')).trimmed();
        if (content.isEmpty()) continue;
        sb::Message message;
        message.role = turn.role;
        message.content = content.toStdString();
        messages.push_back(std::move(message));
    }
    return messages;
}

void applyTarget(sb::ChatRequest& request, const QString& field, const QStringList& providers,
                 const QStringList& tiers) {
    const QString text = field.trimmed();
    if (text.isEmpty()) return;
    if (const qsizetype slash = text.indexOf(QLatin1Char('/')); slash > 0 && providers.contains(text.left(slash))) {
        request.provider = text.left(slash).toStdString();
        request.model = text.mid(slash + 1).trimmed().toStdString();
        return;
    }
    if (providers.contains(text)) {
        request.provider = text.toStdString();
        return;
    }
    if (tiers.contains(text)) {
        request.tier = text.toStdString();
        return;
    }
    request.model = text.toStdString();
}

}  // namespace conversation_text
