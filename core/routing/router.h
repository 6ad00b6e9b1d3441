#pragma once
// The router: picks a tier for a request (tier_classifier.h), then a target within the tier
// (weighted random, latency-aware, sticky by conversation), skipping disabled targets and
// open circuits; gives the next target to fail over to; learns from every attempt's outcome
// (latency EWMA, circuit breaker). Thread-safe; update() applies new weights live — the very
// next pick follows them — keeping the learned state of targets that stay.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/routing_config.h"
#include "model/chat.h"
#include "model/error.h"
#include "resilience/circuit_breaker.h"

namespace sb {

struct Classification {
    std::string tier;
    std::string rule;    // the rule that matched; empty when the default tier was used
    std::string reason;  // for people: "keyword \"refactor\" (rule code-work)"
};

struct TargetKey {
    std::string provider;
    std::string model;  // resolved (never empty once picked)
    bool operator==(const TargetKey&) const = default;
};

struct TargetChoice {
    TargetKey target;
    std::string reason;  // "weighted 60% of tier standard", "sticky: conversation c-12", "half-open probe"
};

struct TargetState {
    std::string tier;
    TargetKey target;
    double weight = 0;            // configured
    double configured_share = 0;  // weight / sum of enabled weights in the tier
    double effective_share = 0;   // what picks follow now (latency, circuits, disabled providers)
    bool enabled = true;
    bool provider_usable = true;
    CircuitState circuit = CircuitState::Closed;
    double latency_ewma_ms = 0;  // 0 until measured
    std::uint64_t picks = 0;     // since start (or since the target appeared)
};

struct RouterOptions {
    std::function<double()> uniform;                                   // U[0,1); empty = random
    std::function<std::chrono::steady_clock::time_point()> now;       // empty = steady_clock
    // Provider name → default model, used when a target names no model.
    std::function<std::string(std::string_view provider)> default_model;
};

class Router {
public:
    explicit Router(RoutingConfig config, RouterOptions options = {});
    ~Router();

    void update(RoutingConfig config);  // live; the next pick follows it
    RoutingConfig config() const;
    // Providers that are disabled or unconfigured are never picked.
    void set_provider_usable(const std::string& provider, bool usable);
    // A provider's key changed: clears its circuits that auth failures opened.
    void reset_auth(const std::string& provider);
    // A provider's connection changed (URL, key, timeouts…): what was learnt about it —
    // circuits and latency — no longer applies, so its targets start afresh.
    void reset_provider(const std::string& provider);

    Classification classify(const ChatRequest& request) const;

    // A target of `tier` not in `exclude`, or nullopt when none is usable (all disabled,
    // excluded or open). Counts as an attempt for half-open probing: follow it with record().
    std::optional<TargetChoice> pick(std::string_view tier, const ChatRequest& request,
                                     std::span<const TargetKey> exclude = {});
    // The outcome of one attempt on `target` (error None = success); `latency` of the attempt.
    // Cancelled attempts must be reported too (they free a half-open probe slot).
    void record(const TargetKey& target, ErrorClass error, std::chrono::microseconds latency);
    // What pick() would choose now, with no side effects (for the "which target?" preview).
    std::optional<TargetChoice> peek(std::string_view tier, const ChatRequest& request,
                                     std::span<const TargetKey> exclude = {}) const;

    std::vector<TargetState> states() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace sb
