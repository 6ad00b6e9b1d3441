#pragma once
// "secret:NAME" references from the config to the encrypted secret store: how one is
// written, and which names the store takes. The store itself (security/secret_store) and
// the lookup that opens it (security/secret_environment) build on these.
#include <optional>
#include <string>
#include <string_view>

namespace sb {

inline constexpr std::string_view kSecretPrefix = "secret:";

// The rule valid_secret_name() checks, as messages state it.
inline constexpr std::string_view kSecretNameRule = "1-64 characters of a-z, 0-9, '_', '-', '.'";
bool valid_secret_name(std::string_view name);

// "secret:NAME" for NAME.
std::string secret_reference(std::string_view name);
// NAME of "secret:NAME"; nullopt for anything else (an ${ENV} reference, plain text).
std::optional<std::string_view> secret_name(std::string_view reference);

}  // namespace sb
