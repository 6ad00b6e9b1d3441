#include "routing/router.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <random>
#include <unordered_map>

#include "routing/latency_tracker.h"
#include "routing/tier_classifier.h"
#include "routing/weighted_choice.h"

namespace sb {

namespace {

using Clock = std::chrono::steady_clock;

// What the router learns about one provider/model; shared by every tier that uses it, since
// a failing model fails for all of them.
struct Runtime {
    TargetKey key;
    CircuitBreaker breaker;
    LatencyEwma latency;
};

struct Slot {
    RouteTarget config;
    TargetKey key;  // model resolved
    std::uint64_t key_hash = 0;
    Runtime* runtime = nullptr;
    const bool* usable = nullptr;  // the provider's entry in Impl::usable
    std::uint64_t picks = 0;
};

struct Tier {
    std::string name;
    Balancing balancing = Balancing::Weighted;
    std::vector<Slot> slots;
};

double sane_weight(double weight) {
    return std::isfinite(weight) && weight > 0 ? weight : 0.0;
}

bool excluded(const TargetKey& key, std::span<const TargetKey> exclude) {
    for (const auto& e : exclude)
        if (e.model == key.model && e.provider == key.provider) return true;
    return false;
}

double thread_uniform() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

void append_integer(std::string& out, long long value) {
    char text[24];
    const auto end = std::to_chars(text, text + sizeof text, value).ptr;
    out.append(text, end);
}

// "60%", "0.4%" under one percent. to_chars, not printf: the reason is built on every pick.
void append_percent(std::string& out, double share) {
    const double percent = share * 100.0;
    if (percent > 0 && percent < 0.95) {
        out.append("0.");
        append_integer(out, std::max(1LL, std::llround(percent * 10)));
    } else {
        append_integer(out, std::llround(percent));
    }
    out.push_back('%');
}

void append_ms(std::string& out, double ms) {
    append_integer(out, std::llround(ms));
    out.append(" ms");
}

}  // namespace

struct Router::Impl {
    RouterOptions options;
    mutable std::mutex mutex;
    RoutingConfig config;
    std::shared_ptr<const TierClassifier> classifier;
    std::vector<Tier> tiers;
    std::vector<std::unique_ptr<Runtime>> runtimes;
    std::unordered_map<std::string, bool> usable;  // node-based: Slot::usable pointers stay valid
    mutable std::vector<Candidate> scratch;        // reused under the lock: picks do not allocate
    mutable bool standby = false;                  // the last candidates() fell back to weight-0 targets

    Clock::time_point now() const { return options.now ? options.now() : Clock::now(); }

    // The tier table for `config`, models resolved; runtimes are attached under the lock.
    std::vector<Tier> build_tiers(const RoutingConfig& routing) const {
        std::vector<Tier> built;
        built.reserve(routing.tiers.size());
        for (const auto& tier : routing.tiers) {
            Tier t{tier.name, tier.balancing, {}};
            t.slots.reserve(tier.targets.size());
            for (const auto& target : tier.targets) {
                Slot slot;
                slot.config = target;
                slot.key.provider = target.provider;
                slot.key.model = target.model.empty() && options.default_model
                                     ? options.default_model(target.provider)
                                     : target.model;
                slot.key_hash = stable_hash(slot.key.model, stable_hash(slot.key.provider));
                t.slots.push_back(std::move(slot));
            }
            built.push_back(std::move(t));
        }
        return built;
    }

    // Under the lock: swaps in the new table, keeping what was learned about targets that stay.
    void install(RoutingConfig routing, std::vector<Tier> built,
                 std::shared_ptr<const TierClassifier> rules) {
        std::vector<std::unique_ptr<Runtime>> kept;
        const auto runtime_for = [&](const TargetKey& key) -> Runtime* {
            for (auto& r : kept)
                if (r->key == key) return r.get();
            auto old = std::find_if(runtimes.begin(), runtimes.end(),
                                    [&](const auto& r) { return r && r->key == key; });
            if (old != runtimes.end()) {
                kept.push_back(std::move(*old));
            } else {
                kept.push_back(std::make_unique<Runtime>(Runtime{key, CircuitBreaker(routing.circuit), {}}));
            }
            return kept.back().get();
        };
        for (auto& tier : built) {
            const auto old_tier =
                std::find_if(tiers.begin(), tiers.end(), [&](const Tier& t) { return t.name == tier.name; });
            for (auto& slot : tier.slots) {
                slot.runtime = runtime_for(slot.key);
                slot.usable = &usable.try_emplace(slot.key.provider, true).first->second;
                if (old_tier == tiers.end()) continue;
                for (const auto& old : old_tier->slots)
                    if (old.key == slot.key) slot.picks = old.picks;
            }
        }
        for (auto& r : kept) r->breaker.set_config(routing.circuit);
        runtimes = std::move(kept);
        tiers = std::move(built);
        config = std::move(routing);
        classifier = std::move(rules);
        std::size_t widest = 16;
        for (const auto& tier : tiers) widest = std::max(widest, tier.slots.size());
        scratch.reserve(widest);
    }

    Tier* find_tier(std::string_view name) {
        for (auto& t : tiers)
            if (t.name == name) return &t;
        return nullptr;
    }
    const Tier* find_tier(std::string_view name) const { return const_cast<Impl*>(this)->find_tier(name); }

    // Fills `scratch` with the tier's usable targets and the weights picks follow now.
    void candidates(const Tier& tier, std::span<const TargetKey> exclude, Clock::time_point at) const {
        scratch.clear();
        standby = false;
        for (std::size_t i = 0; i < tier.slots.size(); ++i) {
            const Slot& slot = tier.slots[i];
            if (!slot.config.enabled || !*slot.usable || excluded(slot.key, exclude) ||
                !slot.runtime->breaker.available(at))
                continue;
            const auto& latency = slot.runtime->latency;
            scratch.push_back({i, sane_weight(slot.config.weight), slot.key_hash,
                               latency.measured() ? latency.value_ms() : -1.0});
        }
        if (scratch.empty()) return;
        if (total_weight(scratch) <= 0) {
            // Only standby (weight-0) targets are left: the first in the tier's order takes
            // over, so failover follows the order the operator wrote.
            standby = true;
            scratch.resize(1);
            scratch.front().weight = 1.0;
        } else if (tier.balancing == Balancing::LatencyAware) {
            apply_latency_weights(scratch, config.latency_min_share);
        }
    }

    bool sticky(const ChatRequest& request) const {
        return config.sticky_conversations && !request.conversation_id.empty();
    }

    std::string reason(const Tier& tier, std::size_t position, const ChatRequest& request, bool probe) const {
        if (probe) return "half-open probe";
        if (sticky(request)) {
            constexpr std::size_t kMaxId = 40;
            std::string out = "sticky: conversation ";
            out.append(std::string_view(request.conversation_id).substr(0, kMaxId));
            return out;
        }
        const Candidate& chosen = scratch[position];
        const double share = chosen.weight / total_weight(scratch);
        std::string out;
        out.reserve(48 + tier.name.size());
        if (standby) {
            out.append("standby (weight 0): ");
            append_percent(out, share);
            out.append(" of tier ").append(tier.name);
            return out;
        }
        if (tier.balancing == Balancing::Weighted) {
            out.append("weighted: ");
            append_percent(out, share);
            out.append(" of tier ").append(tier.name);
            return out;
        }
        out.append("latency-aware: ");
        append_percent(out, share);
        double best = -1;
        for (const auto& c : scratch)
            if (c.latency_ms >= 0 && (best < 0 || c.latency_ms < best)) best = c.latency_ms;
        if (chosen.latency_ms < 0) {
            out.append(" of tier ").append(tier.name).append(" (no latency yet)");
        } else if (chosen.latency_ms <= best) {
            out.append(" of tier ").append(tier.name).append(" (fastest, EWMA ");
            append_ms(out, chosen.latency_ms);
            out.push_back(')');
        } else {
            out.append(" (EWMA ");
            append_ms(out, chosen.latency_ms);
            out.append(" vs best ");
            append_ms(out, best);
            out.push_back(')');
        }
        return out;
    }

    std::optional<std::size_t> choose(const Tier& tier, const ChatRequest& request,
                                      std::span<const TargetKey> exclude, Clock::time_point at,
                                      bool deterministic) const {
        candidates(tier, exclude, at);
        if (scratch.empty()) return std::nullopt;
        if (sticky(request)) return choose_rendezvous(scratch, stable_hash(request.conversation_id));
        if (deterministic) return choose_heaviest(scratch);
        double u = options.uniform ? options.uniform() : thread_uniform();
        if (!(u >= 0)) u = 0;
        if (u >= 1) u = std::nextafter(1.0, 0.0);
        return choose_weighted(scratch, u);
    }
};

Router::Router(RoutingConfig config, RouterOptions options) : m_impl(std::make_unique<Impl>()) {
    m_impl->options = std::move(options);
    update(std::move(config));
}

Router::~Router() = default;

void Router::update(RoutingConfig config) {
    // Regexes compile and models resolve outside the lock; picks wait only for the swap.
    auto rules = std::make_shared<const TierClassifier>(config);
    auto built = m_impl->build_tiers(config);
    std::lock_guard lock(m_impl->mutex);
    m_impl->install(std::move(config), std::move(built), std::move(rules));
}

RoutingConfig Router::config() const {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->config;
}

void Router::set_provider_usable(const std::string& provider, bool usable) {
    std::lock_guard lock(m_impl->mutex);
    m_impl->usable[provider] = usable;
}

void Router::reset_auth(const std::string& provider) {
    std::lock_guard lock(m_impl->mutex);
    const auto at = m_impl->now();
    for (auto& r : m_impl->runtimes)
        if (r->key.provider == provider && r->breaker.state(at) == CircuitState::AuthFailed)
            r->breaker.reset();
}

void Router::reset_provider(const std::string& provider) {
    std::lock_guard lock(m_impl->mutex);
    for (auto& r : m_impl->runtimes)
        if (r->key.provider == provider) {
            r->breaker.reset();
            r->latency = LatencyEwma{};
        }
}

Classification Router::classify(const ChatRequest& request) const {
    std::shared_ptr<const TierClassifier> rules;
    {
        std::lock_guard lock(m_impl->mutex);
        rules = m_impl->classifier;
    }
    return rules->classify(request);  // outside the lock: regexes are the slow part
}

std::optional<TargetChoice> Router::pick(std::string_view tier_name, const ChatRequest& request,
                                         std::span<const TargetKey> exclude) {
    std::lock_guard lock(m_impl->mutex);
    Tier* tier = m_impl->find_tier(tier_name);
    if (!tier) return std::nullopt;
    const auto at = m_impl->now();
    const auto position = m_impl->choose(*tier, request, exclude, at, false);
    if (!position) return std::nullopt;
    Slot& slot = tier->slots[m_impl->scratch[*position].index];
    const bool probe = slot.runtime->breaker.state(at) == CircuitState::HalfOpen;
    slot.runtime->breaker.allow(at);  // takes the probe slot when half-open
    ++slot.picks;
    return TargetChoice{slot.key, m_impl->reason(*tier, *position, request, probe)};
}

std::optional<TargetChoice> Router::peek(std::string_view tier_name, const ChatRequest& request,
                                         std::span<const TargetKey> exclude) const {
    std::lock_guard lock(m_impl->mutex);
    const Tier* tier = m_impl->find_tier(tier_name);
    if (!tier) return std::nullopt;
    const auto at = m_impl->now();
    const auto position = m_impl->choose(*tier, request, exclude, at, true);
    if (!position) return std::nullopt;
    const Slot& slot = tier->slots[m_impl->scratch[*position].index];
    const bool probe = slot.runtime->breaker.state(at) == CircuitState::HalfOpen;
    return TargetChoice{slot.key, m_impl->reason(*tier, *position, request, probe)};
}

void Router::record(const TargetKey& target, ErrorClass error, std::chrono::microseconds latency) {
    std::lock_guard lock(m_impl->mutex);
    const auto it = std::find_if(m_impl->runtimes.begin(), m_impl->runtimes.end(),
                                 [&](const auto& r) { return r->key == target; });
    if (it == m_impl->runtimes.end()) return;  // a target that left the config meanwhile
    Runtime& runtime = **it;
    const auto at = m_impl->now();
    runtime.breaker.record(error, at);
    // A timeout's latency is the slowness we want to steer away from; other failures end
    // early and would make a broken target look fast.
    if (error == ErrorClass::None || error == ErrorClass::Timeout)
        runtime.latency.add(static_cast<double>(latency.count()) / 1000.0, at,
                            m_impl->config.latency_half_life);
}

std::vector<TargetState> Router::states() const {
    std::lock_guard lock(m_impl->mutex);
    const auto at = m_impl->now();
    std::vector<TargetState> out;
    for (const auto& tier : m_impl->tiers) {
        double configured_total = 0;
        int enabled = 0;
        for (const auto& slot : tier.slots) {
            if (!slot.config.enabled) continue;
            configured_total += sane_weight(slot.config.weight);
            ++enabled;
        }
        m_impl->candidates(tier, {}, at);
        const double effective_total = total_weight(m_impl->scratch);
        for (std::size_t i = 0; i < tier.slots.size(); ++i) {
            const Slot& slot = tier.slots[i];
            TargetState state;
            state.tier = tier.name;
            state.target = slot.key;
            state.weight = slot.config.weight;
            if (slot.config.enabled)
                state.configured_share =
                    configured_total > 0 ? sane_weight(slot.config.weight) / configured_total : 1.0 / enabled;
            for (const auto& c : m_impl->scratch)
                if (c.index == i && effective_total > 0) state.effective_share = c.weight / effective_total;
            state.enabled = slot.config.enabled;
            state.provider_usable = *slot.usable;
            state.circuit = slot.runtime->breaker.state(at);
            state.latency_ewma_ms = slot.runtime->latency.value_ms();
            state.picks = slot.picks;
            out.push_back(std::move(state));
        }
    }
    return out;
}

}  // namespace sb
