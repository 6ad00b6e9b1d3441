// The config lookup over the process environment and the default secret store.
#include "security/secret_environment.h"

#include <cstdlib>
#include <expected>
#include <memory>
#include <optional>

#include "config/secret_reference.h"
#include "security/secret_store.h"

namespace sb {

EnvLookup process_environment() {
    auto store = std::make_shared<std::optional<std::expected<SecretStore, std::string>>>();
    return [store](const std::string& name) -> std::optional<std::string> {
        if (const auto secret = secret_name(name)) {
            if (!*store) *store = SecretStore::open();
            if (!**store) return std::nullopt;
            auto value = (**store)->get(std::string(*secret));
            return value && *value ? std::optional<std::string>(std::move(**value)) : std::nullopt;
        }
        const char* value = std::getenv(name.c_str());
        if (!value || !*value) return std::nullopt;
        return std::string(value);
    };
}

}  // namespace sb
