// switchboard-gateway history rotate-key [--db FILE] [--config FILE]
// Re-encrypts the history's prompt and response text under a new key (privacy.history_key_file,
// else <config dir>/history.key); see store/history_key_rotation.h for why it is crash-safe.
// Best run while no console or `serve` writes to the same database.
#include <cstdio>
#include <string>

#include "cli_args.h"
#include "commands.h"
#include "config/config.h"
#include "config/paths.h"
#include "security/field_cipher.h"
#include "security/secret_environment.h"
#include "store/history_key_rotation.h"

namespace sb::cli {

namespace {

constexpr const char* kHistoryUsage =
    "usage: switchboard-gateway history rotate-key [--db FILE] [--config FILE]\n"
    "       re-encrypts the stored prompt and response text under a new history key\n";

}  // namespace

int run_history(int argc, char** argv) {
    Args args;
    if (auto error = Args::parse(argc, argv, 2, {"--db", "--database", "--config"}, {}, args)) return usage_error(*error, kHistoryUsage);
    const auto& positional = args.positional();
    if (positional.size() != 1 || positional[0] != "rotate-key") return usage_error("history takes one subcommand: rotate-key", kHistoryUsage);

    std::string source;
    auto config = load_user_config(args.value("--config").value_or(""), process_environment(), &source);
    if (!config) {
        std::fprintf(stderr, "config: %s is invalid:\n", source.c_str());
        for (const auto& error : config.error()) std::fprintf(stderr, "  %s\n", error.to_string().c_str());
        return ExitCode::ConfigInvalid;
    }
    std::filesystem::path database = args.value("--db").value_or(args.value("--database").value_or(config->store.path));
    if (database.empty()) database = default_database_file();
    const std::filesystem::path key_file = config->privacy.history_key_file.empty()
                                               ? default_history_key_file()
                                               : std::filesystem::path(config->privacy.history_key_file);
    const auto rotated = rotate_history_key(database, key_file);
    if (!rotated) {
        std::fprintf(stderr, "error: %s\n", rotated.error().c_str());
        return ExitCode::RequestFailed;
    }
    std::printf("re-encrypted %zu texts in %zu rows of %s under a new key in %s\n", rotated->fields, rotated->rows,
                database.c_str(), key_file.c_str());
    return ExitCode::Ok;
}

}  // namespace sb::cli
