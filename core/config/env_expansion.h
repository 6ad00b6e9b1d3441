#pragma once
// ${NAME} and ${NAME:-fallback} references in config strings.
#include <expected>
#include <optional>
#include <string>

#include "config/config.h"

namespace sb {

// Replaces every reference; an unset variable without a fallback is an error naming it.
std::expected<std::string, std::string> expand_environment(const std::string& text, const EnvLookup& env);

// "${NAME}" → "NAME"; anything else (plain text, several references) → nullopt.
std::optional<std::string> parse_single_reference(const std::string& text);

}  // namespace sb
