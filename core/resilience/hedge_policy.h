#pragma once
// When to hedge a request: after a quantile of its target's recent latencies (or a fixed
// delay), and only while hedges stay within their share of requests. The share is a running
// budget (every request adds `max_share` of a hedge, each hedge takes one, at most
// kBudgetBurst banked), so a provider that turns slow gets at most that share more traffic.
// Thread-safe.
#include <array>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "config/hedge_config.h"

namespace sb {

class HedgePolicy {
public:
    explicit HedgePolicy(HedgeConfig config);

    // A request starts on `target` ("provider/model"): the delay after which to hedge it, or
    // nullopt while the target has too few latencies to know its quantile.
    std::optional<std::chrono::milliseconds> delay_for(const std::string& target);
    // The delay passed: true when the budget has a hedge to spend (and spends it).
    bool take();
    // A successful attempt's latency on `target`.
    void observe(const std::string& target, std::chrono::microseconds latency);

    const HedgeConfig& config() const { return m_config; }

    static constexpr std::size_t kWindow = 256;    // latencies kept per target
    static constexpr std::size_t kMinSamples = 20;  // before a quantile is trusted
    static constexpr double kBudgetBurst = 10;

private:
    struct Latencies {
        std::array<float, kWindow> ms{};
        std::size_t count = 0;  // total seen; the ring holds the last min(count, kWindow)
        double quantile_ms = 0;
        std::size_t quantile_at = 0;  // `count` when quantile_ms was computed
    };

    HedgeConfig m_config;
    std::mutex m_mutex;
    std::unordered_map<std::string, Latencies> m_targets;
    double m_budget = 1;  // hedges that may be sent now
};

}  // namespace sb
