#pragma once
// The providers requests start with: each one's config, adapter and load (adaptive limit and
// queue), swapped whole by apply_providers(). A request keeps the set it started with, so its
// retries and failovers never see a half-changed set.
#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "providers/provider_adapter.h"
#include "resilience/concurrency_limiter.h"
#include "routing/router.h"

namespace sb {

struct Call;

// A provider's adaptive limit and queue; kept across a providers change that leaves its
// connection and concurrency settings alone.
struct ProviderLoad {
    ConcurrencyLimiter limiter;
    std::mutex mutex;  // guards `waiting` together with the limiter's acquire
    std::deque<std::shared_ptr<Call>> waiting;

    explicit ProviderLoad(const ConcurrencyConfig& concurrency) : limiter(concurrency) {}
};

struct ProviderState {
    ProviderConfig config;
    std::unique_ptr<ProviderAdapter> adapter;
    std::shared_ptr<ProviderLoad> load;
};

// Everything but the name that decides how a provider is reached.
bool same_connection(const ProviderConfig& a, const ProviderConfig& b);

struct ProviderSet {
    std::vector<ProviderState> states;
    std::unordered_map<std::string, std::size_t> index;
    std::shared_ptr<const std::vector<ProviderConfig>> configs;

    // `before` (may be null) lends its load to providers whose settings did not change.
    ProviderSet(const std::vector<ProviderConfig>& providers, const ProviderSet* before);

    const ProviderState* find(const std::string& name) const;
    // The target's model, or its provider's default model when the target names none.
    std::string model_of(const TargetKey& target) const;
};

// The set the next request starts with. A request takes it and its first route under the
// shared side of swap_lock(), so both come from one side of a change; apply_providers() and
// apply_routing() swap under the exclusive side.
class LiveProviders {
public:
    std::shared_ptr<const ProviderSet> current() const { return m_set.load(); }
    void replace(std::shared_ptr<const ProviderSet> next) { m_set.store(std::move(next)); }
    std::shared_mutex& swap_lock() { return m_swap; }

private:
    std::atomic<std::shared_ptr<const ProviderSet>> m_set;
    std::shared_mutex m_swap;
};

}  // namespace sb
