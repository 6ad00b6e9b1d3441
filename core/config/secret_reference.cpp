// "secret:NAME" references: their prefix and the secret store's name rule.
#include "config/secret_reference.h"

#include <algorithm>

namespace sb {

bool valid_secret_name(std::string_view name) {
    return !name.empty() && name.size() <= 64 && std::ranges::all_of(name, [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    });
}

std::string secret_reference(std::string_view name) { return std::string(kSecretPrefix).append(name); }

std::optional<std::string_view> secret_name(std::string_view reference) {
    if (!reference.starts_with(kSecretPrefix)) return std::nullopt;
    return reference.substr(kSecretPrefix.size());
}

}  // namespace sb
