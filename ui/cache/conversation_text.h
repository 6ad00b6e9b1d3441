#pragma once
// Pasted text as a conversation, for the Cache page's key box. Lines starting with a role
// ("system:", "user:", "assistant:", any case) begin a turn; a line without one continues
// the previous turn; text before the first role line, or text with no role lines at all, is
// a user message. Turns are trimmed; empty ones are dropped.
#include <QString>
#include <QStringList>

#include <vector>

#include "model/chat.h"

namespace conversation_text {

std::vector<sb::Message> parse(const QString& text);

// Where the key box's optional "model or tier" field points a request: "provider/model"
// (a configured provider) pins both, a tier name sets the tier, anything else is a model
// name or alias; empty leaves the request to routing.
void applyTarget(sb::ChatRequest& request, const QString& field, const QStringList& providers,
                 const QStringList& tiers);

}  // namespace conversation_text
