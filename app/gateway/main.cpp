// switchboard-gateway: the headless engine — serve, ask, batch, simulate, demo, keys,
// secrets, history.
#include <cstdio>
#include <cstring>

#include "cli_args.h"
#include "commands.h"
#include "security/process_hardening.h"

namespace {
void usage(FILE* out) {
    std::fputs(
        "usage: switchboard-gateway COMMAND [OPTIONS]\n"
        "\n"
        "commands:\n"
        "  serve [--listen HOST:PORT] [--no-auth] [--admin-key-env NAME] [--database PATH]\n"
        "        [--tls-cert FILE --tls-key FILE | --insecure-plain-http]\n"
        "                       the OpenAI-compatible HTTP(S) gateway until SIGINT/SIGTERM; SIGHUP\n"
        "                       reloads the TLS certificate; off loopback https or the insecure flag\n"
        "  ask \"PROMPT\" [--provider NAME] [--model MODEL] [--stream] [--system TEXT]\n"
        "                [--max-tokens N] [--temperature T]\n"
        "  batch IN.jsonl -o OUT.jsonl [--concurrency N] [--restart] [--no-progress]\n"
        "  simulate [--port P] [--address A] [--profile FILE] [--api-key-env VAR]\n"
        "  demo [--rate N] [--seconds S]   synthetic traffic with a live one-line summary\n"
        "  keys create NAME [--rpm N] [--tpm N] [--budget-usd X]   a gateway API key, shown once\n"
        "  keys list | keys revoke ID | keys limits ID [--rpm N] [--tpm N] [--budget-usd X]\n"
        "                       [--db FILE] [--config FILE]\n"
        "  secrets set NAME | secrets list | secrets remove NAME\n"
        "                       provider API keys, stored encrypted; config: \"api_key\": \"secret:NAME\"\n"
        "  history rotate-key [--db FILE] [--config FILE]   re-encrypt stored text under a new key\n"
        "\n"
        "options for serve, ask, batch and demo:\n"
        "  --config FILE        configuration (default: $XDG_CONFIG_HOME/switchboard/config.json,\n"
        "                       else the built-in defaults)\n"
        "  --demo auto|on|off   serve providers from the built-in simulator (auto: those without a key)\n"
        "  --demo-profile FILE  simulator profile for demo mode\n"
        "  --db FILE            history database (default: $XDG_DATA_HOME/switchboard/switchboard.db)\n"
        "  --no-history         ask only: do not record the request\n"
        "\n"
        "exit codes: 0 ok, 1 request failed / fatal error, 2 usage, 3 batch finished with failed lines,\n"
        "            4 invalid configuration, 130 interrupted (a batch re-run resumes)\n",
        out);
}
}  // namespace

int main(int argc, char** argv) {
    sb::forbid_core_dumps();  // API keys are in memory: no core file holds them
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? sb::cli::ExitCode::Usage : sb::cli::ExitCode::Ok;
    }
    if (!std::strcmp(argv[1], "--version")) {
        std::puts("switchboard-gateway 0.1.0");
        return 0;
    }
    if (!std::strcmp(argv[1], "serve")) return sb::cli::run_serve(argc, argv);
    if (!std::strcmp(argv[1], "ask")) return sb::cli::run_ask(argc, argv);
    if (!std::strcmp(argv[1], "batch")) return sb::cli::run_batch(argc, argv);
    if (!std::strcmp(argv[1], "simulate")) return sb::cli::run_simulate(argc, argv);
    if (!std::strcmp(argv[1], "demo")) return sb::cli::run_demo(argc, argv);
    if (!std::strcmp(argv[1], "keys")) return sb::cli::run_keys(argc, argv);
    if (!std::strcmp(argv[1], "secrets")) return sb::cli::run_secrets(argc, argv);
    if (!std::strcmp(argv[1], "history")) return sb::cli::run_history(argc, argv);
    std::fprintf(stderr, "unknown command \"%s\"\n\n", argv[1]);
    usage(stderr);
    return sb::cli::ExitCode::Usage;
}
