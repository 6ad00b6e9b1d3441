#include "config/paths.h"

#include <cstdlib>

namespace sb {

namespace {
std::filesystem::path xdg_dir(const char* variable, const char* fallback_under_home) {
    if (const char* value = std::getenv(variable); value && *value == '/') return std::filesystem::path(value) / "switchboard";
    const char* home = std::getenv("HOME");
    const std::filesystem::path base = home && *home ? home : "/tmp";
    return base / fallback_under_home / "switchboard";
}
}  // namespace

std::filesystem::path config_dir() { return xdg_dir("XDG_CONFIG_HOME", ".config"); }
std::filesystem::path data_dir() { return xdg_dir("XDG_DATA_HOME", ".local/share"); }
std::filesystem::path default_config_file() { return config_dir() / "config.json"; }
std::filesystem::path default_database_file() { return data_dir() / "switchboard.db"; }
std::filesystem::path default_secret_store_file() { return data_dir() / "secrets.json"; }
std::filesystem::path default_secret_key_file() { return config_dir() / "secret.key"; }

}  // namespace sb
