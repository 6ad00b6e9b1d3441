// Budgets inside the engine, over real HTTP to the simulator and a real SQLite history: a
// monthly "refuse" budget refuses with a clear error once spent, spend survives a restart,
// "downgrade" moves routed traffic to a cheaper tier.
#include <QTemporaryDir>
#include <QtTest>

#include "../support/engine_fixture.h"
#include "engine/engine.h"

using namespace sb;
using namespace std::chrono_literals;
using sb::test::ask;
using sb::test::wait_for;

namespace {

ChatRequest question(std::string text) {
    ChatRequest request;
    request.messages = {{Role::User, std::move(text)}};
    request.source = "test";
    return request;
}


}  // namespace

class TestEngineBudget : public QObject {
    Q_OBJECT

    std::unique_ptr<Simulator> m_simulator;
    std::uint16_t m_port = 0;
    QTemporaryDir m_dir;

    std::unique_ptr<Engine> make_engine(std::vector<Budget> budgets, const QString& db) {
        EngineOptions options;
        options.config = test::simulator_config(m_port);
        options.config.budgets = std::move(budgets);
        options.database = m_dir.filePath(db).toStdString();
        auto engine = Engine::create(std::move(options));
        if (!engine) qFatal("engine: %s", engine.error().c_str());
        return std::move(*engine);
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_simulator = test::start_simulator({}, &m_port);
        QVERIFY(m_simulator);
    }

    void monthlyRefuseBudgetRefusesOnceSpentAndAfterARestart() {
        // gpt-4o-mini answers cost a few hundred-thousandths of a dollar each.
        const Budget cap{"tiny monthly", BudgetPeriod::Monthly, "", 0.0002, 1.0, BudgetAction::Refuse, ""};
        auto engine = make_engine({cap}, "refuse.db");
        double spent = 0;
        int answered = 0;
        RequestResult refused;
        for (int i = 0; i < 200; ++i) {
            auto request = question("question number " + std::to_string(i));
            request.provider = "openai";
            auto result = ask(*engine, std::move(request));
            if (!result.ok()) {
                refused = std::move(result);
                break;
            }
            ++answered;
            spent += result.cost_usd.value_or(0);
        }
        QVERIFY(answered > 0);
        QVERIFY(spent >= cap.limit_usd);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.outcome.error().cls, ErrorClass::Budget);
        const auto& message = refused.outcome.error().message;
        QVERIFY2(message.find("monthly budget \"tiny monthly\"") != std::string::npos, message.c_str());
        QVERIFY2(message.find("refused until") != std::string::npos, message.c_str());
        QVERIFY(refused.attempts.empty());  // never sent upstream
        const auto status = engine->budget_status();
        QCOMPARE(status.size(), std::size_t(1));
        QVERIFY(status[0].acting);
        QVERIFY(std::abs(status[0].spent_usd - spent) < 1e-12);
        QVERIFY(engine->spend_forecast().month_to_date_usd >= spent - 1e-12);

        // Restart on the same history: the month's spend is still there, so still refused.
        engine.reset();
        engine = make_engine({cap}, "refuse.db");
        QVERIFY(engine->budget_status()[0].spent_usd >= spent - 1e-9);
        auto again = question("after the restart");
        again.provider = "openai";
        const auto result = ask(*engine, std::move(again));
        QVERIFY(!result.ok());
        QCOMPARE(result.outcome.error().cls, ErrorClass::Budget);
    }

    void downgradeMovesRoutedTrafficToTheCheaperTier() {
        EngineOptions options;
        options.config = test::simulator_config(m_port);
        TierConfig simple;
        simple.name = "simple";
        simple.targets = {RouteTarget{"local", "llama3.2", 1, true}};
        TierConfig advanced;
        advanced.name = "advanced";
        advanced.targets = {RouteTarget{"openai", "gpt-4o-mini", 1, true}};
        options.config.routing.tiers = {simple, advanced};
        options.config.routing.default_tier = "advanced";
        options.config.budgets = {Budget{"save", BudgetPeriod::Daily, "openai", 0.00001, 0.5, BudgetAction::Downgrade, "simple"}};
        options.history = false;
        auto created = Engine::create(std::move(options));
        QVERIFY2(created.has_value(), created ? "" : created.error().c_str());
        auto& engine = **created;
        const auto first = ask(engine, question("first"));
        QVERIFY(first.ok());
        QCOMPARE(first.provider, std::string("openai"));
        QCOMPARE(first.tier, std::string("advanced"));
        const auto second = ask(engine, question("second"));
        QVERIFY(second.ok());
        QCOMPARE(second.tier, std::string("simple"));
        QCOMPARE(second.provider, std::string("local"));
        QVERIFY2(second.route_reason.find("budget \"save\"") != std::string::npos, second.route_reason.c_str());
        QVERIFY(!second.budget_note.empty());
    }
};

QTEST_GUILESS_MAIN(TestEngineBudget)
#include "tst_engine_budget.moc"
