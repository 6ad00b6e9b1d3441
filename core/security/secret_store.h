#pragma once
// Provider API keys kept encrypted at rest: a JSON file (mode 0600) mapping a name to a
// Fernet token, with the Fernet key in its own 0600 key file elsewhere (the config dir), so
// a copy of the data dir alone opens nothing. The config refers to a stored key as
// "secret:NAME". Values never appear in errors.
#include <expected>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/paths.h"

namespace sb {

class SecretStore {
public:
    // Reads `file` if it exists (refused when group or others may access it). The key file
    // is read (or created) only when a value is read or written. Names follow
    // valid_secret_name (config/secret_reference.h).
    static std::expected<SecretStore, std::string> open(std::filesystem::path file = default_secret_store_file(),
                                                        std::filesystem::path key_file = default_secret_key_file());

    std::vector<std::string> names() const;
    std::expected<std::optional<std::string>, std::string> get(const std::string& name) const;
    // Both write the file atomically (0600) before returning.
    std::expected<void, std::string> set(const std::string& name, std::string_view value);
    std::expected<bool, std::string> remove(const std::string& name);  // false: there was none

private:
    SecretStore(std::filesystem::path file, std::filesystem::path key_file, std::map<std::string, std::string> tokens);
    std::expected<void, std::string> save() const;

    std::filesystem::path m_file;
    std::filesystem::path m_key_file;
    std::map<std::string, std::string> m_tokens;  // name → Fernet token
};

}  // namespace sb
