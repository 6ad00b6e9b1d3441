// switchboard-gateway secrets set NAME      the value is read from standard input (typed
//                                           without echo at a terminal; piped: up to EOF)
//                     secrets list          names only, never values
//                     secrets remove NAME
// Provider API keys kept Fernet-encrypted (security/secret_store); the config refers to one
// as "api_key": "secret:NAME". Options: --store FILE, --key-file FILE (defaults: XDG dirs).
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "cli_args.h"
#include "commands.h"
#include "config/paths.h"
#include "config/secret_reference.h"
#include "security/secret_store.h"

namespace sb::cli {

namespace {

constexpr const char* kSecretsUsage =
    "usage: switchboard-gateway secrets set NAME      (the value is read from standard input)\n"
    "       switchboard-gateway secrets list\n"
    "       switchboard-gateway secrets remove NAME\n"
    "options: --store FILE (default $XDG_DATA_HOME/switchboard/secrets.json),\n"
    "         --key-file FILE (default $XDG_CONFIG_HOME/switchboard/secret.key)\n"
    "then refer to it in the config: \"api_key\": \"secret:NAME\"\n";

// At a terminal the value is typed without echo; otherwise all of stdin, minus one trailing newline.
std::string read_value(const std::string& name) {
    std::string value;
    if (::isatty(STDIN_FILENO)) {
        std::fprintf(stderr, "value for %s (not shown): ", name.c_str());
        termios saved{};
        const bool terminal = ::tcgetattr(STDIN_FILENO, &saved) == 0;
        if (terminal) {
            termios quiet = saved;
            quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
            ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
        }
        std::getline(std::cin, value);
        if (terminal) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        std::fputc('\n', stderr);
        return value;
    }
    value.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    if (value.ends_with('\n')) value.pop_back();
    if (value.ends_with('\r')) value.pop_back();
    return value;
}

}  // namespace

int run_secrets(int argc, char** argv) {
    Args args;
    if (auto error = Args::parse(argc, argv, 2, {"--store", "--key-file"}, {}, args)) return usage_error(*error, kSecretsUsage);
    const auto& positional = args.positional();
    if (positional.empty()) return usage_error("secrets needs a subcommand: set, list or remove", kSecretsUsage);
    const std::string& action = positional[0];
    if ((action == "set" || action == "remove") && positional.size() != 2)
        return usage_error("secrets " + action + " takes exactly one NAME", kSecretsUsage);
    if (action == "list" && positional.size() != 1) return usage_error("secrets list takes no arguments", kSecretsUsage);
    if (action != "set" && action != "remove" && action != "list")
        return usage_error("unknown secrets subcommand \"" + action + "\"", kSecretsUsage);

    auto store = SecretStore::open(args.value("--store").value_or(default_secret_store_file().string()),
                                   args.value("--key-file").value_or(default_secret_key_file().string()));
    if (!store) {
        std::fprintf(stderr, "error: %s\n", store.error().c_str());
        return ExitCode::RequestFailed;
    }
    if (action == "list") {
        for (const auto& name : store->names()) std::printf("%s\n", name.c_str());
        return ExitCode::Ok;
    }
    const std::string& name = positional[1];
    if (action == "remove") {
        const auto removed = store->remove(name);
        if (!removed) {
            std::fprintf(stderr, "error: %s\n", removed.error().c_str());
            return ExitCode::RequestFailed;
        }
        std::fprintf(stderr, *removed ? "removed secret %s\n" : "no secret %s: nothing removed\n", name.c_str());
        return *removed ? ExitCode::Ok : ExitCode::RequestFailed;
    }
    if (!valid_secret_name(name))
        return usage_error("secret name \"" + name + "\": must be " + std::string(kSecretNameRule), kSecretsUsage);
    const std::string value = read_value(name);
    if (auto saved = store->set(name, value); !saved) {
        std::fprintf(stderr, "error: %s\n", saved.error().c_str());
        return ExitCode::RequestFailed;
    }
    std::fprintf(stderr, "stored secret %s (encrypted); use it as \"api_key\": \"secret:%s\"\n", name.c_str(), name.c_str());
    return ExitCode::Ok;
}

}  // namespace sb::cli
