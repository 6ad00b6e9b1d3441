// switchboard-gateway demo [--rate N] [--seconds S]: synthetic traffic through the engine
// and the simulator, with a live one-line summary — what the console shows, for a terminal.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>

#include "cli_args.h"
#include "cli_engine.h"
#include "commands.h"
#include "engine/demo_traffic.h"
#include "metrics/metrics_registry.h"
#include "stop_signal.h"

namespace sb::cli {

int run_demo(int argc, char** argv) {
    std::set<std::string> values = engine_value_flags;
    values.insert({"--rate", "--seconds"});
    Args args;
    if (auto error = Args::parse(argc, argv, 2, values, engine_switches, args); error || !args.positional().empty()) {
        std::fprintf(stderr, "%s\nusage: switchboard-gateway demo [--rate N] [--seconds S]\n",
                     error ? error->c_str() : "demo takes no positional arguments");
        return ExitCode::Usage;
    }
    int rate = 20, seconds = 0;
    try {
        rate = std::stoi(args.value("--rate").value_or("20"));
        seconds = std::stoi(args.value("--seconds").value_or("0"));
    } catch (const std::exception&) {
        rate = 0;
    }
    if (rate < DemoTraffic::kMinRate || rate > DemoTraffic::kMaxRate || seconds < 0) {
        std::fprintf(stderr, "--rate must be 1-500 and --seconds 0 or more (0 = until Ctrl-C)\n");
        return ExitCode::Usage;
    }

    int exit_code = 0;
    auto engine = make_engine(args, true, exit_code);
    if (!engine) return exit_code;
    if (!engine->demo_mode()) std::fprintf(stderr, "note: no provider is simulated; this sends real, billed requests\n");

    const auto& stop = stop_on_signals();
    DemoTraffic traffic(*engine);
    traffic.start(rate);
    const bool terminal = isatty(STDOUT_FILENO);
    const auto started = std::chrono::steady_clock::now();
    while (!stop) {
        std::this_thread::sleep_for(std::chrono::seconds(1));
        const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
        const auto window = std::clamp(elapsed, std::chrono::seconds(1), std::chrono::seconds(10));
        const auto recent = engine->metrics().recent(window, window);
        const double error_pct =
            recent.requests ? 100.0 * static_cast<double>(recent.errors) / static_cast<double>(recent.requests) : 0.0;
        std::printf("%s%6.1f req/s · p99 %6.0f ms · errors %4.1f%% · spend today $%.4f · %llu requests%s",
                    terminal ? "\r" : "", static_cast<double>(recent.requests) / static_cast<double>(window.count()), recent.p99_ms, error_pct,
                    recent.cost_today_usd, static_cast<unsigned long long>(recent.lifetime_requests),
                    terminal ? "  " : "\n");
        std::fflush(stdout);
        if (seconds > 0 && std::chrono::steady_clock::now() - started >= std::chrono::seconds(seconds)) break;
    }
    traffic.stop();
    if (terminal) std::fputc('\n', stdout);
    return ExitCode::Ok;
}

}  // namespace sb::cli
