#include "cli_engine.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "security/secret_environment.h"

namespace sb::cli {

namespace {
std::optional<std::string> read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}
}  // namespace

std::unique_ptr<Engine> make_engine(const Args& args, bool history, int& exit_code) {
    exit_code = ExitCode::ConfigInvalid;
    std::string source;
    auto config = load_user_config(args.value("--config").value_or(""), process_environment(), &source,
                                   args.value("--demo").value_or(""));
    if (!config) {
        std::fprintf(stderr, "config: %s is invalid:\n", source.c_str());
        for (const auto& error : config.error()) std::fprintf(stderr, "  %s\n", error.to_string().c_str());
        return nullptr;
    }
    for (const auto& note : config->notes) std::fprintf(stderr, "config: note: %s\n", note.to_string().c_str());

    EngineOptions options;
    options.config = std::move(*config);
    options.history = history && !args.has("--no-history");
    if (auto db = args.value("--db")) options.database = *db;
    if (auto profile = args.value("--demo-profile")) {
        auto profile_text = read_text(*profile);
        if (!profile_text) {
            std::fprintf(stderr, "--demo-profile: cannot read %s\n", profile->c_str());
            return nullptr;
        }
        options.demo_profile_json = std::move(*profile_text);
    }
    auto engine = Engine::create(std::move(options));
    if (!engine) {
        std::fprintf(stderr, "error: %s\n", engine.error().c_str());
        exit_code = ExitCode::RequestFailed;
        return nullptr;
    }
    exit_code = ExitCode::Ok;
    return std::move(*engine);
}

}  // namespace sb::cli
