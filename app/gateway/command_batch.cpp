// switchboard-gateway batch IN.jsonl -o OUT.jsonl [--concurrency N] [--restart] [--no-progress]
//                           [--deferred [--retry-failed-now]]
#include <unistd.h>

#include <cstdio>
#include <string>

#include "cli_args.h"
#include "cli_engine.h"
#include "commands.h"
#include "engine/batch_runner.h"
#include "stop_signal.h"

namespace sb::cli {

namespace {

void draw_progress(const BatchProgress& p) {
    const std::int64_t remaining_total = p.total - p.resumed;
    const double fraction = remaining_total > 0 ? static_cast<double>(p.done) / static_cast<double>(remaining_total) : 1.0;
    constexpr int width = 30;
    const int filled = static_cast<int>(fraction * width);
    const double rate = p.elapsed_s > 0 ? static_cast<double>(p.done) / p.elapsed_s : 0.0;
    const double eta = rate > 0 ? static_cast<double>(remaining_total - p.done) / rate : 0.0;
    std::fprintf(stderr, "\r%6lld/%lld [%.*s%.*s] %3.0f%%  %6.1f req/s  failed %lld  in flight %lld  eta %.0fs ",
                 static_cast<long long>(p.resumed + p.done), static_cast<long long>(p.total), filled,
                 "##############################", width - filled, "..............................", fraction * 100,
                 rate, static_cast<long long>(p.failed), static_cast<long long>(p.in_flight), eta);
    std::fflush(stderr);
}

// While the providers run a deferred batch: one line per change when stderr is a log, one
// line redrawn on a terminal.
void draw_deferred_progress(const BatchProgress& p, bool terminal) {
    static std::string last;
    const auto& d = p.deferred;
    char line[512];
    std::snprintf(line, sizeof line, "deferred: %lld submitted, %lld in progress, %lld completed, %lld failed (%s)",
                  static_cast<long long>(d.submitted), static_cast<long long>(d.in_progress),
                  static_cast<long long>(d.completed), static_cast<long long>(d.failed), d.status.c_str());
    if (terminal) {
        std::fprintf(stderr, "\r%s, %.0f s elapsed ", line, p.elapsed_s);
    } else if (line != last) {
        std::fprintf(stderr, "%s, %.0f s elapsed\n", line, p.elapsed_s);
        last = line;
    }
    std::fflush(stderr);
}

}  // namespace

int run_batch(int argc, char** argv) {
    std::set<std::string> values = engine_value_flags;
    values.insert({"-o", "--output", "--concurrency"});
    std::set<std::string> switches = engine_switches;
    switches.insert({"--restart", "--no-progress", "--deferred", "--retry-failed-now"});
    Args args;
    auto error = Args::parse(argc, argv, 2, values, switches, args);
    const auto output = args.value("-o") ? args.value("-o") : args.value("--output");
    const bool misused_retry = args.has("--retry-failed-now") && !args.has("--deferred");
    if (error || args.positional().size() != 1 || !output || args.has("--no-history") || misused_retry) {
        std::fprintf(stderr,
                     "%s\nusage: switchboard-gateway batch IN.jsonl -o OUT.jsonl [--concurrency N] [--restart] "
                     "[--deferred [--retry-failed-now]]\n",
                     error ? error->c_str()
                     : args.has("--no-history") ? "batch needs the history (it is what makes a batch resumable)"
                     : misused_retry            ? "--retry-failed-now goes with --deferred"
                                                : "batch takes one input file and -o OUTPUT");
        return ExitCode::Usage;
    }

    int exit_code = 0;
    auto engine = make_engine(args, true, exit_code);
    if (!engine) return exit_code;

    BatchOptions options;
    options.input = args.positional().front();
    options.output = *output;
    options.restart = args.has("--restart");
    options.deferred = args.has("--deferred");
    options.retry_failed_now = args.has("--retry-failed-now");
    options.max_concurrency = engine->config().batch.max_concurrency;
    if (auto concurrency = args.value("--concurrency")) {
        try {
            options.max_concurrency = std::stoi(*concurrency);
        } catch (const std::exception&) {
            options.max_concurrency = 0;
        }
        if (options.max_concurrency < 1 || options.max_concurrency > 4096) {
            std::fprintf(stderr, "--concurrency: must be an integer from 1 to 4096\n");
            return ExitCode::Usage;
        }
    }
    options.stop = &stop_on_signals();
    const bool terminal = isatty(STDERR_FILENO) && !args.has("--no-progress");
    if (terminal) options.on_progress = draw_progress;
    if (options.deferred && !args.has("--no-progress"))
        options.on_progress = [terminal](const BatchProgress& p) {
            if (p.deferred.submitted > 0 && p.done == 0) draw_deferred_progress(p, terminal);
            else if (terminal) draw_progress(p);
        };

    auto summary = run_batch(*engine, options);
    if (terminal) std::fputc('\n', stderr);
    if (!summary) {
        std::fprintf(stderr, "batch: %s\n", summary.error().c_str());
        return ExitCode::RequestFailed;
    }
    if (summary->interrupted) {
        std::fprintf(stderr, "batch %s interrupted: %lld of %lld lines done; run the same command again to resume\n",
                     summary->batch_id.c_str(), static_cast<long long>(summary->succeeded + summary->failed),
                     static_cast<long long>(summary->total));
        return ExitCode::Interrupted;
    }
    std::fprintf(stderr, "batch %s: %lld lines, %lld succeeded, %lld failed (%lld unreadable), %lld resumed from an earlier run → %s\n",
                 summary->batch_id.c_str(), static_cast<long long>(summary->total),
                 static_cast<long long>(summary->succeeded), static_cast<long long>(summary->failed),
                 static_cast<long long>(summary->invalid), static_cast<long long>(summary->resumed), output->c_str());
    return summary->failed > 0 ? ExitCode::SomeLinesFailed : ExitCode::Ok;
}

}  // namespace sb::cli
