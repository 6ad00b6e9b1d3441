#pragma once
// Whether a provider of one kind can take a request as it is: its media parts, tools, n,
// JSON schema and, for a Responses API request, the features only OpenAI's Responses API
// has. Routing skips a target that cannot, and records why; a request no target can take is
// refused with the reason, which names the field.
#include <optional>
#include <string>

#include "config/config.h"
#include "model/chat.h"

namespace sb {

// nullopt when the provider can take the request; else why not, naming the field first
// ("messages[1].content[2]: Anthropic takes no input_audio part").
std::optional<std::string> cannot_take(ProviderKind kind, const ChatRequest& request);

// The request's own-format fields (ChatRequest::extra) that a provider of another format is
// not sent, comma-separated; empty when there are none.
std::string fields_not_sent(ProviderKind kind, const ChatRequest& request);

}  // namespace sb
