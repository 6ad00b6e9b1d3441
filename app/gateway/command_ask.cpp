// switchboard-gateway ask "…" [--provider P] [--model M] [--stream] [--system S] …
#include <cstdio>
#include <string>

#include "cli_args.h"
#include "cli_engine.h"
#include "commands.h"
#include "security/redaction.h"

namespace sb::cli {

int run_ask(int argc, char** argv) {
    std::set<std::string> values = engine_value_flags;
    values.insert({"--provider", "--model", "--system", "--max-tokens", "--temperature"});
    std::set<std::string> switches = engine_switches;
    switches.insert({"--stream", "--explain"});
    Args args;
    if (auto error = Args::parse(argc, argv, 2, values, switches, args); error || args.positional().size() != 1) {
        std::fprintf(stderr, "%s\nusage: switchboard-gateway ask \"PROMPT\" [--provider NAME] [--model MODEL] "
                             "[--stream] [--explain] [--system TEXT] [--max-tokens N] [--temperature T]\n",
                     error ? error->c_str() : "ask takes exactly one prompt");
        return ExitCode::Usage;
    }

    ChatRequest request;
    request.source = "cli";
    if (auto system = args.value("--system")) request.messages.push_back({Role::System, *system});
    request.messages.push_back({Role::User, args.positional().front()});
    request.provider = args.value("--provider").value_or("");
    request.model = args.value("--model").value_or("");
    request.stream = args.has("--stream");
    try {
        if (auto n = args.value("--max-tokens")) request.max_tokens = std::stoi(*n);
        if (auto t = args.value("--temperature")) request.temperature = std::stod(*t);
    } catch (const std::exception&) {
        std::fprintf(stderr, "--max-tokens and --temperature take numbers\n");
        return ExitCode::Usage;
    }

    int exit_code = 0;
    auto engine = make_engine(args, true, exit_code);
    if (!engine) return exit_code;

    std::promise<RequestResult> done;
    auto future = done.get_future();
    engine->submit(
        std::move(request), [&done](RequestResult&& result) { done.set_value(std::move(result)); },
        [](const StreamDelta& delta) {
            std::fwrite(delta.content.data(), 1, delta.content.size(), stdout);
            std::fflush(stdout);
        });
    const RequestResult result = future.get();

    const bool simulated = [&] {
        const auto* provider = engine->config().provider(result.provider);
        return provider && provider->simulated;
    }();
    if (!result.ok()) {
        const auto& error = result.outcome.error();
        // An upstream error can echo what was sent: log lines are redacted unless told not to.
        const std::string message = engine->config().privacy.redact_logs ? redact(error.message) : error.message;
        std::fprintf(stderr, "%serror: %s: %s\n", args.has("--stream") ? "\n" : "", std::string(to_string(error.cls)).c_str(),
                     message.c_str());
        return ExitCode::RequestFailed;
    }
    if (!args.has("--stream")) std::fputs(result.outcome->content.c_str(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);  // the answer before the footer, also when both go to one pipe
    const std::string tier = result.tier.empty() ? std::string() : " · tier " + result.tier;
    std::fprintf(stderr, "[%s %s%s · %.0f ms · %zu attempt%s · %lld→%lld tokens%s]\n", result.provider.c_str(),
                 result.model.c_str(), tier.c_str(), result.total_ms, result.attempts.size(), result.attempts.size() == 1 ? "" : "s",
                 static_cast<long long>(result.outcome->usage.input_tokens),
                 static_cast<long long>(result.outcome->usage.output_tokens), simulated ? " · demo simulator" : "");
    if (args.has("--explain")) std::fprintf(stderr, "[route: %s]\n", result.route_reason.c_str());
    return ExitCode::Ok;
}

}  // namespace sb::cli
