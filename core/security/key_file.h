#pragma once
// The file that holds a Fernet key: one line of base64url, created with mode 0600 in a
// directory created 0700, and refused when group or others have any access to it (a key
// others could read decrypts everything; one they could write lets them choose it).
// Errors name the path and what is wrong; the key itself never appears in them.
#include <expected>
#include <filesystem>
#include <string>

#include "security/fernet.h"

namespace sb {

struct LoadedKeyFile {
    FernetKey key;
    bool created = false;  // a new key was generated and written (worth telling the user: back it up)
};

// Loads the key in `path`, or — if there is no such file — generates one and writes it
// there, creating missing directories (0700). Never replaces an existing file.
std::expected<LoadedKeyFile, std::string> load_or_create_key_file(const std::filesystem::path& path);
// Loads only; a missing file is an error.
std::expected<FernetKey, std::string> load_key_file(const std::filesystem::path& path);

}  // namespace sb
