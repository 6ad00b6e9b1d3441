#pragma once
// The baseline replay: one workload (workload.h) sent, on its own schedule, through one of
// these clients, each against its own simulated upstreams over loopback HTTP.
//
//   raw       a naive client: HttpClient + the OpenAI wire format, one attempt per request, no
//             cache, no tiers, always the strong model (what a team writes first; the reference
//             case's row)
//   sdk       the same with the official OpenAI SDKs' default retries (sdk_retry.h): what apps
//             calling the SDK really have
//   batching  the Engine with adaptive concurrency, retries and failover (cache off); requests
//             still name the strong model, whose tier is the failover plan
//   hedge     batching with hedged requests (retry.hedge as shipped, turned on)
//   cache     the Engine as shipped: cache on, model "auto" so the routing rules pick the tier
//   semantic  the same with the semantic cache (cache.semantic as shipped, turned on)
//
// Latency is measured by the driver from the moment a turn is due to its answer (or failure),
// the same way for every mode; cost is priced from the usage each answer reports, with the
// same price table.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "config/config.h"
#include "cost/price_table.h"
#include "replay/workload.h"
#include "simulator/simulator_profile.h"

namespace sb {
class Simulator;
}

namespace sb::replay {

enum class Mode { Raw, SdkRetries, Batching, Hedging, CacheTiers, Semantic };
inline constexpr Mode kModes[] = {Mode::Raw,     Mode::SdkRetries, Mode::Batching,
                                  Mode::Hedging, Mode::CacheTiers, Mode::Semantic};
const char* to_string(Mode mode);  // "raw", "sdk", "batching", "hedge", "cache", "semantic"
const char* label(Mode mode);      // "raw calls", "raw calls + SDK retries", "batching", "batching + hedging", …

// One simulator per configured provider, in this process, each on its own port.
class Upstreams {
public:
    Upstreams();
    ~Upstreams();
    Upstreams(Upstreams&&) noexcept;
    Upstreams& operator=(Upstreams&&) noexcept;
    // Every provider of `config` gets a simulator with `profile` (seeded per provider).
    static std::expected<Upstreams, std::string> start(const Config& config, const SimulatorProfile& profile);
    const std::map<std::string, std::uint16_t>& ports() const { return m_ports; }

private:
    std::vector<std::unique_ptr<Simulator>> m_simulators;
    std::map<std::string, std::uint16_t> m_ports;
};

// `base` with every provider pointed at its simulator, the client's per-attempt timeout, no
// demo mode, and the mode's cache setting. Routing, retries, limits and rules stay as given.
Config replay_config(Config base, const std::map<std::string, std::uint16_t>& ports,
                     const ClientParams& client, Mode mode);

struct RequestRecord {
    int conversation = 0;
    int turn = 0;
    bool measured = false;
    Difficulty difficulty = Difficulty::Simple;
    bool finished = false;
    bool ok = false;
    double latency_ms = 0;
    double cost_usd = 0;
    bool cost_known = true;
    std::string provider, model, tier, cache, error;
    int upstream_attempts = 0;  // calls that reached an upstream (0 for a cache hit)
    bool failed_over = false;
    bool hedged = false, hedge_won = false;
    double hedge_cost_usd = 0;  // the losing attempt's bill (in cost_usd too)
};

struct ModeRun {
    Mode mode = Mode::Raw;
    std::vector<RequestRecord> records;  // conversation by conversation, turn by turn
    double wall_s = 0;
    double cpu_s = 0;      // of this process while the mode ran (all modes, when run together)
    bool complete = true;  // every request finished before the guard time
};

struct RunOptions {
    // After the last turn was sent, how long unfinished requests may still take.
    std::chrono::milliseconds guard{180'000};
};

// Blocks until every request of the workload finished (or the guard passed).
ModeRun run_mode(const Workload& workload, Mode mode, const Config& config, const PriceTable& prices,
                 RunOptions options = {});

struct ModeSummary {
    Mode mode = Mode::Raw;
    std::size_t requests = 0, answered = 0;
    double success = 0;  // answered / requests
    double mean_ms = 0, p50_ms = 0, p90_ms = 0, p99_ms = 0,
           max_ms = 0;  // every request, failed ones included
    double mean_answered_ms = 0;
    double cost_usd = 0;  // every answer's price, summed
    double cost_per_1k_answered = 0;
    double saved_vs_raw = 0;        // 1 − cost per answer / raw's cost per answer
    double saved_total_vs_raw = 0;  // 1 − total cost / raw's total cost
    double cache_hit_ratio = 0;     // answered by the cache (hits and shared in-flight answers)
    double upstream_calls_per_request = 0;
    double failover_share = 0;
    double hedge_share = 0;      // requests hedged
    double hedge_won_share = 0;  // of the hedged, answered by the hedge
    double hedge_cost_share = 0;  // the losing attempts' bills, of the total cost
    std::map<std::string, double> model_share;  // answered requests per model
    std::map<std::string, double> error_share;  // failed requests per error class
    // Rows: the workload's difficulty; columns: the engine's tier (share of that difficulty).
    std::map<std::string, std::map<std::string, double>> tier_by_difficulty;
    std::vector<double> latency_quantiles;  // 0.00, 0.01, … 1.00 (101 values), every request
};

ModeSummary summarize(const ModeRun& run, bool measured_only = true);
// The warm-up's requests alone: how the client does from a cold start (empty cache, limits
// still at their initial values).
ModeSummary summarize_warmup(const ModeRun& run);
// Fills saved_vs_raw / saved_total_vs_raw of each summary against the raw one.
void compare_with_raw(std::vector<ModeSummary>& summaries);

nlohmann::json to_json(const ModeSummary& summary);

}  // namespace sb::replay
