// switchboard-gateway keys create NAME [--rpm N] [--tpm N] [--budget-usd X]
//                      keys list
//                      keys revoke ID
//                      keys limits ID [--rpm N] [--tpm N] [--budget-usd X]
// Gateway API keys in the history database (--db / --database, else config store.path,
// else the XDG default). The secret is printed once, by create; only its hash is stored.
#include <cmath>
#include <cstdio>
#include <expected>
#include <string>

#include "cli_args.h"
#include "commands.h"
#include "config/config.h"
#include "config/paths.h"
#include "gateway/gateway_key_store.h"
#include "model/clock.h"
#include "security/secret_environment.h"

namespace sb::cli {

namespace {

constexpr const char* kKeysUsage =
    "usage: switchboard-gateway keys create NAME [--rpm N] [--tpm N] [--budget-usd X]\n"
    "       switchboard-gateway keys list\n"
    "       switchboard-gateway keys revoke ID\n"
    "       switchboard-gateway keys limits ID [--rpm N] [--tpm N] [--budget-usd X]   (0 = no limit)\n"
    "options: --db FILE (or --database FILE), --config FILE\n"
    "exit codes: 0 ok, 1 failure (database, unknown key), 2 usage, 4 invalid configuration\n";

// --db/--database, else the config's store.path, else the XDG default: the same file the
// other commands record history in.
std::optional<std::filesystem::path> database_path(const Args& args, int& exit_code) {
    if (auto db = args.value("--db")) return std::filesystem::path(*db);
    if (auto db = args.value("--database")) return std::filesystem::path(*db);
    std::string source;
    auto config = load_user_config(args.value("--config").value_or(""), process_environment(), &source);
    if (!config) {
        std::fprintf(stderr, "config: %s is invalid:\n", source.c_str());
        for (const auto& error : config.error()) std::fprintf(stderr, "  %s\n", error.to_string().c_str());
        exit_code = ExitCode::ConfigInvalid;
        return std::nullopt;
    }
    if (!config->store.path.empty()) return std::filesystem::path(config->store.path);
    return default_database_file();
}

std::optional<std::int64_t> parse_count(const std::string& text) {
    try {
        std::size_t used = 0;
        const long long value = std::stoll(text, &used);
        if (used != text.size() || value < 0) return std::nullopt;
        return value;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::optional<double> parse_usd(const std::string& text) {
    try {
        std::size_t used = 0;
        const double value = std::stod(text, &used);
        if (used != text.size() || !std::isfinite(value) || value < 0) return std::nullopt;
        return value;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::string limit_text(std::int64_t value) {
    return value > 0 ? std::to_string(value) : "-";
}

std::string usd_text(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "$%.2f", value);
    return text;
}

// The limits given on the command line; a usage error's message when one is malformed.
std::expected<GatewayKeyLimitChange, std::string> limit_options(const Args& args) {
    GatewayKeyLimitChange change;
    if (auto rpm = args.value("--rpm")) {
        change.rpm = parse_count(*rpm);
        if (!change.rpm) return std::unexpected(std::string("--rpm takes a whole number of requests per minute"));
    }
    if (auto tpm = args.value("--tpm")) {
        change.tpm = parse_count(*tpm);
        if (!change.tpm) return std::unexpected(std::string("--tpm takes a whole number of tokens per minute"));
    }
    if (auto budget = args.value("--budget-usd")) {
        change.monthly_budget_usd = parse_usd(*budget);
        if (!change.monthly_budget_usd)
            return std::unexpected(std::string("--budget-usd takes an amount in US dollars, such as 25 or 12.50"));
    }
    return change;
}

std::string limits_text(const GatewayKeyLimits& limits) {
    return "rpm " + limit_text(limits.rpm) + ", tpm " + limit_text(limits.tpm) + ", monthly budget " +
           (limits.monthly_budget_usd > 0 ? usd_text(limits.monthly_budget_usd) : "-");
}

int create(GatewayKeyStore& store, const Args& args) {
    const auto given = limit_options(args);
    if (!given) return usage_error(given.error(), kKeysUsage);
    const GatewayKeyLimits limits{given->rpm.value_or(0), given->tpm.value_or(0),
                                  given->monthly_budget_usd.value_or(0)};
    auto created = store.create(args.positional()[1], limits);
    if (!created) {
        std::fprintf(stderr, "error: %s\n", created.error().c_str());
        return ExitCode::RequestFailed;
    }
    // The secret alone on stdout, so `KEY=$(switchboard-gateway keys create …)` works.
    std::fprintf(stdout, "%s\n", created->secret.c_str());
    std::fflush(stdout);
    std::fprintf(stderr,
                 "created key %s \"%s\" (%s)\n"
                 "warning: this key will not be shown again; store it now (only its hash is kept)\n",
                 created->info.id.c_str(), created->info.name.c_str(), limits_text(limits).c_str());
    return ExitCode::Ok;
}

int change_limits(GatewayKeyStore& store, const Args& args) {
    const auto given = limit_options(args);
    if (!given) return usage_error(given.error(), kKeysUsage);
    auto changed = store.change_limits(args.positional()[1], *given);
    if (!changed) {
        std::fprintf(stderr, "error: %s\n", changed.error().c_str());
        return ExitCode::RequestFailed;
    }
    std::printf("key %s \"%s\": %s (a running gateway applies it within a few seconds)\n", changed->id.c_str(),
                changed->name.c_str(), limits_text(changed->limits).c_str());
    return ExitCode::Ok;
}

int list(GatewayKeyStore& store) {
    auto keys = store.list();
    if (!keys) {
        std::fprintf(stderr, "error: %s\n", keys.error().c_str());
        return ExitCode::RequestFailed;
    }
    if (keys->empty()) {
        std::fputs("no gateway keys; create one with: switchboard-gateway keys create NAME\n", stdout);
        return ExitCode::Ok;
    }
    const std::int64_t now = unix_ms_now();
    std::printf("%-12s  %-20s  %-13s  %-20s  %-20s  %7s  %9s  %10s  %11s  %s\n", "ID", "NAME", "PREFIX",
                "CREATED", "REVOKED", "RPM", "TPM", "BUDGET", "SPENT/MONTH", "LAST USED");
    for (const auto& key : *keys) {
        // The ellipsis is 3 bytes but one column, hence 15 bytes under a 13-column heading.
        const std::string prefix = key.prefix + "\u2026";
        std::printf("%-12s  %-20s  %-15s  %-20s  %-20s  %7s  %9s  %10s  %11s  %s\n", key.id.c_str(),
                    key.name.c_str(), prefix.c_str(), format_utc_ms(key.created_ms).c_str(),
                    key.revoked_ms ? format_utc_ms(*key.revoked_ms).c_str() : "-",
                    limit_text(key.limits.rpm).c_str(), limit_text(key.limits.tpm).c_str(),
                    key.limits.monthly_budget_usd > 0 ? usd_text(key.limits.monthly_budget_usd).c_str() : "-",
                    usd_text(key.spent_in_month_of(now)).c_str(),
                    key.last_used_ms ? format_utc_ms(*key.last_used_ms).c_str() : "never");
    }
    return ExitCode::Ok;
}

int revoke(GatewayKeyStore& store, const std::string& id) {
    auto revoked = store.revoke(id);
    if (!revoked) {
        std::fprintf(stderr, "error: %s\n", revoked.error().c_str());
        return ExitCode::RequestFailed;
    }
    std::printf("revoked key %s \"%s\" (%s\u2026) at %s\n", revoked->id.c_str(), revoked->name.c_str(),
                revoked->prefix.c_str(), format_utc_ms(revoked->revoked_ms.value_or(0)).c_str());
    return ExitCode::Ok;
}

}  // namespace

int run_keys(int argc, char** argv) {
    Args args;
    if (auto error = Args::parse(
            argc, argv, 2, {"--db", "--database", "--config", "--rpm", "--tpm", "--budget-usd"}, {}, args))
        return usage_error(*error, kKeysUsage);
    const auto& positional = args.positional();
    if (positional.empty()) return usage_error("keys needs a subcommand: create, list, revoke or limits", kKeysUsage);
    const std::string& action = positional[0];
    const bool limits_given = args.has("--rpm") || args.has("--tpm") || args.has("--budget-usd");
    if (action == "create") {
        if (positional.size() != 2) return usage_error("keys create takes exactly one NAME", kKeysUsage);
    } else if (action == "list") {
        if (positional.size() != 1 || limits_given) return usage_error("keys list takes no arguments", kKeysUsage);
    } else if (action == "revoke") {
        if (positional.size() != 2 || limits_given) return usage_error("keys revoke takes exactly one ID", kKeysUsage);
    } else if (action == "limits") {
        if (positional.size() != 2 || !limits_given)
            return usage_error("keys limits takes one ID and at least one of --rpm, --tpm, --budget-usd", kKeysUsage);
    } else {
        return usage_error("unknown keys subcommand \"" + action + "\"", kKeysUsage);
    }

    int exit_code = ExitCode::RequestFailed;
    const auto database = database_path(args, exit_code);
    if (!database) return exit_code;
    auto store = GatewayKeyStore::open(*database);
    if (!store) {
        std::fprintf(stderr, "error: %s\n", store.error().c_str());
        return ExitCode::RequestFailed;
    }
    if (action == "create") return create(**store, args);
    if (action == "list") return list(**store);
    if (action == "limits") return change_limits(**store, args);
    return revoke(**store, positional[1]);
}

}  // namespace sb::cli
