// switchboard-gateway simulate [--port P] [--address A] [--profile FILE] [--api-key-env VAR]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli_args.h"
#include "commands.h"
#include "config/embedded_resources.h"
#include "simulator/simulator.h"
#include "simulator/simulator_profile.h"
#include "stop_signal.h"

namespace sb::cli {

int run_simulate(int argc, char** argv) {
    Args args;
    if (auto error = Args::parse(argc, argv, 2, {"--port", "--address", "--profile", "--api-key-env", "--threads"}, {}, args);
        error || !args.positional().empty()) {
        std::fprintf(stderr, "%s\nusage: switchboard-gateway simulate [--port P] [--address A] [--profile FILE] "
                             "[--api-key-env VAR] [--threads N]\n",
                     error ? error->c_str() : "simulate takes no positional arguments");
        return ExitCode::Usage;
    }

    std::expected<SimulatorProfile, std::string> profile;
    std::string profile_name = "built-in demo profile";
    if (auto file = args.value("--profile")) {
        profile = load_simulator_profile(*file);
        profile_name = *file;
    } else {
        const auto json = nlohmann::json::parse(embedded_demo_profile(), nullptr, false);
        profile = parse_simulator_profile(json);
    }
    if (!profile) {
        std::fprintf(stderr, "profile %s: %s\n", profile_name.c_str(), profile.error().c_str());
        return ExitCode::ConfigInvalid;
    }

    SimulatorOptions options;
    options.address = args.value("--address").value_or("127.0.0.1");
    if (auto variable = args.value("--api-key-env")) {
        const char* key = std::getenv(variable->c_str());
        if (!key || !*key) {
            std::fprintf(stderr, "--api-key-env: environment variable %s is not set\n", variable->c_str());
            return ExitCode::Usage;
        }
        options.api_key = key;
    }
    int port = 0;
    try {
        port = std::stoi(args.value("--port").value_or("0"));
        options.threads = std::stoi(args.value("--threads").value_or("2"));
    } catch (const std::exception&) {
        port = -1;
    }
    if (port < 0 || port > 65535 || options.threads < 1 || options.threads > 64) {
        std::fprintf(stderr, "--port must be 0-65535 and --threads 1-64\n");
        return ExitCode::Usage;
    }

    Simulator simulator(std::move(*profile), options);
    const auto bound = simulator.start(static_cast<std::uint16_t>(port));
    if (!bound) {
        std::fprintf(stderr, "simulate: %s\n", bound.error().c_str());
        return ExitCode::RequestFailed;
    }
    const auto& stop = stop_on_signals();
    std::printf("simulator listening on http://%s:%u/v1 (%s); Ctrl-C stops it\n", options.address.c_str(),
                static_cast<unsigned>(*bound), profile_name.c_str());
    std::fflush(stdout);
    while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    simulator.stop();
    return ExitCode::Ok;
}

}  // namespace sb::cli
