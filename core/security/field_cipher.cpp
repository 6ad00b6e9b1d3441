#include "security/field_cipher.h"

#include "config/paths.h"
#include "security/key_file.h"

namespace sb {

FieldCipher::FieldCipher(std::vector<FernetKey> keys) : m_keys(std::move(keys)) {}

std::expected<FieldCipher, std::string> FieldCipher::from_key_file(const std::filesystem::path& file) {
    std::vector<FernetKey> keys;
    std::filesystem::path rotating = file;
    rotating += ".new";
    std::error_code ec;
    if (std::filesystem::exists(rotating, ec)) {
        auto newer = load_key_file(rotating);
        if (!newer) return std::unexpected(newer.error());
        keys.push_back(std::move(*newer));
    }
    auto current = load_or_create_key_file(file);
    if (!current) return std::unexpected(current.error());
    keys.push_back(std::move(current->key));
    std::filesystem::path previous = file;
    previous += ".previous";
    if (std::filesystem::exists(previous, ec)) {
        auto older = load_key_file(previous);
        if (!older) return std::unexpected(older.error());
        keys.push_back(std::move(*older));
    }
    return FieldCipher(std::move(keys));
}

std::expected<std::string, std::string> FieldCipher::encrypt(std::string_view text) const {
    if (text.empty()) return std::string();
    if (m_keys.empty()) return std::unexpected("field encryption: no key");
    auto token = fernet_encrypt(m_keys.front(), text);
    if (!token) return std::unexpected(token.error());
    return std::string(kPrefix) + *token;
}

std::expected<std::string, std::string> FieldCipher::decrypt(std::string_view stored) const {
    if (!is_encrypted(stored)) return std::string(stored);
    const auto token = stored.substr(kPrefix.size());
    std::string first_error;
    for (const auto& key : m_keys) {
        auto plain = fernet_decrypt(key, token, 0);
        if (plain) return plain;
        if (first_error.empty()) first_error = plain.error();
    }
    return std::unexpected(m_keys.empty() ? std::string("encrypted text, and no key to open it")
                                          : "encrypted text that no history key opens (" + first_error + ")");
}

std::filesystem::path default_history_key_file() { return config_dir() / "history.key"; }

}  // namespace sb
