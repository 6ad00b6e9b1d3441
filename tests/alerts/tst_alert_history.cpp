// The alert history outlives a restart: the store round-trips events and closes the ones a
// dead process left firing; the monitor saves what fired, changed or resolved (and offers it
// again after a failed save); and a real engine on a loopback simulator and a real SQLite
// file lists, after a restart, the alert an error storm fired before it — closed, since no
// one saw it end — and continues the ids, and a resolved alert comes back resolved.
#include <QTemporaryDir>
#include <QtTest>

#include "../support/page_fixture.h"
#include "alerts/alert_monitor.h"
#include "store/alert_event_store.h"

using namespace std::chrono_literals;
using sb::AlertEvent;
using sb::AlertState;

namespace {

const auto kT0 = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));

AlertEvent alertEvent(std::uint64_t id, std::string rule, std::optional<std::chrono::system_clock::time_point> resolved = {}) {
    AlertEvent e;
    e.id = id;
    e.rule = std::move(rule);
    e.kind = sb::AlertKind::BudgetUsed;
    e.subject = "team monthly";
    e.severity = "critical";
    e.fired_at = kT0 + std::chrono::seconds(id);
    e.resolved_at = resolved;
    e.state = resolved ? AlertState::Resolved : AlertState::Firing;
    e.value = 0.9;
    e.threshold = 0.8;
    e.message = "budget team monthly at 90% of its limit (threshold 80%)";
    return e;
}

}  // namespace

class TestAlertHistory : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    std::unique_ptr<sb::Engine> engine(std::uint16_t port, const QString& db) {
        sb::EngineOptions options;
        options.config = sb::test::error_storm_config(port);
        options.database = m_dir.filePath(db).toStdString();
        auto created = sb::Engine::create(std::move(options));
        if (!created) qFatal("engine: %s", created.error().c_str());
        return std::move(*created);
    }

    static void storm(sb::Engine& engine) {
        std::vector<sb::ChatRequest> requests(30);
        for (auto& request : requests) {
            request.provider = "openai";
            request.messages = {{sb::Role::User, "Where is my parcel?"}};
            request.extra_headers.emplace_back("x-sim-fault", "unavailable");
        }
        sb::test::submit_all(engine, std::move(requests));
        engine.evaluate_alerts();
    }

    static std::vector<AlertEvent> errorRateEvents(const sb::Engine& engine) {
        std::vector<AlertEvent> out;
        for (const auto& e : engine.alert_events())
            if (e.kind == sb::AlertKind::ErrorRate) out.push_back(e);
        return out;
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void storeRoundTripsAndClosesWhatWasLeftFiring() {
        auto store = sb::AlertEventStore::open(m_dir.filePath("store.db").toStdString());
        QVERIFY(store.has_value());
        QVERIFY(store->save({alertEvent(1, "budget 80%", kT0 + 60s), alertEvent(2, "budget 80%")}).has_value());
        auto resolving = alertEvent(2, "budget 80%", kT0 + 120s);
        resolving.value = 0.95;
        QVERIFY(store->save({resolving}).has_value());  // an update, by id
        QVERIFY(store->save({alertEvent(3, "budget 80%")}).has_value());

        auto all = store->recent(10);
        QVERIFY(all.has_value());
        QCOMPARE(all->size(), std::size_t(3));
        QCOMPARE((*all)[0].id, std::uint64_t(1));
        QCOMPARE((*all)[1], resolving);
        QCOMPARE((*all)[2].state, AlertState::Firing);
        QCOMPARE((*all)[0].kind, sb::AlertKind::BudgetUsed);

        auto closed = store->close_unresolved(kT0 + 300s);
        QVERIFY(closed.has_value());
        QCOMPARE(*closed, std::size_t(1));
        auto newest = store->recent(1);
        QVERIFY(newest.has_value() && newest->size() == 1);
        QCOMPARE(newest->front().id, std::uint64_t(3));
        QCOMPARE(newest->front().state, AlertState::Resolved);
        QCOMPARE(*newest->front().resolved_at, kT0 + 300s);
        QVERIFY(newest->front().message.ends_with("(closed: the engine restarted)"));
    }

    void monitorSavesChangesAndRetriesAFailedSave() {
        std::vector<std::vector<AlertEvent>> calls;
        bool fail = true;
        sb::AlertHistory history;
        history.past = {alertEvent(7, "from before", kT0 + 10s)};
        history.save = [&](const std::vector<AlertEvent>& changed) {
            calls.push_back(changed);
            return !std::exchange(fail, false);
        };
        std::vector<sb::AlertRule> rules = sb::default_alert_rules();
        for (auto& rule : rules) rule.for_duration = 0s;
        sb::AlertInputs inputs;
        sb::BudgetStatus status;
        status.budget.name = "team monthly";
        status.budget.limit_usd = 100;
        status.fraction = 0.9;
        inputs.budgets = {status};
        sb::AlertMonitor monitor(rules, [&](const auto&) { return inputs; }, 1h, std::move(history));

        // The past is listed, and new ids continue after it.
        QCOMPARE(monitor.evaluator().events().front().id, std::uint64_t(7));
        monitor.evaluate_now();
        QCOMPARE(calls.size(), std::size_t(1));  // the budget alert fired; this save fails
        QCOMPARE(calls[0].size(), std::size_t(1));
        QCOMPARE(calls[0][0].id, std::uint64_t(8));
        monitor.evaluate_now();
        QCOMPARE(calls.size(), std::size_t(2));  // offered again, and saved
        QCOMPARE(calls[1][0].id, std::uint64_t(8));
        monitor.evaluate_now();
        QCOMPARE(calls.size(), std::size_t(2));  // nothing changed: nothing written

        inputs.budgets.clear();  // the condition is gone: resolved, and saved as such
        monitor.evaluate_now();
        QCOMPARE(calls.size(), std::size_t(3));
        QCOMPARE(calls[2].size(), std::size_t(1));
        QCOMPARE(calls[2][0].state, AlertState::Resolved);
        monitor.stop();
    }

    void engineListsItsAlertsAfterARestart() {
        std::uint16_t port = 0;
        auto simulator = sb::test::start_simulator({}, &port);
        QVERIFY(simulator);
        std::uint64_t first_id = 0;
        {
            auto e = engine(port, "engine.db");
            storm(*e);
            const auto fired = errorRateEvents(*e);
            QCOMPARE(fired.size(), std::size_t(1));
            QCOMPARE(fired[0].state, AlertState::Firing);
            first_id = fired[0].id;
        }  // stopped while firing
        {
            auto e = engine(port, "engine.db");
            const auto past = errorRateEvents(*e);
            QCOMPARE(past.size(), std::size_t(1));
            QCOMPARE(past[0].id, first_id);
            QCOMPARE(past[0].state, AlertState::Resolved);
            QVERIFY2(past[0].message.ends_with("(closed: the engine restarted)"), past[0].message.c_str());

            // A new storm is a new alert with a later id; disabling its rule resolves it.
            storm(*e);
            const auto now = errorRateEvents(*e);
            QCOMPARE(now.size(), std::size_t(2));
            QVERIFY(now[1].id > first_id);
            auto rules = e->alert_rules();
            for (auto& rule : rules)
                if (rule.kind == sb::AlertKind::ErrorRate) rule.enabled = false;
            QVERIFY(e->apply_alert_rules(rules).has_value());
            e->evaluate_alerts();
            QCOMPARE(errorRateEvents(*e)[1].state, AlertState::Resolved);
        }
        auto e = engine(port, "engine.db");
        const auto again = errorRateEvents(*e);
        QCOMPARE(again.size(), std::size_t(2));
        QCOMPARE(again[1].state, AlertState::Resolved);
        QVERIFY2(!again[1].message.ends_with("(closed: the engine restarted)"), again[1].message.c_str());
        QVERIFY(again[1].resolved_at.has_value() && *again[1].resolved_at >= again[1].fired_at);
    }
};

QTEST_MAIN(TestAlertHistory)
#include "tst_alert_history.moc"
