#pragma once
// Encryption of text fields at rest (the history's prompt and response text): each value is
// stored as "sbenc1:" + a Fernet token. Values without the prefix are plain text written
// before encryption was turned on, and read as they are. A cipher holds the current key and
// may hold older ones, so rows written under a key being rotated out still read.
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "security/fernet.h"

namespace sb {

class FieldCipher {
public:
    static constexpr std::string_view kPrefix = "sbenc1:";

    // keys: the current one first, then older ones accepted for reading only.
    explicit FieldCipher(std::vector<FernetKey> keys);

    // The history key file (created 0600 if missing), plus "<file>.new" when a rotation was
    // interrupted (then the new key is current and the old one still reads), plus
    // "<file>.previous", the key a finished rotation replaced (history_key_rotation.h).
    static std::expected<FieldCipher, std::string> from_key_file(const std::filesystem::path& file);

    static bool is_encrypted(std::string_view stored) { return stored.starts_with(kPrefix); }

    // Empty text stays empty (nothing to hide, and it keeps "no text stored" visible).
    std::expected<std::string, std::string> encrypt(std::string_view text) const;
    // Plain (unprefixed) values pass through; an encrypted one no key opens is an error.
    std::expected<std::string, std::string> decrypt(std::string_view stored) const;

private:
    std::vector<FernetKey> m_keys;
};

// The history key file used when privacy.history_key_file is empty: <config dir>/history.key.
std::filesystem::path default_history_key_file();

}  // namespace sb
