// switchboard-gateway serve: the engine behind the OpenAI-compatible HTTP endpoint, plain http
// or https, until SIGINT or SIGTERM; SIGHUP reloads the TLS certificate.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "admin/console_api_server.h"
#include "cli_args.h"
#include "cli_engine.h"
#include "commands.h"
#include "console/console_wire.h"
#include "console/local_console.h"
#include "fleet/fleet_metrics.h"
#include "fleet/fleet_node.h"
#include "gateway/gateway_key_store.h"
#include "gateway/gateway_server.h"
#include "model/clock.h"
#include "model/digest.h"
#include "model/text.h"
#include "reload_signal.h"
#include "stop_signal.h"
#include "transport/url_policy.h"

namespace sb::cli {

namespace {

constexpr const char* kServeUsage =
    "usage: switchboard-gateway serve [--config FILE] [--listen HOST:PORT] [--demo auto|on|off]\n"
    "                                 [--database PATH] [--no-auth] [--admin-key-env NAME] [--name NAME]\n"
    "                                 [--advertise-url URL] [--max-body-mb N]\n"
    "                                 [--tls-cert FILE --tls-key FILE | --insecure-plain-http]\n"
    "Off loopback, serve https (--tls-cert/--tls-key, PEM; SIGHUP reloads them) or, behind a\n"
    "TLS-terminating proxy, pass --insecure-plain-http. With a \"fleet\" section in the config, --name\n"
    "must be unique in the fleet, and --advertise-url is where consoles reach this instance.\n"
    "--max-body-mb: the largest request body, in MiB (default 20: a request with a few photos).\n";

using namespace std::chrono_literals;

// "127.0.0.1:8080", "[::1]:0", ":8080" and "localhost:8080" (both 127.0.0.1). False when it is
// not HOST:PORT.
// The name consoles show for this gateway: --name, else the host's name.
std::string instance_name(const Args& args) {
    if (auto name = args.value("--name")) return *name;
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0 && host[0]) return host;
    return "gateway";
}

// Random per start, so a console notices a restart even when the versions read the same.
std::string random_instance_id() {
    auto id = random_hex(8);
    return id ? *id : std::to_string(unix_ms_now());
}

bool parse_listen(const std::string& text, std::string& host, std::uint16_t& port) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) return false;
    host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty() || iequals(host, "localhost")) host = "127.0.0.1";
    const auto digits = text.substr(colon + 1);
    if (digits.empty() || digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos)
        return false;
    const auto value = std::stoi(digits);
    if (value > 65535) return false;
    port = static_cast<std::uint16_t>(value);
    return true;
}

// Until SIGINT/SIGTERM. SIGHUP reloads the certificate (plain http: nothing to reload); failed handshakes are told at most every
// 10 s, so a scanner cannot flood the log.
void serve_until_stopped(GatewayServer& server, const GatewayOptions& options, const std::atomic<bool>& stop,
                         std::atomic<bool>* reload) {
    std::uint64_t reported_failures = 0;
    auto next_failure_report = std::chrono::steady_clock::now();
    while (!stop) {
        std::this_thread::sleep_for(100ms);
        if (!options.tls) {
            if (reload->exchange(false)) std::fprintf(stderr, "serve: SIGHUP: nothing to reload (plain http)\n");
            continue;
        }
        if (reload->exchange(false)) {
            if (auto reloaded = server.reload_tls())
                std::fprintf(stderr, "serve: reloaded the TLS certificate from %s\n", options.tls->cert_file.c_str());
            else
                std::fprintf(stderr, "serve: kept the previous TLS certificate: %s\n", reloaded.error().c_str());
        }
        const auto now = std::chrono::steady_clock::now();
        if (now < next_failure_report) continue;
        const auto failures = server.tls_handshake_failures();
        if (failures.count == reported_failures) continue;
        std::fprintf(stderr, "serve: %llu TLS handshake(s) failed (latest: %s)\n",
                     static_cast<unsigned long long>(failures.count - reported_failures),
                     failures.latest_reason.c_str());
        reported_failures = failures.count;
        next_failure_report = now + 10s;
    }
}

}  // namespace

int run_serve(int argc, char** argv) {
    // --database is the documented name; the other commands' --db works too.
    std::vector<std::string> words(argv, argv + argc);
    for (auto& word : words)
        if (word == "--database") word = "--db";
    std::vector<char*> pointers;
    for (auto& word : words) pointers.push_back(word.data());

    std::set<std::string> values = engine_value_flags;
    values.insert({"--listen", "--admin-key-env", "--threads", "--name", "--tls-cert", "--tls-key", "--advertise-url",
                   "--max-body-mb"});
    std::set<std::string> switches = engine_switches;
    switches.insert({"--no-auth", "--insecure-plain-http"});
    Args args;
    if (auto error = Args::parse(argc, pointers.data(), 2, values, switches, args);
        error || !args.positional().empty()) {
        std::fprintf(stderr, "%s\n%s", error ? error->c_str() : "serve takes no positional arguments",
                     kServeUsage);
        return ExitCode::Usage;
    }

    GatewayOptions options;
    if (!parse_listen(args.value("--listen").value_or("127.0.0.1:8080"), options.address, options.port)) {
        std::fprintf(stderr, "--listen must be HOST:PORT (e.g. 127.0.0.1:8080; port 0 picks a free one)\n%s",
                     kServeUsage);
        return ExitCode::Usage;
    }
    if (auto threads = args.value("--threads")) {
        options.threads = std::atoi(threads->c_str());
        if (options.threads < 1 || options.threads > 64) {
            std::fprintf(stderr, "--threads must be 1-64\n");
            return ExitCode::Usage;
        }
    }
    if (auto megabytes = args.value("--max-body-mb")) {
        const int value = std::atoi(megabytes->c_str());
        if (value < 1 || value > 1024 || std::to_string(value) != *megabytes)
            return usage_error("--max-body-mb must be a whole number from 1 to 1024", kServeUsage);
        options.max_body_bytes = static_cast<std::size_t>(value) << 20;
    }
    const std::string admin_env = args.value("--admin-key-env").value_or("SWITCHBOARD_ADMIN_KEY");
    if (const char* key = std::getenv(admin_env.c_str()); key && *key) {
        options.admin_key_sha256 = sha256_hex(key);
    } else if (args.has("--admin-key-env")) {
        std::fprintf(stderr, "--admin-key-env: environment variable %s is not set\n", admin_env.c_str());
        return ExitCode::Usage;
    }
    options.allow_unauthenticated = args.has("--no-auth");
    // Without keys, /v1 spends the providers' keys for whoever reaches it: only this machine may.
    if (options.allow_unauthenticated && !is_loopback_host(options.address)) {
        std::fprintf(stderr,
                     "serve: --no-auth is refused on %s, which is not a loopback address: /v1 would answer "
                     "anyone on the network with the providers' keys. Listen on 127.0.0.1, ::1 or localhost, "
                     "or drop --no-auth and create a gateway key with `switchboard-gateway keys create NAME`\n",
                     options.address.c_str());
        return ExitCode::Usage;
    }

    const auto cert = args.value("--tls-cert");
    const auto key = args.value("--tls-key");
    if (cert.has_value() != key.has_value())
        return usage_error("--tls-cert and --tls-key go together: the certificate and its private key", kServeUsage);
    const bool insecure_plain_http = args.has("--insecure-plain-http");
    if (cert && insecure_plain_http)
        return usage_error("--insecure-plain-http and --tls-cert/--tls-key exclude each other", kServeUsage);
    if (cert) options.tls = GatewayTls{*cert, *key};
    // Off this machine, plain http would carry the gateway and admin keys readable by anyone on the path.
    if (!options.tls && !insecure_plain_http && !is_loopback_host(options.address)) {
        std::fprintf(stderr,
                     "serve: plain http is refused on %s, which is not a loopback address: requests, answers and "
                     "the gateway and admin keys would cross the network unencrypted. Give --tls-cert FILE "
                     "--tls-key FILE to serve https, or pass --insecure-plain-http if a TLS-terminating proxy sits "
                     "in front of the gateway\n",
                     options.address.c_str());
        return ExitCode::Usage;
    }

    // Before the engine starts: a signal during start-up still ends in a clean stop (or reload).
    const auto& stop = stop_on_signals();
    // Always caught: a reload asked of a plain-http gateway must not end it (SIGHUP's default).
    std::atomic<bool>* reload = &reload_on_sighup();
    int exit_code = 0;
    auto engine = make_engine(args, true, exit_code);
    if (!engine) return exit_code;

    // Gateway keys live in the history database, beside the requests they made.
    std::shared_ptr<GatewayKeyStore> keys;
    std::size_t active_keys = 0;
    if (!options.allow_unauthenticated) {
        const auto database = engine->database_path();
        if (database.empty()) {
            std::fprintf(stderr, "serve: gateway keys are kept in the history database: without history, use --no-auth\n");
            return ExitCode::Usage;
        }
        auto opened = GatewayKeyStore::open(database);
        if (!opened) {
            std::fprintf(stderr, "serve: gateway keys in %s: %s\n", database.c_str(), opened.error().c_str());
            return ExitCode::RequestFailed;
        }
        keys = std::move(*opened);
        if (auto listed = keys->list())
            for (const auto& key : *listed) active_keys += key.revoked_ms ? 0 : 1;
        options.auth = keys.get();
    }
    // The fleet's families too, so one set of alert rules fits gateways in a fleet and alone.
    options.metrics_text = [&engine] { return engine->prometheus_text() + fleet_prometheus_text(std::nullopt, 0); };

    // The consoles' view of this gateway (admin API v1), with its keys to manage.
    auto console = std::make_unique<LocalConsole>(*engine);
    console->set_key_store(keys);
    const InstanceInfo instance{instance_name(args), SB_VERSION, unix_ms_now(), random_instance_id()};

    // In a fleet, limits, budgets and settings are the fleet's; its console API changes them all.
    std::unique_ptr<FleetNode> fleet;
    ConsoleApi* served = console.get();
    if (const auto& fleet_config = engine->config().fleet; fleet_config.enabled()) {
        fleet = FleetNode::join(*fleet_config.redis,
                                FleetMember{instance.name, {}, instance.version, instance.started_ms, instance.instance_id},
                                *engine, *console, keys);
        served = &fleet->console();
        if (keys) options.auth = fleet->auth();
        options.fleet_json = [node = fleet.get()] { return wire::encode(std::optional(node->status())).dump(); };
        options.metrics_text = [&engine, node = fleet.get()] { return engine->prometheus_text() + node->prometheus_text(); };
    }
    auto console_api = std::make_unique<ConsoleApiServer>(*served, instance);
    options.console_api = [api = console_api.get()](const GatewayRequest& request,
                                                    const std::shared_ptr<ResponseChannel>& channel) {
        api->handle(request, channel);
    };

    auto server = GatewayServer::start(*engine, options);
    if (!server) {
        std::fprintf(stderr, "serve: %s\n", server.error().c_str());
        return ExitCode::RequestFailed;
    }
    const bool v6 = options.address.find(':') != std::string::npos;
    const std::string url = std::string(options.tls ? "https" : "http") + "://" + (v6 ? "[" : "") + options.address +
                            (v6 ? "]" : "") + ":" + std::to_string((*server)->port());
    if (fleet) {
        const auto& advertised = engine->config().fleet.advertise_url;
        auto announced = fleet->announce(args.value("--advertise-url").value_or(advertised.empty() ? url : advertised));
        if (!announced) {
            std::fprintf(stderr, "serve: %s\n", announced.error().c_str());
            (*server)->stop();
            return ExitCode::Usage;
        }
        const auto status = fleet->status();
        std::fprintf(stderr, "fleet: %s as \"%s\", %lld instance(s) live%s%s\n", status.redis.c_str(), instance.name.c_str(),
                     static_cast<long long>(status.live_instances), status.degraded ? "; degraded: " : "",
                     status.reason.c_str());
    }
    std::printf("listening on %s\n", url.c_str());
    std::fflush(stdout);
    if (insecure_plain_http && !is_loopback_host(options.address))
        std::fprintf(stderr,
                     "warning: --insecure-plain-http: traffic to %s travels unencrypted, gateway and admin keys "
                     "included; only safe behind a TLS-terminating proxy\n",
                     options.address.c_str());
    if (options.allow_unauthenticated)
        std::fprintf(stderr,
                     "note: --no-auth: /v1 answers anyone who can reach %s; for local development only\n",
                     options.address.c_str());
    else if (active_keys == 0)
        std::fprintf(stderr, "note: no gateway keys yet: every /v1 request is refused (401) until one is created with "
                             "`switchboard-gateway keys create NAME`\n");
    else
        std::fprintf(stderr, "%zu gateway key(s) active\n", active_keys);
    std::fprintf(stderr, "admin API %s\n", options.admin_key_sha256.empty() ? "off (no admin key)" : "on");
    if (engine->demo_mode())
        std::fprintf(stderr, "demo mode: some providers are served by the built-in simulator\n");

    serve_until_stopped(**server, options, stop, reload);
    std::fprintf(stderr, "stopping\n");
    (*server)->stop();  // before the engine: open requests are cancelled while it is there
    server->reset();
    console_api.reset();  // ends the consoles' streams
    fleet.reset();        // leaves the registry; writes pending spend
    console.reset();      // stops demo traffic; lets go of the key store
    keys.reset();  // flushes spend not yet written
    engine.reset();
    return ExitCode::Ok;
}

}  // namespace sb::cli
