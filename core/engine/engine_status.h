#pragma once
// What the engine reports about itself: its totals and providers' load, and where a request
// would be routed without sending it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "routing/router.h"

namespace sb {

struct ProviderStatus {
    std::string name;
    bool simulated = false;
    int concurrency_limit = 0;
    int in_flight = 0;
    int waiting = 0;
    double baseline_latency_ms = 0;
};

// Which tier and target a request would get, and why — without sending it.
struct RoutePreview {
    Classification classification;
    std::optional<TargetChoice> choice;  // nullopt: no usable target (reason in `problem`)
    std::string problem;
};

// Bumped by every change of that setting, wherever it was made (the console, the gateway's
// admin API): pages compare them to know what to refresh.
struct SettingsVersions {
    std::uint64_t providers = 0;
    std::uint64_t routing = 0;
    std::uint64_t cache_rules = 0;
    std::uint64_t prices = 0;
    std::uint64_t alert_rules = 0;
    bool operator==(const SettingsVersions&) const = default;
};

struct EngineStats {
    std::uint64_t submitted = 0;
    std::uint64_t succeeded = 0;
    std::uint64_t failed = 0;
    std::uint64_t cancelled = 0;
    std::uint64_t retries = 0;
    std::uint64_t failovers = 0;
    std::uint64_t hedges = 0;      // hedged copies sent
    std::uint64_t hedges_won = 0;  // of which answered first
    std::vector<ProviderStatus> providers;
};

}  // namespace sb
