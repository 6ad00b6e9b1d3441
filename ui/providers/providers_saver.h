#pragma once
// What Apply on the Providers page leaves on disk, written off the GUI thread: the keys
// typed on the page go into the encrypted secret store first, then the providers section of
// the config file is replaced atomically (config_file_writer: "secret:NAME" references, never
// a key). The outcome comes back on the GUI thread.
#include <QObject>
#include <QString>

#include <expected>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "config/config.h"

struct ProvidersSave {
    std::filesystem::path configFile;           // empty: the keys are stored, no file is written
    std::map<std::string, std::string> keys;    // secret name → key
    std::vector<sb::ProviderConfig> providers;  // as written
    sb::Config whole;                           // written whole when the file does not exist yet
};

// Runs on the file-writing thread (common/file_writes.h); `done` runs on the GUI thread unless
// `context` is gone by then.
// Its text says what was written, or what failed.
void saveProviders(ProvidersSave save, QObject* context,
                   std::function<void(std::expected<QString, QString>)> done);
