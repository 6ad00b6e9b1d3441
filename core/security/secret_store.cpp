#include "security/secret_store.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "config/config_file_writer.h"
#include "config/secret_reference.h"
#include "security/fernet.h"
#include "security/key_file.h"

namespace sb {

SecretStore::SecretStore(std::filesystem::path file, std::filesystem::path key_file, std::map<std::string, std::string> tokens)
    : m_file(std::move(file)), m_key_file(std::move(key_file)), m_tokens(std::move(tokens)) {}

std::expected<SecretStore, std::string> SecretStore::open(std::filesystem::path file, std::filesystem::path key_file) {
    std::map<std::string, std::string> tokens;
    struct stat info {};
    if (::stat(file.c_str(), &info) == 0) {
        if ((info.st_mode & 077) != 0) {
            char mode[8];
            std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
            return std::unexpected(file.string() + ": others may access it (mode " + mode + "); chmod 600 it");
        }
        std::ifstream in(file);
        std::stringstream text;
        text << in.rdbuf();
        const auto json = nlohmann::json::parse(text.str(), nullptr, false);
        const auto secrets = json.is_object() ? json.find("secrets") : json.end();
        if (!in || secrets == json.end() || !secrets->is_object())
            return std::unexpected(file.string() + ": not a secret store (expected {\"version\": 1, \"secrets\": {…}})");
        for (const auto& [name, token] : secrets->items()) {
            if (!valid_secret_name(name) || !token.is_string())
                return std::unexpected(file.string() + ": secrets." + name + ": must be a name and a Fernet token");
            tokens.emplace(name, token.get<std::string>());
        }
    }
    return SecretStore(std::move(file), std::move(key_file), std::move(tokens));
}

std::vector<std::string> SecretStore::names() const {
    std::vector<std::string> out;
    for (const auto& [name, token] : m_tokens) out.push_back(name);
    return out;
}

std::expected<std::optional<std::string>, std::string> SecretStore::get(const std::string& name) const {
    const auto it = m_tokens.find(name);
    if (it == m_tokens.end()) return std::optional<std::string>();
    auto key = load_key_file(m_key_file);
    if (!key) return std::unexpected("secret " + name + ": " + key.error());
    auto value = fernet_decrypt(*key, it->second, 0);
    if (!value) return std::unexpected("secret " + name + " in " + m_file.string() + ": " + value.error());
    return std::optional<std::string>(std::move(*value));
}

std::expected<void, std::string> SecretStore::set(const std::string& name, std::string_view value) {
    if (!valid_secret_name(name))
        return std::unexpected("secret name \"" + name + "\": must be " + std::string(kSecretNameRule));
    if (value.empty()) return std::unexpected("secret " + name + ": the value is empty");
    auto key = load_or_create_key_file(m_key_file);
    if (!key) return std::unexpected(key.error());
    auto token = fernet_encrypt(key->key, value);
    if (!token) return std::unexpected("secret " + name + ": " + token.error());
    auto before = m_tokens;
    m_tokens[name] = std::move(*token);
    if (auto saved = save(); !saved) {
        m_tokens = std::move(before);
        return saved;
    }
    return {};
}

std::expected<bool, std::string> SecretStore::remove(const std::string& name) {
    const auto it = m_tokens.find(name);
    if (it == m_tokens.end()) return false;
    const std::string token = it->second;
    m_tokens.erase(it);
    if (auto saved = save(); !saved) {
        m_tokens.emplace(name, token);
        return std::unexpected(saved.error());
    }
    return true;
}

std::expected<void, std::string> SecretStore::save() const {
    std::error_code ec;
    if (!m_file.parent_path().empty() && !std::filesystem::exists(m_file.parent_path(), ec)) {
        std::filesystem::create_directories(m_file.parent_path(), ec);
        if (ec) return std::unexpected("cannot create " + m_file.parent_path().string() + ": " + ec.message());
        std::filesystem::permissions(m_file.parent_path(), std::filesystem::perms::owner_all, ec);
    }
    nlohmann::json secrets = nlohmann::json::object();
    for (const auto& [name, token] : m_tokens) secrets[name] = token;
    const nlohmann::json json = {{"version", 1}, {"secrets", std::move(secrets)}};
    return write_file_atomically(m_file, json.dump(2) + "\n");  // a new file is created 0600
}

}  // namespace sb
