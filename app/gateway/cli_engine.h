#pragma once
// What every engine-using command shares: --config, --demo, --demo-profile, --db, --no-history.
#include <memory>
#include <set>
#include <string>

#include "cli_args.h"
#include "engine/engine.h"

namespace sb::cli {

inline const std::set<std::string> engine_value_flags = {"--config", "--demo", "--demo-profile", "--db"};
inline const std::set<std::string> engine_switches = {"--no-history"};

// Loads the config (--config, else the XDG config file if present, else built-in defaults),
// applies --demo, starts the engine. On failure prints why to stderr and sets `exit_code`.
std::unique_ptr<Engine> make_engine(const Args& args, bool history, int& exit_code);

}  // namespace sb::cli
