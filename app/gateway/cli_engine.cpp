#include "cli_engine.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "config/embedded_resources.h"
#include "config/paths.h"

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
    std::string source = "built-in defaults";
    std::string text(embedded_default_config());
    std::filesystem::path file;
    if (auto given = args.value("--config")) file = *given;
    else if (std::filesystem::exists(default_config_file())) file = default_config_file();
    if (!file.empty()) {
        auto loaded = read_text(file);
        if (!loaded) {
            std::fprintf(stderr, "config: cannot read %s\n", file.c_str());
            return nullptr;
        }
        text = std::move(*loaded);
        source = file.string();
    }
    auto json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded()) {
        std::fprintf(stderr, "config: %s is not valid JSON\n", source.c_str());
        return nullptr;
    }
    if (auto demo = args.value("--demo")) {
        if (json.is_object()) json["demo"]["mode"] = *demo;
    }
    auto config = parse_config(json);
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
