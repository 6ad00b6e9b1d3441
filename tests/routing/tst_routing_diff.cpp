// describe_routing_change: one human line per routing change, grouped by tier, numbers
// without trailing zeros, "no change" when equal.
#include <QtTest>

#include "routing/routing_diff.h"
#include "routing_fixture.h"

using namespace sb;
using namespace sb::test;
using namespace std::chrono_literals;

namespace {
// Compares with the text in the failure message (QCOMPARE prints no std::string).
#define COMPARE_TEXT(actual, expected)                                                               \
    do {                                                                                             \
        const std::string a_ = (actual), e_ = (expected);                                            \
        QVERIFY2(a_ == e_,                                                                           \
                 qPrintable(QString("\n   actual: %1\n expected: %2").arg(a_.c_str(), e_.c_str()))); \
    } while (false)
}  // namespace

class TestRoutingDiff : public QObject {
    Q_OBJECT
private slots:
    void noChange() {
        COMPARE_TEXT(describe_routing_change(default_routing(), default_routing()), "no change");
    }

    void theReferenceExample() {
        const auto before = default_routing();
        auto after = before;
        after.tiers[1].targets[0].weight = 30;
        after.tiers[1].targets[1].enabled = false;
        after.rules.push_back(rule("code-work", RuleKind::Keywords, "advanced", {"refactor"}));
        after.default_tier = "simple";
        COMPARE_TEXT(describe_routing_change(before, after),
                     "standard: openai/gpt-4o-mini weight 60 → 30; anthropic/claude-haiku-4-5 disabled; "
                     "rule \"code-work\" added; default tier standard → simple");
    }

    void weightsWithoutTrailingZeros() {
        const auto before = default_routing();
        auto after = before;
        after.tiers[1].targets[0].weight = 12.5;
        after.tiers[1].targets[2].weight = 0.25;
        COMPARE_TEXT(describe_routing_change(before, after),
                     "standard: openai/gpt-4o-mini weight 60 → 12.5; local/llama3.1:8b weight 10 → 0.25");
    }

    void targetsAddedRemovedAndReordered() {
        const auto before = default_routing();
        auto after = before;
        auto& targets = after.tiers[2].targets;
        std::swap(targets[0], targets[1]);
        targets.push_back(target("google", "", 5));
        after.tiers[1].targets.erase(after.tiers[1].targets.begin() + 2);
        COMPARE_TEXT(describe_routing_change(before, after),
                     "standard: local/llama3.1:8b removed; "
                     "advanced: google (default model) added (weight 5); failover order changed");
    }

    void tierSettingsAndTiers() {
        const auto before = default_routing();
        auto after = before;
        after.tiers[1].balancing = Balancing::LatencyAware;
        after.tiers[0].cache_first = true;
        after.tiers.push_back(
            TierConfig{"vision", "", Balancing::Weighted, false, {target("openai", "gpt-4o", 1)}});
        after.tiers.erase(after.tiers.begin() + 2);
        COMPARE_TEXT(describe_routing_change(before, after),
                     "simple: cache first on; standard: balancing weighted → latency-aware; "
                     "tier vision added (1 target); tier advanced removed");
    }

    void ruleChanges() {
        const auto before = default_routing();
        auto after = before;
        after.rules[8].threshold = 60;               // short-question
        after.rules[4].enabled = false;              // hard-work
        after.rules[5].values.push_back("调试");     // cjk-work
        after.rules[7].tier = "advanced";            // long-conversation
        after.rules.erase(after.rules.begin() + 6);  // long-prompt
        COMPARE_TEXT(
            describe_routing_change(before, after),
            "rule \"hard-work\" disabled; rule \"cjk-work\" values +\"调试\"; "
            "rule \"long-conversation\" tier standard → advanced; rule \"short-question\" threshold 40 → 60; "
            "rule \"long-prompt\" removed");
    }

    void rulesReordered() {
        const auto before = default_routing();
        auto after = before;
        std::swap(after.rules[4], after.rules[5]);
        COMPARE_TEXT(describe_routing_change(before, after), "rules reordered");
        after = before;
        after.rules[1].values = {"cheap", "quick"};
        COMPARE_TEXT(describe_routing_change(before, after),
                     "rule \"fast-alias\" values +\"quick\" -\"fast\"");
        after.rules[1].values = {"cheap", "fast"};
        COMPARE_TEXT(describe_routing_change(before, after), "rule \"fast-alias\" values reordered");
    }

    void globalSettingsAndCircuit() {
        const auto before = default_routing();
        auto after = before;
        after.sticky_conversations = false;
        after.latency_half_life = 1500ms;
        after.latency_min_share = 0.05;
        after.circuit.consecutive_failures = 3;
        after.circuit.error_rate = 0.25;
        after.circuit.window = 60s;
        after.circuit.cooldown = 5000ms;
        COMPARE_TEXT(
            describe_routing_change(before, after),
            "sticky conversations on → off; latency half-life 3 s → 1500 ms; latency min share 2% → 5%; "
            "circuit: consecutive failures 5 → 3; error rate 50% → 25%; window 30 s → 60 s; "
            "cooldown 10 s → 5 s");
    }
};

QTEST_APPLESS_MAIN(TestRoutingDiff)
#include "tst_routing_diff.moc"
