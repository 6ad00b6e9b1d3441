#pragma once
// Where Switchboard keeps its files, following the XDG base directory spec.
#include <filesystem>

namespace sb {

std::filesystem::path config_dir();       // $XDG_CONFIG_HOME/switchboard or ~/.config/switchboard
std::filesystem::path data_dir();         // $XDG_DATA_HOME/switchboard or ~/.local/share/switchboard
std::filesystem::path default_config_file();  // config_dir()/config.json
std::filesystem::path default_database_file();  // data_dir()/switchboard.db
// The secret store and its key, kept apart so that a copy of the data dir alone opens nothing.
std::filesystem::path default_secret_store_file();  // data_dir()/secrets.json
std::filesystem::path default_secret_key_file();    // config_dir()/secret.key

}  // namespace sb
