// The router on a pinned random source and an injected clock: picks follow the weights
// (chi-square), live weight changes apply to the very next pick, disabled/unusable/excluded
// targets are skipped, weight-0 targets are standby only, latency-aware tiers shed a slow
// target and take it back, sticky conversations stay put and move little on a weight
// change, circuits open/probe/close, auth holds until reset_auth, states() and peek().
#include <QtTest>
#include <atomic>
#include <map>
#include <random>
#include <thread>

#include "routing/latency_tracker.h"
#include "routing/router.h"
#include "routing_fixture.h"

using namespace sb;
using namespace sb::test;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

// Deterministic time and randomness for one router; must outlive it.
struct Harness {
    Clock::time_point now = Clock::time_point{} + 1000s;
    std::mt19937_64 rng{20240611};
    int uniform_calls = 0;
    std::function<std::string(std::string_view)> default_model;

    RouterOptions options() {
        RouterOptions o;
        o.uniform = [this] {
            ++uniform_calls;
            return static_cast<double>(rng() >> 11) * 0x1.0p-53;
        };
        o.now = [this] { return now; };
        o.default_model = default_model;
        return o;
    }
};

std::string name_of(const TargetKey& key) {
    return key.provider + "/" + key.model;
}

using Counts = std::map<std::string, int>;

Counts count_picks(Router& router, std::string_view tier, int n, const ChatRequest& request = {},
                   std::span<const TargetKey> exclude = {}) {
    Counts counts;
    for (int i = 0; i < n; ++i) {
        const auto choice = router.pick(tier, request, exclude);
        ++counts[choice ? name_of(choice->target) : std::string("none")];
    }
    return counts;
}

double chi_square(const Counts& counts, const std::map<std::string, double>& expected_share, int n) {
    double chi = 0;
    for (const auto& [name, share] : expected_share) {
        const double expected = share * n;
        const auto it = counts.find(name);
        const double observed = it == counts.end() ? 0 : it->second;
        chi += (observed - expected) * (observed - expected) / expected;
    }
    return chi;
}

const TargetKey kMini{"openai", "gpt-4o-mini"};
const TargetKey kHaiku{"anthropic", "claude-haiku-4-5"};
const TargetKey kLlama{"local", "llama3.1:8b"};

const TargetState* state_of(const std::vector<TargetState>& states, std::string_view tier,
                            const TargetKey& key) {
    for (const auto& s : states)
        if (s.tier == tier && s.target == key) return &s;
    return nullptr;
}

RoutingConfig latency_routing() {
    RoutingConfig config;
    TierConfig tier{
        "standard", "", Balancing::LatencyAware, false, {target("fast", "m", 50), target("slow", "m", 50)}};
    config.tiers = {tier};
    config.latency_half_life = 1000ms;
    config.latency_min_share = 0.02;
    return config;
}

// Every 100 ms for `duration`: both targets answer, at their latencies.
void feed(Router& router, Harness& h, std::chrono::milliseconds duration, std::chrono::milliseconds fast,
          std::chrono::milliseconds slow) {
    for (auto t = 0ms; t < duration; t += 100ms) {
        h.now += 100ms;
        router.record({"fast", "m"}, ErrorClass::None, fast);
        router.record({"slow", "m"}, ErrorClass::None, slow);
    }
}

}  // namespace

class TestRouter : public QObject {
    Q_OBJECT
private slots:
    void picksFollowTheWeights() {
        Harness h;
        Router router(default_routing(), h.options());
        constexpr int n = 10'000;
        const auto counts = count_picks(router, "standard", n);
        const double chi =
            chi_square(counts, {{name_of(kMini), 0.6}, {name_of(kHaiku), 0.3}, {name_of(kLlama), 0.1}}, n);
        // df = 2, p = 0.01.
        QVERIFY2(chi < 9.21, qPrintable(QString("chi-square %1").arg(chi)));
        QCOMPARE(counts.size(), std::size_t(3));
        QCOMPARE(h.uniform_calls, n);
    }

    void reasonSaysHowTheTargetWasChosen() {
        Harness h;
        Router router(default_routing(), h.options());
        h.rng.seed(1);
        std::map<std::string, std::string> reasons;
        for (int i = 0; i < 200; ++i) {
            const auto choice = router.pick("standard", {});
            reasons[name_of(choice->target)] = choice->reason;
        }
        QCOMPARE(reasons[name_of(kMini)], std::string("weighted: 60% of tier standard"));
        QCOMPARE(reasons[name_of(kLlama)], std::string("weighted: 10% of tier standard"));
    }

    void weightChangeAppliesToTheVeryNextPick() {
        Harness h;
        auto config = default_routing();
        Router router(config, h.options());
        QVERIFY(router.pick("standard", {}));
        config.tiers[1].targets[0].weight = 0;  // openai out
        router.update(config);
        auto counts = count_picks(router, "standard", 2000);
        QCOMPARE(counts.count(name_of(kMini)), std::size_t(0));
        QVERIFY(counts[name_of(kHaiku)] > 1200);  // 75%

        config.tiers[1].targets = {target("openai", "gpt-4o-mini", 0),
                                   target("anthropic", "claude-haiku-4-5", 0),
                                   target("local", "llama3.1:8b", 5)};
        router.update(config);
        const auto choice = router.pick("standard", {});
        QCOMPARE(choice->target, kLlama);
        QCOMPARE(choice->reason, std::string("weighted: 100% of tier standard"));
        QCOMPARE(router.config(), config);
    }

    void disabledTargetsAndUnusableProvidersAreNeverPicked() {
        Harness h;
        auto config = default_routing();
        config.tiers[1].targets[1].enabled = false;  // anthropic
        Router router(config, h.options());
        router.set_provider_usable("local", false);
        auto counts = count_picks(router, "standard", 2000);
        QCOMPARE(counts.size(), std::size_t(1));
        QCOMPARE(counts[name_of(kMini)], 2000);

        router.set_provider_usable("local", true);
        counts = count_picks(router, "standard", 2000);
        QVERIFY(counts[name_of(kLlama)] > 150);  // 1/7 ≈ 286
        QCOMPARE(counts.count(name_of(kHaiku)), std::size_t(0));

        router.set_provider_usable("openai", false);
        router.set_provider_usable("local", false);
        QVERIFY(!router.pick("standard", {}));
        QVERIFY(!router.pick("simple", {}));
    }

    void excludeListIsHonoured() {
        Harness h;
        Router router(default_routing(), h.options());
        const std::vector<TargetKey> first{kMini};
        auto counts = count_picks(router, "standard", 2000, {}, first);
        QCOMPARE(counts.count(name_of(kMini)), std::size_t(0));
        QVERIFY(counts[name_of(kHaiku)] > counts[name_of(kLlama)]);
        const std::vector<TargetKey> all{kMini, kHaiku, kLlama};
        QVERIFY(!router.pick("standard", {}, all));
        // Same provider, other model: not excluded.
        const std::vector<TargetKey> other_model{{"openai", "gpt-4o"}};
        counts = count_picks(router, "standard", 1000, {}, other_model);
        QVERIFY(counts[name_of(kMini)] > 450);
    }

    void standbyTargetsOnlyWhenTheOthersAreOut() {
        Harness h;
        RoutingConfig config;
        config.tiers = {
            TierConfig{"standard",
                       "",
                       Balancing::Weighted,
                       false,
                       {target("primary", "m", 1), target("backup-a", "m", 0), target("backup-b", "m", 0)}}};
        Router router(config, h.options());
        auto counts = count_picks(router, "standard", 1000);
        QCOMPARE(counts.size(), std::size_t(1));
        QCOMPARE(counts["primary/m"], 1000);

        const std::vector<TargetKey> primary{{"primary", "m"}};
        counts = count_picks(router, "standard", 1000, {}, primary);
        QCOMPARE(counts["backup-a/m"], 1000);  // in the tier's order
        const std::vector<TargetKey> first_two{{"primary", "m"}, {"backup-a", "m"}};
        QCOMPARE(count_picks(router, "standard", 100, {}, first_two)["backup-b/m"], 100);
        const auto choice = router.pick("standard", {}, primary);
        QVERIFY2(choice->reason.starts_with("standby"), choice->reason.c_str());

        // Also when the primary's circuit is open rather than excluded.
        for (int i = 0; i < 5; ++i) router.record({"primary", "m"}, ErrorClass::Overloaded, 10ms);
        QCOMPARE(router.pick("standard", {})->target.provider.substr(0, 6), std::string("backup"));
    }

    void emptyModelResolvesToTheProviderDefault() {
        Harness h;
        h.default_model = [](std::string_view provider) {
            return provider == "openai" ? "gpt-4o-mini" : "other";
        };
        RoutingConfig config;
        config.tiers = {TierConfig{"standard", "", Balancing::Weighted, false, {target("openai", "", 1)}}};
        Router router(config, h.options());
        QCOMPARE(router.pick("standard", {})->target, kMini);
        const std::vector<TargetKey> exclude{kMini};
        QVERIFY(!router.pick("standard", {}, exclude));
        router.record(kMini, ErrorClass::None, 120ms);
        QCOMPARE(router.states().front().latency_ewma_ms, 120.0);

        Harness bare;  // no default_model: the model stays empty
        Router plain(config, bare.options());
        QCOMPARE(plain.pick("standard", {})->target, (TargetKey{"openai", ""}));
    }

    void latencyAwareShedsASlowTargetAndTakesItBack() {
        Harness h;
        Router router(latency_routing(), h.options());
        // Both healthy first: even split.
        feed(router, h, 2s, 80ms, 80ms);
        auto counts = count_picks(router, "standard", 4000);
        QVERIFY2(counts["slow/m"] > 1700 && counts["slow/m"] < 2300,
                 qPrintable(QString::number(counts["slow/m"])));

        // The slow target turns slow: within 2 s it is under 10% of picks.
        feed(router, h, 2s, 80ms, 800ms);
        counts = count_picks(router, "standard", 10'000);
        QVERIFY2(counts["slow/m"] < 1000, qPrintable(QString::number(counts["slow/m"])));
        QVERIFY2(counts["slow/m"] > 0, "keeps its minimum share so its recovery is noticed");
        const auto* slow = state_of(router.states(), "standard", {"slow", "m"});
        QVERIFY(slow->effective_share < 0.1);
        QVERIFY(slow->latency_ewma_ms > 500);
        QCOMPARE(slow->configured_share, 0.5);

        // After a few more seconds at 800 ms the EWMA sits at 800: the reason says so.
        feed(router, h, 8s, 80ms, 800ms);
        counts = count_picks(router, "standard", 10'000);
        QVERIFY2(counts["slow/m"] >= 100 && counts["slow/m"] <= 350,  // floored near 2%
                 qPrintable(QString::number(counts["slow/m"])));
        std::string slow_reason;
        for (int i = 0; i < 2000 && slow_reason.empty(); ++i)
            if (auto c = router.pick("standard", {}); c->target.provider == "slow") slow_reason = c->reason;
        QVERIFY2(slow_reason == "latency-aware: 2% (EWMA 799 ms vs best 80 ms)", slow_reason.c_str());

        // Recovery samples: within a few seconds its share is back near the configured 50%.
        feed(router, h, 8s, 80ms, 80ms);
        counts = count_picks(router, "standard", 10'000);
        QVERIFY2(counts["slow/m"] > 4200 && counts["slow/m"] < 5800,
                 qPrintable(QString::number(counts["slow/m"])));
    }

    void ewmaHalfLifeIsInTime() {
        const auto t0 = Clock::time_point{} + 1000s;
        LatencyEwma ewma;
        QVERIFY(!ewma.measured());
        ewma.add(100, t0, 1000ms);
        QCOMPARE(ewma.value_ms(), 100.0);
        ewma.add(300, t0 + 1s, 1000ms);  // one half-life later: halfway
        QVERIFY(std::abs(ewma.value_ms() - 200.0) < 1e-9);
        ewma.add(600, t0 + 4s, 1000ms);  // three half-lives: 7/8 of the way
        QVERIFY(std::abs(ewma.value_ms() - 550.0) < 1e-9);
        ewma.add(1200, t0 + 4s, 1000ms);  // same instant: the 0.05 floor
        QVERIFY(std::abs(ewma.value_ms() - 582.5) < 1e-9);
        ewma.add(0, t0 + 5s, 0ms);  // no half-life: follows the last sample
        QCOMPARE(ewma.value_ms(), 0.0);
    }

    void latencyWeightsAndMinimumShare() {
        std::vector<Candidate> c{{0, 50, 0, 80}, {1, 50, 0, 800}, {2, 50, 0, -1}, {3, 0, 0, 80}};
        apply_latency_weights(c, 0.02);
        QCOMPARE(c[0].weight, 50.0);                // the best
        QCOMPARE(c[2].weight, 50.0);                // not measured yet: as configured
        QCOMPARE(c[1].weight, 0.02 * (100 + 0.5));  // 50 × (80/800)² = 0.5, floored at 2% of the total
        QCOMPARE(c[3].weight, 0.0);                 // standby stays standby
        std::vector<Candidate> unmeasured{{0, 3, 0, -1}, {1, 1, 0, -1}};
        apply_latency_weights(unmeasured, 0.02);
        QCOMPARE(unmeasured[0].weight, 3.0);
        QCOMPARE(unmeasured[1].weight, 1.0);
    }

    void onlyTimeoutsAmongFailuresFeedTheLatency() {
        Harness h;
        Router router(latency_routing(), h.options());
        router.record({"slow", "m"}, ErrorClass::None, 100ms);
        h.now += 5s;
        router.record({"slow", "m"}, ErrorClass::ServerTransient,
                      2ms);  // fails fast: says nothing about speed
        router.record({"slow", "m"}, ErrorClass::Cancelled, 1ms);
        QCOMPARE(state_of(router.states(), "standard", {"slow", "m"})->latency_ewma_ms, 100.0);
        router.record({"slow", "m"}, ErrorClass::Timeout, 30s);
        QVERIFY(state_of(router.states(), "standard", {"slow", "m"})->latency_ewma_ms > 20'000);
        router.record({"nobody", "m"}, ErrorClass::None, 1ms);  // unknown: ignored
        QCOMPARE(router.states().size(), std::size_t(2));
    }

    void stickyConversationStaysOnItsTarget() {
        Harness h;
        Router router(default_routing(), h.options());
        ChatRequest request = ask("hello");
        request.conversation_id = "conv-42";
        const auto first = router.pick("standard", request);
        QVERIFY(first);
        QCOMPARE(first->reason, std::string("sticky: conversation conv-42"));
        for (int i = 0; i < 1000; ++i) QCOMPARE(router.pick("standard", request)->target, first->target);
        QCOMPARE(h.uniform_calls, 0);
        // Its target excluded (failed over): another one, and back once it is allowed again.
        const std::vector<TargetKey> exclude{first->target};
        QVERIFY(!(router.pick("standard", request, exclude)->target == first->target));
        QCOMPARE(router.pick("standard", request)->target, first->target);
        // Off in the config: weighted random again.
        auto config = default_routing();
        config.sticky_conversations = false;
        router.update(config);
        QVERIFY(count_picks(router, "standard", 1000, request).size() == 3);
    }

    void stickyConversationsSpreadByWeightAndMoveLittle() {
        Harness h;
        auto config = default_routing();
        Router router(config, h.options());
        constexpr int n = 1000;
        std::vector<TargetKey> before;
        Counts counts;
        for (int i = 0; i < n; ++i) {
            ChatRequest request;
            request.conversation_id = "conversation-" + std::to_string(i);
            before.push_back(router.pick("standard", request)->target);
            ++counts[name_of(before.back())];
        }
        const double chi =
            chi_square(counts, {{name_of(kMini), 0.6}, {name_of(kHaiku), 0.3}, {name_of(kLlama), 0.1}}, n);
        QVERIFY2(chi < 9.21, qPrintable(QString("chi-square %1").arg(chi)));

        config.tiers[1].targets[0].weight = 30;  // openai 60 → 30: its share 60% → 43%
        router.update(config);
        int moved = 0;
        for (int i = 0; i < n; ++i) {
            ChatRequest request;
            request.conversation_id = "conversation-" + std::to_string(i);
            const auto after = router.pick("standard", request)->target;
            if (after == before[static_cast<std::size_t>(i)]) continue;
            ++moved;
            // Only conversations of the target whose weight dropped move.
            QCOMPARE(before[static_cast<std::size_t>(i)], kMini);
        }
        QVERIFY2(moved > 50 && moved < 300, qPrintable(QString("%1 of %2 moved").arg(moved).arg(n)));
    }

    void circuitOpensProbesOnceAndCloses() {
        Harness h;
        Router router(default_routing(), h.options());
        for (int i = 0; i < 5; ++i) router.record(kMini, ErrorClass::Overloaded, 30ms);
        QCOMPARE(state_of(router.states(), "standard", kMini)->circuit, CircuitState::Open);
        auto counts = count_picks(router, "standard", 2000);
        QCOMPARE(counts.count(name_of(kMini)), std::size_t(0));
        QVERIFY(!router.pick("simple", {}));  // the same model is the simple tier's only target

        h.now += 10s;  // cooldown
        QCOMPARE(state_of(router.states(), "standard", kMini)->circuit, CircuitState::HalfOpen);
        int probes = 0;
        for (int i = 0; i < 2000; ++i) {
            const auto choice = router.pick("standard", {});
            if (choice->target == kMini) {
                ++probes;
                QCOMPARE(choice->reason, std::string("half-open probe"));
            }
        }
        QCOMPARE(probes, 1);
        QVERIFY(!router.pick("simple", {}));  // the probe is in flight

        router.record(kMini, ErrorClass::None, 40ms);
        QCOMPARE(state_of(router.states(), "standard", kMini)->circuit, CircuitState::Closed);
        counts = count_picks(router, "standard", 2000);
        QVERIFY(counts[name_of(kMini)] > 1100);
        QVERIFY(router.pick("simple", {}));
    }

    void failedProbeReopensAndCancelledProbeFreesTheSlot() {
        Harness h;
        Router router(default_routing(), h.options());
        for (int i = 0; i < 5; ++i) router.record(kMini, ErrorClass::ServerTransient, 30ms);
        h.now += 10s;
        QCOMPARE(router.pick("simple", {})->reason, std::string("half-open probe"));
        router.record(kMini, ErrorClass::Cancelled, 5ms);
        QCOMPARE(router.pick("simple", {})->reason, std::string("half-open probe"));  // slot freed
        router.record(kMini, ErrorClass::Timeout, 30s);
        QCOMPARE(state_of(router.states(), "simple", kMini)->circuit, CircuitState::Open);
        h.now += 9s;
        QVERIFY(!router.pick("simple", {}));
        h.now += 1s;
        QVERIFY(router.pick("simple", {}));
    }

    void authFailureHoldsUntilResetAuth() {
        Harness h;
        Router router(default_routing(), h.options());
        router.record(kHaiku, ErrorClass::Auth, 100ms);
        router.record(kMini, ErrorClass::Permission, 100ms);
        QCOMPARE(state_of(router.states(), "standard", kHaiku)->circuit, CircuitState::AuthFailed);
        h.now += 1h;
        auto counts = count_picks(router, "standard", 1000);
        QCOMPARE(counts.size(), std::size_t(1));
        QCOMPARE(counts[name_of(kLlama)], 1000);

        router.reset_auth("anthropic");
        QCOMPARE(state_of(router.states(), "standard", kHaiku)->circuit, CircuitState::Closed);
        QCOMPARE(state_of(router.states(), "standard", kMini)->circuit, CircuitState::AuthFailed);
        counts = count_picks(router, "standard", 1000);
        QVERIFY(counts[name_of(kHaiku)] > 600);  // 30 of 40
        QCOMPARE(counts.count(name_of(kMini)), std::size_t(0));
    }

    void statesReportSharesCircuitsAndPicks() {
        Harness h;
        auto config = default_routing();
        config.tiers[1].targets[1].enabled = false;
        Router router(config, h.options());
        count_picks(router, "standard", 700);
        for (int i = 0; i < 5; ++i) router.record(kLlama, ErrorClass::Network, 10ms);

        const auto states = router.states();
        QCOMPARE(states.size(), std::size_t(6));  // one per (tier, target), in config order
        QCOMPARE(states[0].tier, std::string("simple"));
        QCOMPARE(states[1].target, kMini);
        QCOMPARE(states[2].target, kHaiku);
        QCOMPARE(states[3].target, kLlama);
        QCOMPARE(states[5].target, (TargetKey{"anthropic", "claude-sonnet-4-5"}));

        const auto& mini = states[1];
        QCOMPARE(mini.weight, 60.0);
        QCOMPARE(mini.configured_share, 60.0 / 70.0);
        QCOMPARE(mini.effective_share, 1.0);  // llama's circuit is open, anthropic disabled
        QCOMPARE(mini.circuit, CircuitState::Closed);
        const auto& haiku = states[2];
        QVERIFY(!haiku.enabled);
        QCOMPARE(haiku.configured_share, 0.0);
        QCOMPARE(haiku.effective_share, 0.0);
        QCOMPARE(haiku.picks, std::uint64_t(0));
        const auto& llama = states[3];
        QCOMPARE(llama.circuit, CircuitState::Open);
        QCOMPARE(llama.effective_share, 0.0);
        QCOMPARE(llama.configured_share, 10.0 / 70.0);
        QCOMPARE(mini.picks + llama.picks, std::uint64_t(700));
        QVERIFY(llama.picks > 50);
        QCOMPARE(states[0].picks, std::uint64_t(0));  // picks are per tier

        router.set_provider_usable("openai", false);
        const auto* unusable = state_of(router.states(), "standard", kMini);
        QVERIFY(!unusable->provider_usable);
        QCOMPARE(unusable->effective_share, 0.0);
    }

    void peekHasNoSideEffects() {
        Harness h;
        Router router(default_routing(), h.options());
        for (int i = 0; i < 5; ++i) router.record(kMini, ErrorClass::Overloaded, 30ms);
        h.now += 10s;  // half-open: a pick would take the probe

        for (int i = 0; i < 100; ++i) {
            const auto preview = router.peek("standard", {});
            QCOMPARE(preview->target, kMini);  // deterministic: the heaviest
            QCOMPARE(preview->reason, std::string("half-open probe"));
        }
        QCOMPARE(h.uniform_calls, 0);
        for (const auto& s : router.states()) QCOMPARE(s.picks, std::uint64_t(0));
        // The probe slot is still free for a real pick.
        QCOMPARE(router.pick("simple", {})->reason, std::string("half-open probe"));
        QVERIFY(!router.peek("simple", {}));

        ChatRequest sticky;
        sticky.conversation_id = "conv-7";
        const auto expected = router.pick("advanced", sticky)->target;
        QCOMPARE(router.peek("advanced", sticky)->target, expected);
        QVERIFY(!router.peek("no-such-tier", {}));
    }

    void updateKeepsLearnedStateOfTargetsThatStay() {
        Harness h;
        auto config = default_routing();
        Router router(config, h.options());
        count_picks(router, "standard", 100);
        const auto picks_before = state_of(router.states(), "standard", kMini)->picks;
        router.record(kHaiku, ErrorClass::Auth, 10ms);
        router.record(kMini, ErrorClass::None, 250ms);

        config.tiers[1].targets[0].weight = 10;
        config.tiers[1].targets.pop_back();  // llama leaves
        router.update(config);
        auto states = router.states();
        QCOMPARE(state_of(states, "standard", kHaiku)->circuit, CircuitState::AuthFailed);
        QCOMPARE(state_of(states, "standard", kMini)->latency_ewma_ms, 250.0);
        QCOMPARE(state_of(states, "standard", kMini)->picks, picks_before);
        QVERIFY(!state_of(states, "standard", kLlama));
        router.record(kLlama, ErrorClass::Auth, 10ms);  // gone: ignored

        config.tiers[1].targets.push_back(target("local", "llama3.1:8b", 10));
        router.update(config);
        states = router.states();
        QCOMPARE(state_of(states, "standard", kLlama)->circuit, CircuitState::Closed);
        QCOMPARE(state_of(states, "standard", kLlama)->picks, std::uint64_t(0));
    }

    void updateAppliesTheNewCircuitConfig() {
        Harness h;
        auto config = default_routing();
        Router router(config, h.options());
        router.record(kLlama, ErrorClass::Timeout, 1s);
        config.circuit.consecutive_failures = 2;
        config.circuit.cooldown = 2s;
        router.update(config);
        router.record(kLlama, ErrorClass::Timeout, 1s);
        QCOMPARE(state_of(router.states(), "standard", kLlama)->circuit, CircuitState::Open);
        h.now += 2s;
        QCOMPARE(state_of(router.states(), "standard", kLlama)->circuit, CircuitState::HalfOpen);
    }

    void classifyFollowsUpdates() {
        Harness h;
        auto config = default_routing();
        Router router(config, h.options());
        QCOMPARE(router.classify(ask("refactor it")).tier, std::string("advanced"));
        config.rules[4].tier = "standard";
        router.update(config);
        QCOMPARE(router.classify(ask("refactor it")).tier, std::string("standard"));
    }

    void unknownTier() {
        Harness h;
        Router router(default_routing(), h.options());
        QVERIFY(!router.pick("premium", {}));
    }

    void concurrentPicksRecordsAndUpdates() {
        auto config = default_routing();
        Router router(config);  // real clock and thread-local random
        std::atomic<bool> stop{false};
        std::atomic<int> picked{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&, t] {
                ChatRequest request;
                for (int i = 0; i < 20'000; ++i) {
                    request.conversation_id = i % 2 ? "" : "c" + std::to_string(i % 50);
                    if (const auto choice = router.pick(i % 3 ? "standard" : "advanced", request)) {
                        ++picked;
                        router.record(choice->target,
                                      (i + t) % 7 == 0 ? ErrorClass::Overloaded : ErrorClass::None,
                                      std::chrono::microseconds(1000 + i % 500));
                    }
                }
            });
        std::thread updater([&] {
            for (int i = 0; !stop; ++i) {
                config.tiers[1].targets[0].weight = 10 + i % 50;
                router.update(config);
                router.states();
                std::this_thread::sleep_for(1ms);
            }
        });
        for (auto& t : threads) t.join();
        stop = true;
        updater.join();
        QVERIFY(picked > 40'000);
    }
};

QTEST_APPLESS_MAIN(TestRouter)
#include "tst_router.moc"
