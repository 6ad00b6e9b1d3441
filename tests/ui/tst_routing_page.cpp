// The Routing page over a real engine and a loopback simulator: weights edited on the page
// and applied move the traffic, versions are recorded and listed, Undo re-applies the
// previous routing as a new version, the what-if panel predicts from recorded traffic, the
// prompt box shows the tier a rule picks, an invalid draft cannot be applied, targets are
// added, moved and removed in the draft, a clean draft follows changes applied elsewhere,
// and applied routing is saved into the config file.
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

#include <future>
#include <map>
#include <vector>

#include <nlohmann/json.hpp>

#include "../support/engine_fixture.h"
#include "../support/page_fixture.h"
#include "engine/engine.h"
#include "local_engine_host.h"
#include "routing/route_preview_box.h"
#include "routing/routing_draft.h"
#include "routing/routing_figures.h"
#include "routing/routing_page.h"
#include "routing/rules_editor.h"
#include "routing/tier_editor.h"
#include "routing/versions_list.h"
#include "routing/weight_editor.h"
#include "routing/what_if_panel.h"

using namespace std::chrono_literals;

namespace {

sb::RouteTarget target(std::string provider, double weight) { return sb::RouteTarget{std::move(provider), "", weight, true}; }

// Two tiers over two providers, and a keyword rule that sends refactoring to "advanced".
sb::RoutingConfig startRouting() {
    sb::RoutingConfig routing;
    sb::TierConfig standard;
    standard.name = "standard";
    standard.targets = {target("openai", 50), target("anthropic", 50)};
    sb::TierConfig advanced;
    advanced.name = "advanced";
    advanced.targets = {target("anthropic", 100), target("openai", 0)};
    routing.tiers = {standard, advanced};
    sb::ClassifierRule rule;
    rule.name = "code-work";
    rule.kind = sb::RuleKind::Keywords;
    rule.values = {"refactor"};
    rule.tier = "advanced";
    routing.rules = {rule};
    routing.default_tier = "standard";
    routing.sticky_conversations = false;
    return routing;
}

}  // namespace

class TestRoutingPage : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<sb::Simulator> m_simulator;
    std::unique_ptr<LocalEngineHost> m_bridge;
    std::unique_ptr<RoutingPage> m_page;

    sb::Engine& engine() { return m_bridge->engine(); }

    // Sends `count` routed (not pinned) requests; returns how many each provider served.
    std::map<std::string, int> send(int count, const std::string& text = "Where is my order?") {
        std::vector<sb::ChatRequest> requests(static_cast<std::size_t>(count));
        for (int i = 0; i < count; ++i) {
            requests[std::size_t(i)].messages = {{sb::Role::User, text + " #" + std::to_string(i)}};
            requests[std::size_t(i)].source = "test";
        }
        std::map<std::string, int> served;
        for (const auto& result : sb::test::submit_all(engine(), std::move(requests))) {
            if (!result.ok()) qFatal("request failed: %s", result.outcome.error().message.c_str());
            ++served[result.provider];
        }
        return served;
    }

    std::vector<double> liveWeights(int tier = 0) {
        std::vector<double> weights;
        for (const auto& t : engine().routing().tiers.at(std::size_t(tier)).targets) weights.push_back(t.weight);
        return weights;
    }

private slots:
    void initTestCase() {
        QLocale::setDefault(QLocale::c());  // shares and figures are formatted with the default locale
        QVERIFY(m_dir.isValid());
        std::uint16_t port = 0;
        m_simulator = sb::test::start_simulator({}, &port);
        QVERIFY(m_simulator);
        sb::EngineOptions options;
        options.config = sb::test::simulator_config(port);
        options.config.routing = startRouting();
        options.database = m_dir.filePath("history.db").toStdString();
        options.history = true;
        options.retry_uniform = [] { return 0.0; };
        m_bridge = sb::test::make_bridge(std::move(options));
        m_page = sb::test::show_page<RoutingPage>(*m_bridge, {1400, 900});
    }

    void cleanupTestCase() {
        m_page.reset();
        m_bridge.reset();
        m_simulator.reset();
    }

    void configuredShares_data() {
        QTest::addColumn<QList<double>>("weights");
        QTest::addColumn<QList<bool>>("enabled");
        QTest::addColumn<QList<double>>("shares");
        QTest::newRow("even") << QList<double>{50, 50} << QList<bool>{true, true} << QList<double>{0.5, 0.5};
        QTest::newRow("all to one") << QList<double>{0, 100} << QList<bool>{true, true} << QList<double>{0, 1};
        QTest::newRow("disabled gets none") << QList<double>{30, 70, 100} << QList<bool>{true, true, false}
                                            << QList<double>{0.3, 0.7, 0};
        QTest::newRow("all zero spreads evenly") << QList<double>{0, 0} << QList<bool>{true, true}
                                                 << QList<double>{0.5, 0.5};
    }
    void configuredShares() {
        QFETCH(QList<double>, weights);
        QFETCH(QList<bool>, enabled);
        QFETCH(QList<double>, shares);
        sb::TierConfig tier;
        for (qsizetype i = 0; i < weights.size(); ++i) tier.targets.push_back({"openai", "", weights[i], enabled[i]});
        const auto got = routing_figures::configuredShares(tier);
        QCOMPARE(got.size(), std::size_t(shares.size()));
        for (qsizetype i = 0; i < shares.size(); ++i) QCOMPARE(got[std::size_t(i)], shares[i]);
    }

    void conditionTextRoundTrips() {
        sb::ClassifierRule rule;
        rule.kind = sb::RuleKind::Keywords;
        RulesEditor::setCondition(rule, QStringLiteral(" refactor,  migrate ,,"));
        QCOMPARE(rule.values, (std::vector<std::string>{"refactor", "migrate"}));
        QCOMPARE(RulesEditor::conditionText(rule), QStringLiteral("refactor, migrate"));
        rule.kind = sb::RuleKind::TokensAtLeast;
        RulesEditor::setCondition(rule, QStringLiteral("2000"));
        QCOMPARE(rule.threshold, std::int64_t(2000));
        QCOMPARE(RulesEditor::conditionText(rule), QStringLiteral("2000"));
    }

    void pageShowsTheLiveRouting() {
        auto* tiers = m_page->findChild<QListWidget*>(QStringLiteral("tiers"));
        QVERIFY(tiers);
        QCOMPARE(tiers->count(), 2);
        QCOMPARE(m_page->selectedTier(), 0);
        auto* editor = m_page->tierEditor();
        QCOMPARE(editor->rowCount(), 2);
        QCOMPARE(editor->providerBox(0)->currentData().toString(), QStringLiteral("openai"));
        QCOMPARE(editor->providerBox(1)->currentData().toString(), QStringLiteral("anthropic"));
        QCOMPARE(editor->weightEditor(0)->value(), 50);
        QCOMPARE(editor->text(0, TierEditor::ShareColumn), QStringLiteral("50.0 %"));
        m_page->refreshLive();
        QCOMPARE(editor->text(0, TierEditor::CircuitColumn), QStringLiteral("● closed"));
        QCOMPARE(editor->textColour(0, TierEditor::CircuitColumn), routing_figures::circuitColour(sb::CircuitState::Closed));
        QCOMPARE(m_page->rulesEditor()->rowCount(), 1);
        QCOMPARE(m_page->rulesEditor()->tierBox(0)->currentText(), QStringLiteral("advanced"));
        QCOMPARE(m_page->rulesEditor()->defaultTierBox()->currentText(), QStringLiteral("standard"));
        QVERIFY(!m_page->applyButton()->isEnabled());
        QVERIFY(!m_page->revertButton()->isEnabled());
        QVERIFY(!m_page->undoButton()->isEnabled());
        QVERIFY(m_page->errorText().isEmpty());
    }

    void appliedWeightsMoveTheTraffic() {
        const auto versionsBefore = engine().config_versions().size();
        auto* editor = m_page->tierEditor();
        editor->weightEditor(0)->spinBox()->setValue(0);     // openai → 0 with the spin box…
        QCOMPARE(editor->weightEditor(0)->slider()->value(), 0);
        editor->weightEditor(1)->slider()->setValue(100);    // …anthropic → 100 with the slider
        QCOMPARE(editor->weightEditor(1)->spinBox()->value(), 100);
        QCOMPARE(editor->text(0, TierEditor::ShareColumn), QStringLiteral("0.0 %"));
        QCOMPARE(editor->text(1, TierEditor::ShareColumn), QStringLiteral("100.0 %"));
        QVERIFY(m_page->draft().isDirty());
        QCOMPARE(liveWeights(), (std::vector<double>{50, 50}));  // nothing live before Apply
        QVERIFY(m_page->applyButton()->isEnabled());
        QVERIFY(m_page->revertButton()->isEnabled());

        QSignalSpy applied(m_page.get(), &RoutingPage::routingApplied);
        QTest::mouseClick(m_page->applyButton(), Qt::LeftButton);
        QCOMPARE(applied.count(), 1);
        QCOMPARE(liveWeights(), (std::vector<double>{0, 100}));
        QVERIFY(!m_page->draft().isDirty());
        QVERIFY(!m_page->applyButton()->isEnabled());

        const auto served = send(50);
        QCOMPARE(served.count("anthropic") ? served.at("anthropic") : 0, 50);
        QCOMPARE(served.count("openai"), std::size_t(0));

        const auto versions = engine().config_versions();
        QCOMPARE(versions.size(), versionsBefore + 1);
        QCOMPARE(versions.back().author, std::string("console"));
        const QString summary = QString::fromStdString(versions.back().summary);
        QVERIFY(!summary.isEmpty());
        QCOMPARE(m_page->versionsList()->summaries().value(0), summary);  // newest first
        QVERIFY2(m_page->statusText().contains(summary), qPrintable(m_page->statusText()));
        QVERIFY(m_page->undoButton()->isEnabled());
    }

    void servedShareFollowsTheLastMinute() {
        m_page->refreshLive();
        auto* editor = m_page->tierEditor();
        QCOMPARE(editor->text(1, TierEditor::ServedColumn), QStringLiteral("100.0 %"));
        QCOMPARE(editor->text(0, TierEditor::ServedColumn), QStringLiteral("0.0 %"));
    }

    void whatIfPredictsFromTraffic() {
        send(20);  // more anthropic traffic; openai has none yet
        m_page->refreshWhatIf();
        auto* panel = m_page->whatIfPanel();
        for (const auto metric : {WhatIfPanel::P50, WhatIfPanel::P99}) {
            const QString now = panel->text(metric, WhatIfPanel::NowColumn);
            QVERIFY2(now.endsWith(QStringLiteral(" ms")) || now.endsWith(QStringLiteral(" s")), qPrintable(now));
        }
        QCOMPARE(panel->text(WhatIfPanel::ErrorRate, WhatIfPanel::NowColumn), QStringLiteral("0.0 %"));
        QVERIFY(panel->text(WhatIfPanel::CostPer1k, WhatIfPanel::NowColumn).startsWith(QLatin1Char('$')));
        QCOMPARE(panel->text(WhatIfPanel::P50, WhatIfPanel::ChangeColumn), QStringLiteral("same"));  // draft = applied
        QVERIFY2(panel->basis().contains(QStringLiteral("Based on")), qPrintable(panel->basis()));

        // A draft that sends half to openai, which has no history: the panel says so.
        m_page->tierEditor()->weightEditor(0)->spinBox()->setValue(100);
        m_page->refreshWhatIf();
        QVERIFY2(panel->basis().contains(QStringLiteral("No data for openai/gpt-4o-mini")), qPrintable(panel->basis()));
        m_page->revert();
        QVERIFY(!m_page->draft().isDirty());
        QCOMPARE(m_page->tierEditor()->weightEditor(0)->value(), 0);
    }

    void undoReappliesThePreviousWeights() {
        const auto versionsBefore = engine().config_versions().size();
        QVERIFY(m_page->undoButton()->isEnabled());
        QTest::mouseClick(m_page->undoButton(), Qt::LeftButton);
        QCOMPARE(liveWeights(), (std::vector<double>{50, 50}));
        QCOMPARE(engine().config_versions().size(), versionsBefore + 1);  // Undo is a version too
        QCOMPARE(m_page->tierEditor()->weightEditor(0)->value(), 50);
        QCOMPARE(m_page->versionsList()->summaries().size(), int(versionsBefore + 1));
        QVERIFY(!m_page->draft().isDirty());
        const auto served = send(40);
        QVERIFY(served.count("openai") && served.count("anthropic"));
    }

    void previewShowsTheTierARulePicks() {
        auto* box = m_page->previewBox();
        QSignalSpy previewed(box, &RoutePreviewBox::previewed);
        box->setPrompt(QStringLiteral("Please refactor this parser"));
        QTRY_VERIFY(previewed.count() >= 1);  // debounced
        QCOMPARE(box->tierText(), QStringLiteral("advanced"));
        QCOMPARE(box->ruleText(), QStringLiteral("code-work"));
        QVERIFY2(box->targetText().startsWith(QStringLiteral("anthropic/")), qPrintable(box->targetText()));
        box->setPrompt(QStringLiteral("What is the weather like?"));
        box->refresh();
        QCOMPARE(box->tierText(), QStringLiteral("standard"));
        QCOMPARE(box->draftText(), QStringLiteral("same as live"));
    }

    void ruleToMissingTierCannotBeApplied() {
        auto* tierBox = m_page->rulesEditor()->tierBox(0);
        tierBox->setCurrentText(QStringLiteral("premium"));  // typed: no such tier
        QCOMPARE(m_page->draft().draft().rules[0].tier, std::string("premium"));
        QVERIFY(m_page->draft().isDirty());
        QVERIFY(!m_page->applyButton()->isEnabled());
        QVERIFY2(m_page->errorText().contains(QStringLiteral("routing.rules[0].tier")), qPrintable(m_page->errorText()));
        QVERIFY(!m_page->apply());
        QCOMPARE(engine().routing().rules[0].tier, std::string("advanced"));

        tierBox->setCurrentText(QStringLiteral("standard"));  // fixed: may be applied
        QVERIFY(m_page->errorText().isEmpty());
        QVERIFY(m_page->applyButton()->isEnabled());
        m_page->revert();
        QCOMPARE(m_page->rulesEditor()->tierBox(0)->currentText(), QStringLiteral("advanced"));
        QVERIFY(!m_page->applyButton()->isEnabled());
    }

    void draftRulesPreviewBeforeApply() {
        auto* condition = m_page->rulesEditor()->conditionEdit(0);
        condition->selectAll();
        QTest::keyClicks(condition, QStringLiteral("weather"));  // typed: each key edits the draft
        QCOMPARE(condition->text(), QStringLiteral("weather"));
        QCOMPARE(m_page->draft().draft().rules[0].values, std::vector<std::string>{"weather"});
        auto* box = m_page->previewBox();
        box->setPrompt(QStringLiteral("What is the weather like?"));
        box->refresh();
        QCOMPARE(box->tierText(), QStringLiteral("standard"));  // live: no rule matches
        QCOMPARE(box->draftText(), QStringLiteral("advanced (rule code-work)"));
        m_page->revert();
    }

    void targetsAreAddedMovedAndRemoved() {
        auto* editor = m_page->tierEditor();
        editor->addTarget();
        QCOMPARE(editor->rowCount(), 3);
        const auto& added = m_page->draft().draft().tiers[0].targets[2];
        QCOMPARE(added.provider, std::string("local"));  // the first provider not in the tier
        QCOMPARE(added.weight, 0.0);
        QCOMPARE(editor->modelBox(2)->currentText(), QStringLiteral("default (llama3.2)"));

        editor->moveTarget(2, -1);
        QCOMPARE(m_page->draft().draft().tiers[0].targets[1].provider, std::string("local"));
        QCOMPARE(editor->providerBox(1)->currentData().toString(), QStringLiteral("local"));
        QCOMPARE(editor->providerBox(2)->currentData().toString(), QStringLiteral("anthropic"));
        QCOMPARE(editor->weightEditor(2)->value(), 50);  // the weight moved with its target
        QCOMPARE(editor->text(1, TierEditor::CircuitColumn), QStringLiteral("—"));  // not live yet

        editor->enabledBox(0)->setChecked(false);
        QCOMPARE(editor->text(0, TierEditor::ShareColumn), QStringLiteral("off"));
        QCOMPARE(editor->text(2, TierEditor::ShareColumn), QStringLiteral("100.0 %"));

        editor->removeTarget(1);
        QCOMPARE(editor->rowCount(), 2);
        QCOMPARE(editor->providerBox(1)->currentData().toString(), QStringLiteral("anthropic"));
        m_page->revert();
        QCOMPARE(editor->rowCount(), 2);
        QVERIFY(editor->enabledBox(0)->isChecked());
        QVERIFY(!m_page->draft().isDirty());
    }

    void cleanDraftFollowsChangesAppliedElsewhere() {
        auto routing = engine().routing();
        routing.tiers[0].targets[0].weight = 20;
        QVERIFY(engine().apply_routing(routing, "gateway-admin").has_value());
        m_page->refreshLive();
        QCOMPARE(m_page->tierEditor()->weightEditor(0)->value(), 20);
        QVERIFY(!m_page->draft().isDirty());
        QCOMPARE(m_page->versionsList()->topLevelItem(0)->text(VersionsList::AuthorColumn), QStringLiteral("gateway-admin"));

        // An edited draft is kept, and still compares against the new live routing.
        m_page->tierEditor()->weightEditor(1)->spinBox()->setValue(10);
        routing.tiers[0].targets[0].weight = 30;
        QVERIFY(engine().apply_routing(routing, "gateway-admin").has_value());
        m_page->refreshLive();
        QCOMPARE(m_page->tierEditor()->weightEditor(1)->value(), 10);
        QCOMPARE(m_page->draft().applied().tiers[0].targets[0].weight, 30.0);
        m_page->revert();
        QCOMPARE(m_page->tierEditor()->weightEditor(0)->value(), 30);
    }

    void appliedRoutingIsSavedToTheConfigFile() {
        const QString path = m_dir.filePath("config.json");
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            const nlohmann::json config = {
                {"version", 1},
                {"default_provider", "openai"},
                {"providers", {{{"name", "openai"}, {"api_key", "${OPENAI_API_KEY}"}}}}};
            file.write(QByteArray::fromStdString(config.dump(2)));
        }
        m_page->setConfigFile(path);
        m_page->tierEditor()->weightEditor(0)->spinBox()->setValue(70);
        QVERIFY(m_page->apply());
        // Written off the GUI thread: the status says so when it is done.
        QTRY_VERIFY2(m_page->statusText().contains(QStringLiteral("saved to")), qPrintable(m_page->statusText()));

        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const auto json = nlohmann::json::parse(file.readAll().toStdString());
        QCOMPARE(json["providers"][0]["api_key"].get<std::string>(), std::string("${OPENAI_API_KEY}"));  // untouched
        std::vector<sb::ConfigError> errors;
        const auto saved = sb::parse_routing(json["routing"], "routing", errors);
        QVERIFY(errors.empty());
        QVERIFY(saved == engine().routing());
        QCOMPARE(saved.tiers[0].targets[0].weight, 70.0);
        m_page->setConfigFile({});
    }

    void tiersAreAddedAndRemoved() {
        if (m_page->revertButton()->isEnabled()) QTest::mouseClick(m_page->revertButton(), Qt::LeftButton);
        const auto tiersBefore = engine().routing().tiers.size();
        m_page->newTierName()->setText(QStringLiteral("premium"));
        QTest::mouseClick(m_page->addTierButton(), Qt::LeftButton);
        auto* tiers = m_page->findChild<QListWidget*>(QStringLiteral("tiers"));
        QCOMPARE(tiers->count(), int(tiersBefore) + 1);
        QCOMPARE(tiers->currentItem()->data(Qt::UserRole).toString(), QStringLiteral("premium"));
        QCOMPARE(m_page->tierEditor()->rowCount(), 1);  // starts with one target, so it is valid
        QVERIFY2(m_page->applyButton()->isEnabled(), qPrintable(m_page->errorText()));
        QTest::mouseClick(m_page->applyButton(), Qt::LeftButton);
        QVERIFY(engine().routing().tier("premium"));

        sb::ChatRequest request;
        request.messages = {{sb::Role::User, "Hello"}};
        request.tier = "premium";
        auto future = engine().submit(request);
        QCOMPARE(future.get().tier, std::string("premium"));

        tiers->setCurrentRow(tiers->count() - 1);
        QTest::mouseClick(m_page->removeTierButton(), Qt::LeftButton);
        QCOMPARE(tiers->count(), int(tiersBefore));
        QTest::mouseClick(m_page->applyButton(), Qt::LeftButton);
        QVERIFY(!engine().routing().tier("premium"));
    }

    void hiddenPageSkipsLiveRefresh() {
        m_page->hide();
        auto routing = engine().routing();
        routing.tiers[0].targets[0].weight = 5;
        QVERIFY(engine().apply_routing(routing, "gateway-admin").has_value());
        QTest::qWait(int(RoutingPage::kLiveRefreshMs * 1.5));
        QVERIFY(m_page->tierEditor()->weightEditor(0)->value() != 5);
        m_page->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_page.get()));
        QCOMPARE(m_page->tierEditor()->weightEditor(0)->value(), 5);
    }
};

QTEST_MAIN(TestRoutingPage)
#include "tst_routing_page.moc"
