#pragma once
#include <optional>

#include "model/chat.h"
#include "model/error.h"

namespace sb {

// Checks what every provider would reject anyway, before anything is spent on it.
// Returns a BadRequest error naming the offending field, or nullopt.
std::optional<Error> validate_request(const ChatRequest& request);

}  // namespace sb
