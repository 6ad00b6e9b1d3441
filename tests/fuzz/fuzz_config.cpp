// The config loader, sb::parse_config (core/config/config.h), on any JSON text, with an
// environment where no variable is set. Invariants:
// - a rejected config is a list of errors, each saying what is wrong (never an exception);
// - an accepted config round-trips: what to_json writes (what the console saves) parses
//   again, and writes out the same.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "config/config.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    static const sb::EnvLookup no_environment = [](const std::string&) {
        return std::optional<std::string>();
    };
    const auto json = nlohmann::json::parse(sb::fuzz::as_text(bytes, size), nullptr, false);
    if (json.is_discarded()) return 0;  // load_config reports "is not valid JSON" itself
    const auto config = sb::parse_config(json, no_environment);
    if (!config) {
        SB_FUZZ_CHECK(!config.error().empty());
        for (const auto& error : config.error()) SB_FUZZ_CHECK(!error.rule.empty());
        return 0;
    }
    const auto saved = sb::to_json(*config);
    const auto again = sb::parse_config(saved, no_environment);
    SB_FUZZ_CHECK(again.has_value());
    SB_FUZZ_CHECK(sb::to_json(*again) == saved);
    return 0;
}
