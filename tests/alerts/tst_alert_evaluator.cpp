// The alert evaluator on injected inputs and an injected clock: each default rule fires and
// resolves; `for` delays firing; error rate and p99 wait for enough requests; budgets and
// circuits are judged per subject; the history is bounded (resolved events go first);
// invalid rules are refused with their paths; listeners hear each firing once. Also the
// "alerts" config section: defaults, parse errors with paths, and the round trip.
#include <QFile>
#include <QtTest>

#include <nlohmann/json.hpp>

#include "alerts/alert_evaluator.h"
#include "alerts/alert_monitor.h"
#include "config/alert_config.h"
#include "config/config.h"

using namespace std::chrono_literals;

namespace {

using Clock = sb::AlertEvaluator::Clock;
const Clock::time_point kT0 = Clock::time_point(std::chrono::seconds(1'700'000'000));

sb::AlertInputs traffic(std::uint64_t requests, std::uint64_t errors, double p99_ms = 100, std::chrono::seconds window = 300s) {
    sb::AlertInputs inputs;
    inputs.traffic[window] = {requests, errors, p99_ms};
    return inputs;
}

sb::BudgetStatus budget(std::string name, double fraction) {
    sb::BudgetStatus status;
    status.budget.name = std::move(name);
    status.budget.limit_usd = 2000;
    status.budget.threshold = 1.0;
    status.fraction = fraction;
    status.spent_usd = fraction * 2000;
    return status;
}

sb::TargetState target(std::string tier, std::string provider, std::string model, sb::CircuitState circuit) {
    sb::TargetState state;
    state.tier = std::move(tier);
    state.target.provider = std::move(provider);
    state.target.model = std::move(model);
    state.circuit = circuit;
    return state;
}

const sb::AlertEvent* eventOf(const std::vector<sb::AlertEvent>& events, std::string_view rule, std::string_view subject = {}) {
    for (auto it = events.rbegin(); it != events.rend(); ++it)
        if (it->rule == rule && it->subject == subject) return &*it;
    return nullptr;
}

std::size_t countOf(const std::vector<sb::AlertEvent>& events, std::string_view rule) {
    return std::size_t(std::count_if(events.begin(), events.end(), [&](const sb::AlertEvent& e) { return e.rule == rule; }));
}

std::vector<sb::AlertRule> only(sb::AlertKind kind, std::chrono::seconds for_duration = 0s) {
    std::vector<sb::AlertRule> rules;
    for (auto rule : sb::default_alert_rules())
        if (rule.kind == kind) {
            rule.for_duration = for_duration;
            rules.push_back(rule);
        }
    return rules;
}

QStringList paths(const std::vector<sb::ConfigError>& errors) {
    QStringList out;
    for (const auto& e : errors) out << QString::fromStdString(e.path);
    return out;
}

}  // namespace

class TestAlertEvaluator : public QObject {
    Q_OBJECT

private slots:
    void defaultsMatchThePrometheusRules() {
        const auto rules = sb::default_alert_rules();
        QCOMPARE(rules.size(), std::size_t(4));
        QCOMPARE(rules[0].name, std::string("SwitchboardHighErrorRate"));
        QCOMPARE(rules[0].threshold, 0.05);
        QCOMPARE(rules[0].window, 300s);
        QCOMPARE(rules[1].name, std::string("SwitchboardHighLatencyP99"));
        QCOMPARE(rules[1].threshold, 2.0);
        QCOMPARE(rules[2].name, std::string("SwitchboardBudget80"));
        QCOMPARE(rules[2].threshold, 0.8);
        QCOMPARE(rules[3].name, std::string("SwitchboardCircuitOpen"));
        QVERIFY(sb::validate_alert_rules(rules).empty());
        // The shipped Prometheus file has the same names, `for` durations and severities.
        QFile file(QStringLiteral(SB_RESOURCES_DIR "/prometheus/switchboard-alerts.yml"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QString yml = QString::fromUtf8(file.readAll());
        for (const auto& rule : rules) {
            const auto at = yml.indexOf(QStringLiteral("- alert: ") + QString::fromStdString(rule.name));
            QVERIFY2(at >= 0, rule.name.c_str());
            const auto next = yml.indexOf(QStringLiteral("- alert: "), at + 1);
            const QString block = yml.mid(at, next < 0 ? -1 : next - at);
            const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(rule.for_duration).count();
            QVERIFY2(block.contains(QStringLiteral("for: %1m").arg(minutes)), rule.name.c_str());
            QVERIFY2(block.contains(QStringLiteral("severity: ") + QString::fromStdString(rule.severity)), rule.name.c_str());
        }
    }

    void errorRateFiresAndResolves() {
        sb::AlertEvaluator evaluator(only(sb::AlertKind::ErrorRate));
        evaluator.evaluate(traffic(100, 2), kT0);
        QVERIFY(evaluator.events().empty());
        evaluator.evaluate(traffic(80, 30), kT0 + 1s);
        auto events = evaluator.events();
        QCOMPARE(events.size(), std::size_t(1));
        QCOMPARE(events[0].rule, std::string(sb::kAlertHighErrorRate));
        QCOMPARE(events[0].state, sb::AlertState::Firing);
        QCOMPARE(events[0].fired_at, kT0 + 1s);
        QCOMPARE(events[0].value, 0.375);
        QCOMPARE(events[0].message, std::string("error rate 37.5% over 5 min (threshold 5%)"));
        QCOMPARE(evaluator.firing_count(), std::size_t(1));
        // Still firing: one event, its value follows.
        evaluator.evaluate(traffic(100, 50), kT0 + 2s);
        events = evaluator.events();
        QCOMPARE(events.size(), std::size_t(1));
        QCOMPARE(events[0].value, 0.5);
        // Recovered.
        evaluator.evaluate(traffic(200, 4), kT0 + 3s);
        events = evaluator.events();
        QCOMPARE(events.size(), std::size_t(1));
        QCOMPARE(events[0].state, sb::AlertState::Resolved);
        QCOMPARE(events[0].resolved_at.value(), kT0 + 3s);
        QCOMPARE(evaluator.firing_count(), std::size_t(0));
        QVERIFY(evaluator.active().empty());
        // A new storm is a new event.
        evaluator.evaluate(traffic(100, 60), kT0 + 4s);
        events = evaluator.events();
        QCOMPARE(events.size(), std::size_t(2));
        QVERIFY(events[1].id > events[0].id);
        QCOMPARE(events[1].state, sb::AlertState::Firing);
    }

    void errorRateNeedsEnoughRequests() {
        sb::AlertEvaluator evaluator(only(sb::AlertKind::ErrorRate));
        evaluator.evaluate(traffic(2, 1), kT0);  // one failure of two is not a storm
        evaluator.evaluate(traffic(sb::AlertEvaluator::kMinRequests - 1, sb::AlertEvaluator::kMinRequests - 1), kT0 + 1s);
        QVERIFY(evaluator.events().empty());
        evaluator.evaluate(traffic(sb::AlertEvaluator::kMinRequests, 2), kT0 + 2s);
        QCOMPARE(evaluator.events().size(), std::size_t(1));
        // Traffic gone: nothing left to judge, the alert resolves.
        evaluator.evaluate(sb::AlertInputs{}, kT0 + 3s);
        QCOMPARE(evaluator.events()[0].state, sb::AlertState::Resolved);
    }

    void forDurationDelaysFiring() {
        sb::AlertEvaluator evaluator(only(sb::AlertKind::ErrorRate, 30s));
        evaluator.evaluate(traffic(100, 50), kT0);
        QVERIFY(evaluator.events().empty());
        auto active = evaluator.active();
        QCOMPARE(active.size(), std::size_t(1));
        QCOMPARE(active[0].state, sb::AlertState::Pending);
        QCOMPARE(active[0].since, kT0);
        evaluator.evaluate(traffic(100, 50), kT0 + 29s);
        QVERIFY(evaluator.events().empty());
        evaluator.evaluate(traffic(100, 50), kT0 + 30s);
        QCOMPARE(evaluator.events().size(), std::size_t(1));
        QCOMPARE(evaluator.active()[0].state, sb::AlertState::Firing);
        QCOMPARE(evaluator.events()[0].fired_at, kT0 + 30s);

        // A condition that goes away while pending never fires, and the wait starts over.
        evaluator.evaluate(traffic(100, 0), kT0 + 31s);
        evaluator.evaluate(traffic(100, 50), kT0 + 40s);
        evaluator.evaluate(traffic(100, 0), kT0 + 50s);
        evaluator.evaluate(traffic(100, 50), kT0 + 60s);
        evaluator.evaluate(traffic(100, 50), kT0 + 89s);
        QCOMPARE(evaluator.events().size(), std::size_t(1));
        evaluator.evaluate(traffic(100, 50), kT0 + 90s);
        QCOMPARE(evaluator.events().size(), std::size_t(2));
    }

    void latencyP99FiresAndResolves() {
        sb::AlertEvaluator evaluator(only(sb::AlertKind::LatencyP99));
        evaluator.evaluate(traffic(5, 0, 9000), kT0);  // too few requests to judge
        QVERIFY(evaluator.events().empty());
        evaluator.evaluate(traffic(50, 0, 1999), kT0 + 1s);
        QVERIFY(evaluator.events().empty());
        evaluator.evaluate(traffic(50, 0, 2450), kT0 + 2s);
        const auto events = evaluator.events();
        QCOMPARE(events.size(), std::size_t(1));
        QCOMPARE(events[0].rule, std::string(sb::kAlertHighLatencyP99));
        QCOMPARE(events[0].message, std::string("p99 latency 2.45 s over 5 min (threshold 2 s)"));
        evaluator.evaluate(traffic(50, 0, 800), kT0 + 3s);
        QCOMPARE(evaluator.events()[0].state, sb::AlertState::Resolved);
    }

    void eachRuleReadsItsOwnWindow() {
        auto rules = only(sb::AlertKind::ErrorRate);
        rules[0].window = 10s;
        sb::AlertEvaluator evaluator(rules);
        QCOMPARE(evaluator.windows(), std::vector<std::chrono::seconds>{10s});
        evaluator.evaluate(traffic(100, 50, 100, 300s), kT0);  // the wrong window
        QVERIFY(evaluator.events().empty());
        evaluator.evaluate(traffic(100, 50, 100, 10s), kT0 + 1s);
        QCOMPARE(evaluator.events().size(), std::size_t(1));
        QCOMPARE(evaluator.events()[0].message, std::string("error rate 50% over 10 s (threshold 5%)"));
    }

    void budgetAt80PercentPerBudget() {
        sb::AlertEvaluator evaluator(only(sb::AlertKind::BudgetUsed));
        sb::AlertInputs inputs;
        inputs.budgets = {budget("monthly total", 0.79), budget("daily openai", 0.5)};
        evaluator.evaluate(inputs, kT0);
        QVERIFY(evaluator.events().empty());
        inputs.budgets = {budget("monthly total", 0.8), budget("daily openai", 0.95)};
        evaluator.evaluate(inputs, kT0 + 1s);
        auto events = evaluator.events();
        QCOMPARE(events.size(), std::size_t(2));
        const auto* monthly = eventOf(events, sb::kAlertBudget80, "monthly total");
        QVERIFY(monthly);
        QCOMPARE(monthly->message, std::string("budget monthly total at 80% of its limit (threshold 80%)"));
        QVERIFY(eventOf(events, sb::kAlertBudget80, "daily openai"));
        QCOMPARE(evaluator.firing_count(), std::size_t(2));
        // A new period starts for one of them.
        inputs.budgets = {budget("monthly total", 0.85), budget("daily openai", 0.0)};
        evaluator.evaluate(inputs, kT0 + 2s);
        events = evaluator.events();
        QCOMPARE(eventOf(events, sb::kAlertBudget80, "daily openai")->state, sb::AlertState::Resolved);
        QCOMPARE(eventOf(events, sb::kAlertBudget80, "monthly total")->state, sb::AlertState::Firing);
        QCOMPARE(evaluator.firing_count(), std::size_t(1));
    }

    void circuitOpenPerTarget() {
        sb::AlertEvaluator evaluator(only(sb::AlertKind::CircuitOpen));
        sb::AlertInputs inputs;
        inputs.targets = {target("simple", "openai", "gpt-4o-mini", sb::CircuitState::Closed),
                          target("simple", "anthropic", "claude-haiku-4-5", sb::CircuitState::Closed)};
        evaluator.evaluate(inputs, kT0);
        QVERIFY(evaluator.events().empty());
        // The same target in two tiers: one alert.
        inputs.targets = {target("simple", "openai", "gpt-4o-mini", sb::CircuitState::Open),
                          target("standard", "openai", "gpt-4o-mini", sb::CircuitState::Open),
                          target("simple", "anthropic", "claude-haiku-4-5", sb::CircuitState::Closed)};
        evaluator.evaluate(inputs, kT0 + 1s);
        auto events = evaluator.events();
        QCOMPARE(events.size(), std::size_t(1));
        QCOMPARE(events[0].subject, std::string("openai/gpt-4o-mini"));
        QCOMPARE(events[0].message, std::string("circuit of openai/gpt-4o-mini is open"));
        // Half-open is not recovered yet; a second target opens.
        inputs.targets = {target("simple", "openai", "gpt-4o-mini", sb::CircuitState::HalfOpen),
                          target("simple", "anthropic", "claude-haiku-4-5", sb::CircuitState::AuthFailed)};
        evaluator.evaluate(inputs, kT0 + 2s);
        events = evaluator.events();
        QCOMPARE(events.size(), std::size_t(2));
        QCOMPARE(events[0].state, sb::AlertState::Firing);
        QCOMPARE(eventOf(events, sb::kAlertCircuitOpen, "anthropic/claude-haiku-4-5")->message,
                 std::string("circuit of anthropic/claude-haiku-4-5 is auth_failed"));
        inputs.targets = {target("simple", "openai", "gpt-4o-mini", sb::CircuitState::Closed),
                          target("simple", "anthropic", "claude-haiku-4-5", sb::CircuitState::AuthFailed)};
        evaluator.evaluate(inputs, kT0 + 3s);
        events = evaluator.events();
        QCOMPARE(eventOf(events, sb::kAlertCircuitOpen, "openai/gpt-4o-mini")->state, sb::AlertState::Resolved);
        QCOMPARE(evaluator.firing_count(), std::size_t(1));
    }

    void historyIsBounded() {
        auto rules = sb::default_alert_rules();
        for (auto& rule : rules) rule.for_duration = 0s;  // fire at once: many events quickly
        sb::AlertEvaluator evaluator(rules, 5);
        sb::AlertInputs storm = traffic(100, 50);
        storm.budgets = {budget("monthly total", 0.9)};  // keeps firing throughout
        auto t = kT0;
        for (int i = 0; i < 20; ++i) {
            evaluator.evaluate(storm, t += 1s);
            sb::AlertInputs calm = traffic(100, 0);
            calm.budgets = storm.budgets;
            evaluator.evaluate(calm, t += 1s);
        }
        const auto events = evaluator.events();
        QCOMPARE(events.size(), std::size_t(5));
        // The firing budget alert, fired first, outlives resolved error-rate alerts.
        QCOMPARE(events[0].rule, std::string(sb::kAlertBudget80));
        QCOMPARE(events[0].state, sb::AlertState::Firing);
        QCOMPARE(countOf(events, sb::kAlertHighErrorRate), std::size_t(4));
        for (std::size_t i = 1; i < events.size(); ++i) QVERIFY(events[i].id > events[i - 1].id);
    }

    void invalidRulesAreRefusedWithPaths() {
        sb::AlertEvaluator evaluator;
        auto rules = sb::default_alert_rules();
        rules[0].threshold = 1.5;                             // more than every request
        rules[1].window = 5s;                                 // shorter than 10 s
        rules[2].name = std::string(sb::kAlertHighErrorRate);  // twice
        rules[3].severity = "page-me";
        rules[1].threshold = std::numeric_limits<double>::quiet_NaN();
        const auto applied = evaluator.set_rules(rules);
        QVERIFY(!applied);
        QCOMPARE(paths(applied.error()),
                 QStringList({"[0].threshold", "[1].threshold", "[1].window_s", "[2].name", "[3].severity"}));
        QCOMPARE(evaluator.rules(), sb::default_alert_rules());  // untouched

        rules = sb::default_alert_rules();
        rules[0].threshold = 0.2;
        QVERIFY(evaluator.set_rules(rules));
        QCOMPARE(evaluator.rules()[0].threshold, 0.2);
    }

    void changedRulesApplyAtTheNextEvaluation() {
        sb::AlertEvaluator evaluator(only(sb::AlertKind::ErrorRate));
        evaluator.evaluate(traffic(100, 10), kT0);
        QCOMPARE(evaluator.firing_count(), std::size_t(1));
        auto rules = evaluator.rules();
        rules[0].threshold = 0.2;  // 10% is fine now
        QVERIFY(evaluator.set_rules(rules));
        evaluator.evaluate(traffic(100, 10), kT0 + 1s);
        QCOMPARE(evaluator.firing_count(), std::size_t(0));
        QCOMPARE(evaluator.events()[0].state, sb::AlertState::Resolved);
        rules[0].threshold = 0.05;
        QVERIFY(evaluator.set_rules(rules));
        evaluator.evaluate(traffic(100, 10), kT0 + 2s);
        QCOMPARE(evaluator.firing_count(), std::size_t(1));
        rules[0].enabled = false;  // a disabled rule's alert resolves
        QVERIFY(evaluator.set_rules(rules));
        evaluator.evaluate(traffic(100, 10), kT0 + 3s);
        QCOMPARE(evaluator.firing_count(), std::size_t(0));
        QVERIFY(evaluator.windows().empty());
    }

    void listenersHearEachFiringOnce() {
        sb::AlertEvaluator evaluator(only(sb::AlertKind::ErrorRate));
        std::vector<std::string> heard;
        const auto token = evaluator.subscribe([&](const sb::AlertEvent& e) { heard.push_back(e.rule); });
        const auto generation = evaluator.generation();
        evaluator.evaluate(traffic(100, 50), kT0);
        evaluator.evaluate(traffic(100, 60), kT0 + 1s);
        QCOMPARE(heard, std::vector<std::string>{std::string(sb::kAlertHighErrorRate)});
        QVERIFY(evaluator.generation() > generation);
        evaluator.unsubscribe(token);
        evaluator.evaluate(traffic(100, 0), kT0 + 2s);
        evaluator.evaluate(traffic(100, 60), kT0 + 3s);
        QCOMPARE(heard.size(), std::size_t(1));
    }

    void monitorTicksOnItsOwnThread() {
        std::atomic<int> calls{0};
        sb::AlertMonitor monitor(only(sb::AlertKind::ErrorRate),
                                 [&](const std::vector<std::chrono::seconds>& windows) {
                                     ++calls;
                                     sb::AlertInputs inputs;
                                     for (auto w : windows) inputs.traffic[w] = {100, 50, 0};
                                     return inputs;
                                 },
                                 20ms);
        QTRY_VERIFY_WITH_TIMEOUT(monitor.evaluator().firing_count() == 1, 5000);
        monitor.stop();
        const int after = calls;
        QTest::qWait(60);
        QCOMPARE(calls.load(), after);
    }

    void configSection() {
        // Without the section: the defaults.
        nlohmann::json json = {{"providers", {{{"name", "local"}, {"kind", "openai_compatible"},
                                               {"base_url", "http://127.0.0.1:8080/v1"}, {"default_model", "m"}}}}};
        auto config = sb::parse_config(json, [](const std::string&) { return std::nullopt; });
        QVERIFY(config);
        QCOMPARE(config->alerts.rules, sb::default_alert_rules());

        // Round trip through to_json.
        config->alerts.rules[0].threshold = 0.1;
        config->alerts.rules[0].window = 60s;
        config->alerts.rules[0].for_duration = 30s;
        config->alerts.rules[3].enabled = false;
        const auto written = sb::to_json(*config);
        QCOMPARE(QString::fromStdString(written["alerts"]["rules"][0].dump()),
                 QStringLiteral("{\"enabled\":true,\"for_s\":30,\"kind\":\"error_rate\",\"name\":\"SwitchboardHighErrorRate\","
                                "\"severity\":\"warning\",\"threshold\":0.1,\"window_s\":60}"));
        QVERIFY(!written["alerts"]["rules"][3].contains("threshold"));
        auto again = sb::parse_config(written, [](const std::string&) { return std::nullopt; });
        QVERIFY(again);
        QCOMPARE(again->alerts.rules, config->alerts.rules);

        // Problems, each with its path.
        json["alerts"] = {{"rules",
                           {{{"name", "a"}, {"kind", "error_rate"}, {"threshold", 2}, {"window_s", 300}},
                            {{"name", "a"}, {"kind", "latency_p99"}, {"threshold", 1}, {"window_s", 7200}}}}};
        auto bad = sb::parse_config(json, [](const std::string&) { return std::nullopt; });
        QVERIFY(!bad);
        QStringList messages;
        for (const auto& e : bad.error()) messages << QString::fromStdString(e.to_string());
        QCOMPARE(messages, QStringList({"alerts.rules[0].threshold: must be more than 0 and at most 1 (fraction of requests)",
                                        "alerts.rules[1].name: must be unique (\"a\" is used twice)",
                                        "alerts.rules[1].window_s: must be from 10 to 3600 seconds"}));
        json["alerts"] = {{"rules", {{{"name", "b"}, {"kind", "teapot"}, {"windo", 10}}}}};
        bad = sb::parse_config(json, [](const std::string&) { return std::nullopt; });
        QVERIFY(!bad);
        QCOMPARE(paths(bad.error()), QStringList({"alerts.rules[0].kind", "alerts.rules[0].windo"}));
    }

    void shippedDefaultConfigHasTheFourRules() {
        auto config = sb::default_config([](const std::string&) { return std::nullopt; });
        QVERIFY(config);
        QCOMPARE(config->alerts.rules, sb::default_alert_rules());
    }

    void durationsRead() {
        QCOMPARE(sb::format_alert_duration(300s), std::string("5 min"));
        QCOMPARE(sb::format_alert_duration(10s), std::string("10 s"));
        QCOMPARE(sb::format_alert_duration(90s), std::string("90 s"));
        QCOMPARE(sb::format_alert_duration(3600s), std::string("1 h"));
    }
};

QTEST_GUILESS_MAIN(TestAlertEvaluator)
#include "tst_alert_evaluator.moc"
