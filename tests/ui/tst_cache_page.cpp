// The Cache page over a real engine with caching on and a loopback simulator: a never-cache
// rule added and applied on the page stops a cached question from being served from the
// cache (it goes upstream), while other questions are still cached; reordering changes
// which rule wins; an invalid regex cannot be applied and Revert restores; the key box
// shows the engine's key, target, material and decision; the live figures match the
// engine's; with the semantic cache, its hits apart from the exact ones and the nearest
// stored question of a pasted conversation; purging all or one rule's entries; applied rules saved into the config file;
// and the page with caching off. The conversation parser is unit-tested here too.
#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <future>
#include <vector>

#include <nlohmann/json.hpp>

#include "../support/engine_fixture.h"
#include "../support/page_fixture.h"
#include "cache/cache_key.h"
#include "cache/cache_key_box.h"
#include "cache/cache_page.h"
#include "cache/cache_rules_draft.h"
#include "cache/cache_rules_editor.h"
#include "cache/cache_stats_panel.h"
#include "cache/conversation_text.h"
#include "common/metric_format.h"
#include "config/config.h"
#include "engine/engine.h"
#include "local_engine_host.h"

using namespace std::chrono_literals;

namespace {

constexpr const char* kRefund = "How do I get a refund for my order?";
constexpr const char* kReset = "How do I reset the router to factory settings?";

sb::CacheRule keywordRule(std::string name, sb::CacheAction action, std::vector<std::string> keywords) {
    sb::CacheRule rule;
    rule.name = std::move(name);
    rule.action = action;
    rule.match = sb::CacheMatch::Keywords;
    rule.keywords = std::move(keywords);
    return rule;
}

QString roleText(sb::Role role) { return QString::fromUtf8(sb::to_string(role).data(), qsizetype(sb::to_string(role).size())); }

QStringList describe(const std::vector<sb::Message>& messages) {
    QStringList out;
    for (const auto& m : messages) out << roleText(m.role) + QLatin1Char('|') + QString::fromStdString(m.content);
    return out;
}

}  // namespace

class TestCachePage : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<sb::Simulator> m_simulator;
    std::uint16_t m_port = 0;
    std::unique_ptr<LocalEngineHost> m_bridge;
    std::unique_ptr<CachePage> m_page;

    sb::Engine& engine() { return m_bridge->engine(); }
    std::uint64_t upstreamCalls() const { return m_simulator->stats().requests_to(sb::SimEndpoint::chat_completions); }

    void makePage(std::vector<sb::CacheRule> rules = {}, bool cacheOn = true, bool semantic = false) {
        m_page.reset();
        m_bridge.reset();
        sb::EngineOptions options;
        options.config = sb::test::simulator_config(m_port);
        options.config.cache.enabled = cacheOn;
        options.config.cache.rules = std::move(rules);
        options.config.cache.semantic.enabled = semantic;
        options.history = false;
        options.database = m_dir.filePath(QStringLiteral("history.db")).toStdString();
        options.retry_uniform = [] { return 0.0; };
        m_bridge = sb::test::make_bridge(std::move(options));
        m_page = sb::test::show_page<CachePage>(*m_bridge, {1300, 850});
    }

    sb::RequestResult ask(const std::string& text) {
        sb::ChatRequest request;
        request.provider = "openai";
        request.messages = {{sb::Role::System, "You are a support agent."}, {sb::Role::User, text}};
        request.source = "test";
        auto future = engine().submit(std::move(request));
        if (future.wait_for(20s) != std::future_status::ready) qFatal("request did not finish in time");
        auto result = future.get();
        if (!result.ok()) qFatal("request failed: %s", result.outcome.error().message.c_str());
        return result;
    }

    // Fills a row of the editor through its widgets, as an operator would.
    void fillRow(int row, const QString& name, sb::CacheAction action, sb::CacheMatch match, const QString& condition) {
        CacheRulesEditor* editor = m_page->rulesEditor();
        editor->nameEdit(row)->clear();
        QTest::keyClicks(editor->nameEdit(row), name);
        editor->actionBox(row)->setCurrentIndex(editor->actionBox(row)->findData(int(action)));
        editor->matchBox(row)->setCurrentIndex(editor->matchBox(row)->findData(int(match)));
        editor->conditionEdit(row)->clear();
        QTest::keyClicks(editor->conditionEdit(row), condition);
    }

private slots:
    void initTestCase() {
        QLocale::setDefault(QLocale::c());  // figures are formatted with the default locale
        QVERIFY(m_dir.isValid());
        m_simulator = sb::test::start_simulator({}, &m_port);
        QVERIFY(m_simulator);
    }

    void cleanup() {
        m_page.reset();
        m_bridge.reset();
    }

    void cleanupTestCase() { m_simulator.reset(); }

    void conversationText_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("messages");
        QTest::newRow("plain text is one user message")
            << QStringLiteral("How do I reset it?\nIt blinks red.")
            << QStringList{QStringLiteral("user|How do I reset it?\nIt blinks red.")};
        QTest::newRow("roles")
            << QStringLiteral("system: Be brief.\nuser: Hi\nassistant: Hello!\nuser: Price?")
            << QStringList{QStringLiteral("system|Be brief."), QStringLiteral("user|Hi"), QStringLiteral("assistant|Hello!"),
                           QStringLiteral("user|Price?")};
        QTest::newRow("a line without a role continues the turn")
            << QStringLiteral("user: first line\nsecond line\n\nassistant: ok")
            << QStringList{QStringLiteral("user|first line\nsecond line"), QStringLiteral("assistant|ok")};
        QTest::newRow("text before the first role is the user's")
            << QStringLiteral("hello there\nAssistant: hi\nUSER:  again  ")
            << QStringList{QStringLiteral("user|hello there"), QStringLiteral("assistant|hi"), QStringLiteral("user|again")};
        QTest::newRow("empty turns are dropped") << QStringLiteral("system:\nuser: x\r\n") << QStringList{QStringLiteral("user|x")};
        QTest::newRow("nothing") << QStringLiteral("  \n ") << QStringList{};
        QTest::newRow("a colon later in the line is text")
            << QStringLiteral("note: user: not a role") << QStringList{QStringLiteral("user|note: user: not a role")};
    }
    void conversationText() {
        QFETCH(QString, text);
        QFETCH(QStringList, messages);
        QCOMPARE(describe(conversation_text::parse(text)), messages);
    }

    void targetField() {
        const QStringList providers{QStringLiteral("openai"), QStringLiteral("anthropic")};
        const QStringList tiers{QStringLiteral("standard")};
        sb::ChatRequest pinned;
        conversation_text::applyTarget(pinned, QStringLiteral(" openai/gpt-4o "), providers, tiers);
        QCOMPARE(pinned.provider, std::string("openai"));
        QCOMPARE(pinned.model, std::string("gpt-4o"));
        sb::ChatRequest tier;
        conversation_text::applyTarget(tier, QStringLiteral("standard"), providers, tiers);
        QCOMPARE(tier.tier, std::string("standard"));
        QVERIFY(tier.model.empty());
        sb::ChatRequest alias;
        conversation_text::applyTarget(alias, QStringLiteral("fast"), providers, tiers);
        QCOMPARE(alias.model, std::string("fast"));
        QVERIFY(alias.provider.empty());
        sb::ChatRequest none;
        conversation_text::applyTarget(none, QString(), providers, tiers);
        QVERIFY(none.model.empty() && none.provider.empty() && none.tier.empty());
    }

    // The required case: a cached question stops being served from the cache once a
    // never-cache rule for it is applied on the page; other questions are still cached.
    void neverRuleAppliedOnThePageStopsCaching() {
        makePage();
        QCOMPARE(ask(kRefund).cache, sb::CacheStatus::Miss);
        QCOMPARE(ask(kRefund).cache, sb::CacheStatus::Hit);

        CacheRulesEditor* editor = m_page->rulesEditor();
        QAbstractItemModelTester tester(editor->table()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(!m_page->applyButton()->isEnabled());
        QTest::mouseClick(editor->addButton(), Qt::LeftButton);
        QCOMPARE(editor->rowCount(), 1);
        fillRow(0, QStringLiteral("no-refunds"), sb::CacheAction::Never, sb::CacheMatch::Keywords, QStringLiteral("refund, chargeback"));
        QCOMPARE(m_page->draft()->draft().at(0).keywords, (std::vector<std::string>{"refund", "chargeback"}));
        QVERIFY(engine().cache()->rules().empty());  // nothing live before Apply
        QVERIFY(m_page->applyButton()->isEnabled());
        QTest::mouseClick(m_page->applyButton(), Qt::LeftButton);
        QVERIFY2(m_page->statusText().startsWith(QStringLiteral("Applied 1 rule")), qPrintable(m_page->statusText()));
        QVERIFY(!m_page->applyButton()->isEnabled());
        QVERIFY(!m_page->draft()->isDirty());

        const auto live = engine().cache()->rules();
        QCOMPARE(live.size(), std::size_t(1));
        QCOMPARE(live[0].name, std::string("no-refunds"));
        QCOMPARE(live[0].action, sb::CacheAction::Never);

        const auto before = upstreamCalls();
        const auto skipped = ask(kRefund);
        QCOMPARE(skipped.cache, sb::CacheStatus::Skip);
        QCOMPARE(skipped.cache_rule, std::string("no-refunds"));
        QCOMPARE(upstreamCalls(), before + 1);

        QCOMPARE(ask(kReset).cache, sb::CacheStatus::Miss);
        const auto beforeHit = upstreamCalls();
        QCOMPARE(ask(kReset).cache, sb::CacheStatus::Hit);
        QCOMPARE(upstreamCalls(), beforeHit);
    }

    void reorderChangesWhichRuleWins() {
        makePage();
        CacheRulesEditor* editor = m_page->rulesEditor();
        editor->addRule();
        fillRow(0, QStringLiteral("prices"), sb::CacheAction::Pin, sb::CacheMatch::Keywords, QStringLiteral("price"));
        editor->addRule();
        fillRow(1, QStringLiteral("no-refunds"), sb::CacheAction::Never, sb::CacheMatch::Regex, QStringLiteral("refund(s)?"));
        QVERIFY(m_page->apply());

        CacheKeyBox* box = m_page->keyBox();
        box->setConversation(QStringLiteral("What is the price of a refund?"));
        box->refresh();
        QCOMPARE(box->ruleText(), QStringLiteral("prices"));
        QCOMPARE(box->decisionText(), QStringLiteral("pinned until purged: keyword \"price\" (rule prices)"));

        editor->selectRow(1);
        QVERIFY(editor->upButton()->isEnabled());
        QTest::mouseClick(editor->upButton(), Qt::LeftButton);
        QCOMPARE(editor->currentRow(), 0);
        QCOMPARE(editor->nameEdit(0)->text(), QStringLiteral("no-refunds"));
        QCOMPARE(box->ruleText(), QStringLiteral("prices"));  // the box shows the live rules: not applied yet
        QTest::mouseClick(m_page->applyButton(), Qt::LeftButton);
        QCOMPARE(engine().cache()->rules().front().name, std::string("no-refunds"));
        QCOMPARE(box->ruleText(), QStringLiteral("no-refunds"));
        QCOMPARE(box->decisionText(), QStringLiteral("never cached: pattern refund(s)? (rule no-refunds)"));
        QVERIFY(!editor->upButton()->isEnabled());
    }

    void invalidRegexCannotBeApplied() {
        makePage({keywordRule("prices", sb::CacheAction::Pin, {"price"})});
        CacheRulesEditor* editor = m_page->rulesEditor();
        QCOMPARE(editor->rowCount(), 1);
        editor->addRule();
        fillRow(1, QStringLiteral("broken"), sb::CacheAction::Never, sb::CacheMatch::Regex, QStringLiteral("(unclosed"));
        QVERIFY(!m_page->applyButton()->isEnabled());
        QVERIFY(m_page->revertButton()->isEnabled());
        QVERIFY2(editor->hintText().startsWith(QStringLiteral("rules[1].pattern: is not a valid regular expression")),
                 qPrintable(editor->hintText()));
        QVERIFY(editor->rowMarkedInvalid(1));
        QVERIFY(!editor->rowMarkedInvalid(0));
        QVERIFY(editor->conditionEdit(1)->toolTip().contains(QStringLiteral("rules[1].pattern")));
        QVERIFY(!m_page->apply());
        QCOMPARE(engine().cache()->rules().size(), std::size_t(1));

        // A duplicate name is marked on the name.
        editor->nameEdit(1)->setText(QStringLiteral("prices"));
        QVERIFY(editor->hintText().contains(QStringLiteral("rules[1].name: must be unique")));
        QVERIFY(editor->nameEdit(1)->toolTip().contains(QStringLiteral("rules[1].name")));

        QTest::mouseClick(m_page->revertButton(), Qt::LeftButton);
        QCOMPARE(editor->rowCount(), 1);
        QCOMPARE(editor->nameEdit(0)->text(), QStringLiteral("prices"));
        QVERIFY(editor->hintText().isEmpty());
        QVERIFY(!editor->rowMarkedInvalid(0));
        QVERIFY(!m_page->applyButton()->isEnabled());
        QVERIFY(!m_page->revertButton()->isEnabled());
    }

    void cleanDraftFollowsRulesAppliedElsewhere() {
        makePage();
        QVERIFY(engine().cache()->set_rules({keywordRule("faq", sb::CacheAction::Ttl, {"opening hours"})}));
        m_page->refreshLive();
        QCOMPARE(m_page->rulesEditor()->rowCount(), 1);
        QCOMPARE(m_page->rulesEditor()->conditionEdit(0)->text(), QStringLiteral("opening hours"));
        QCOMPARE(m_page->rulesEditor()->ttlBox(0)->value(), 3600);
        QVERIFY(!m_page->draft()->isDirty());
    }

    void keyBoxShowsTheEngineKey() {
        sb::CacheRule pii;
        pii.name = "pii";
        pii.action = sb::CacheAction::Never;
        pii.match = sb::CacheMatch::PersonalData;
        makePage({pii});
        CacheKeyBox* box = m_page->keyBox();
        QSignalSpy previewed(box, &CacheKeyBox::previewed);
        box->setConversation(QStringLiteral("system: You are a support agent.\nuser: My router blinks.\n"
                                            "assistant: Hold the reset button.\nuser: And then\nwhat next?"),
                             QStringLiteral("openai/gpt-4o-mini"));
        QTRY_VERIFY(previewed.count() > 0);  // debounced
        QTRY_VERIFY(box->keyText().startsWith(QStringLiteral("sb1:")));

        sb::ChatRequest request;
        request.provider = "openai";
        request.model = "gpt-4o-mini";
        request.messages = {{sb::Role::System, "You are a support agent."},
                            {sb::Role::User, "My router blinks."},
                            {sb::Role::Assistant, "Hold the reset button."},
                            {sb::Role::User, "And then\nwhat next?"}};
        const auto preview = engine().preview_cache(request);
        QVERIFY(preview);
        QCOMPARE(preview->target, std::string("openai/gpt-4o-mini"));
        const int turns = engine().cache()->turns();
        QCOMPARE(box->keyText(), QString::fromStdString(sb::cache_key(request, preview->target, turns)));
        QCOMPARE(box->targetText(), QStringLiteral("openai/gpt-4o-mini"));
        QCOMPARE(box->materialText(), QString::fromStdString(sb::cache_key_material(request, preview->target, turns)));
        QCOMPARE(box->ruleText(), QStringLiteral("none (default)"));
        QCOMPARE(box->decisionText(), QStringLiteral("cached for 3600 s: no rule matched (the default TTL)"));

        box->setConversation(QStringLiteral("user: my address is jane.doe@example.com, can you resend the invoice?"));
        box->refresh();
        QCOMPARE(box->ruleText(), QStringLiteral("pii"));
        QCOMPARE(box->decisionText(), QStringLiteral("never cached: personal data (email) (rule pii)"));
        const auto stats = engine().cache()->stats();
        QCOMPARE(stats.lookups, std::uint64_t(0));  // previews move no counter
        QCOMPARE(stats.skipped, std::uint64_t(0));
    }

    void semanticHitsAndTheNearestQuestionShow() {
        sb::CacheRule faq;
        faq.name = "faq";
        faq.match = sb::CacheMatch::Regex;
        faq.pattern = ".";
        faq.semantic = true;
        makePage({faq}, true, true);
        QCOMPARE(m_page->rulesEditor()->semanticBox(0)->isChecked(), true);
        QCOMPARE(ask("How do I reset my router?").cache, sb::CacheStatus::Miss);
        QCOMPARE(ask("reset my router: how do I?").cache, sb::CacheStatus::SemanticHit);
        QCOMPARE(ask("How do I reset my router?").cache, sb::CacheStatus::Hit);
        m_page->refreshLive();
        CacheStatsPanel* panel = m_page->statsPanel();
        QTRY_COMPARE(panel->text(CacheStatsPanel::SemanticHits), QStringLiteral("1 (threshold 0.97, text-embedding-3-small)"));
        QCOMPARE(panel->text(CacheStatsPanel::Hits), QStringLiteral("1"));  // the exact hit, apart
        QCOMPARE(panel->text(CacheStatsPanel::SemanticLookups), QStringLiteral("2"));
        QCOMPARE(panel->text(CacheStatsPanel::SemanticEntries), QStringLiteral("1"));
        QCOMPARE(panel->text(CacheStatsPanel::HitRatio), metric_format::percent(2.0 / 3.0, QLocale()));

        CacheKeyBox* box = m_page->keyBox();
        QSignalSpy previewed(box, &CacheKeyBox::previewed);
        box->setConversation(QStringLiteral("system: You are a support agent.\nuser: My router: how do I reset it?"),
                             QStringLiteral("openai/gpt-4o-mini"));
        QTRY_VERIFY(box->semanticText().startsWith(QStringLiteral("nearest stored question")));
        QVERIFY2(box->semanticText().contains(QStringLiteral("\"How do I reset my router?\"")), qPrintable(box->semanticText()));
        QVERIFY2(box->semanticText().endsWith(QStringLiteral("below the threshold")), qPrintable(box->semanticText()));
        previewed.clear();
        box->setConversation(QStringLiteral("system: You are a support agent.\nuser: HOW do I reset my router"),
                             QStringLiteral("openai/gpt-4o-mini"));
        QTRY_VERIFY(box->semanticText().endsWith(QStringLiteral("would be served")));
        QVERIFY(box->semanticText().contains(QStringLiteral("similarity 1.000 (threshold 0.97)")));
        QCOMPARE(engine().cache()->stats().semantic->lookups, std::uint64_t(2));  // previews count nothing
    }

    void statsPanelMatchesTheEngine() {
        makePage();
        for (int i = 0; i < 2; ++i) ask(kRefund);  // 1 miss, 1 hit
        for (int i = 0; i < 3; ++i) ask(kReset);   // 1 miss, 2 hits
        m_page->refreshLive();
        CacheStatsPanel* panel = m_page->statsPanel();
        QAbstractItemModelTester tester(panel->topQuestions()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        const auto stats = engine().cache()->stats();
        QCOMPARE(stats.hits, std::uint64_t(3));
        QCOMPARE(panel->text(CacheStatsPanel::Hits), QStringLiteral("3"));
        QCOMPARE(panel->text(CacheStatsPanel::Misses), QStringLiteral("2"));
        QCOMPARE(panel->text(CacheStatsPanel::Entries), QStringLiteral("2"));
        QCOMPARE(panel->text(CacheStatsPanel::HitRatio), QStringLiteral("60.0 %"));
        QCOMPARE(panel->text(CacheStatsPanel::Backend), QStringLiteral("memory — available"));
        QCOMPARE(panel->text(CacheStatsPanel::Bytes), metric_format::bytes(double(stats.store.bytes), QLocale::c()));
        QCOMPARE(panel->text(CacheStatsPanel::MaxBytes), QStringLiteral("256.0 MB"));
        QVERIFY(stats.saved_usd > 0);
        QCOMPARE(panel->text(CacheStatsPanel::Saved), metric_format::usd(stats.saved_usd, QLocale::c()));
        QVERIFY(panel->text(CacheStatsPanel::Saved).startsWith(QLatin1Char('$')));
        QTableWidget* top = panel->topQuestions();
        QCOMPARE(top->rowCount(), 2);
        QCOMPARE(top->item(0, 0)->text(), QString::fromLatin1(kReset));
        QCOMPARE(top->item(0, 1)->text(), QStringLiteral("2"));
        QCOMPARE(top->item(1, 1)->text(), QStringLiteral("1"));

        // The page refreshes itself once a second while visible.
        ask(kRefund);
        QTRY_COMPARE_WITH_TIMEOUT(panel->text(CacheStatsPanel::Hits), QStringLiteral("4"), 3000);
        QCOMPARE(top->item(0, 1)->text(), QStringLiteral("2"));
        QCOMPARE(top->item(1, 1)->text(), QStringLiteral("2"));
    }

    void formatsBytes() {
        const QLocale c = QLocale::c();
        QCOMPARE(metric_format::bytes(512, c), QStringLiteral("512 B"));
        QCOMPARE(metric_format::bytes(1536, c), QStringLiteral("1.5 KB"));
        QCOMPARE(metric_format::bytes(3.5 * 1024 * 1024, c), QStringLiteral("3.5 MB"));
    }

    void purgeAllAndByRule() {
        makePage({keywordRule("prices", sb::CacheAction::Pin, {"price"})});
        QStringList asked;
        bool answer = false;
        m_page->setConfirm([&](const QString& question) {
            asked << question;
            return answer;
        });
        ask("What is the price of the lamp?");
        ask(kReset);
        QCOMPARE(engine().cache()->stats().store.entries, std::size_t(2));

        CacheRulesEditor* editor = m_page->rulesEditor();
        editor->selectRow(-1);
        m_page->rulesEditor()->table()->setCurrentCell(-1, -1);
        QVERIFY(!m_page->purgeRuleButton()->isEnabled());
        editor->selectRow(0);
        QVERIFY(m_page->purgeRuleButton()->isEnabled());
        QVERIFY(!m_page->purgeSelectedRule());  // declined
        QCOMPARE(engine().cache()->stats().store.entries, std::size_t(2));
        answer = true;
        QTest::mouseClick(m_page->purgeRuleButton(), Qt::LeftButton);
        QCOMPARE(asked.last(), QStringLiteral("Remove the answers rule prices stored?"));
        // The purge runs off the GUI thread; its count shows when it is done.
        QTRY_COMPARE(m_page->statusText(), QStringLiteral("Purged 1 entry stored by rule prices"));
        QCOMPARE(engine().cache()->stats().store.entries, std::size_t(1));
        QCOMPARE(m_page->statsPanel()->text(CacheStatsPanel::Entries), QStringLiteral("1"));
        QCOMPARE(ask(kReset).cache, sb::CacheStatus::Hit);  // the other rule's entry stays

        QTest::mouseClick(m_page->purgeAllButton(), Qt::LeftButton);
        QVERIFY2(asked.last().startsWith(QStringLiteral("Remove all 1 entry from the cache?")), qPrintable(asked.last()));
        QTRY_COMPARE(m_page->statusText(), QStringLiteral("Purged 1 entry from the whole cache"));
        QCOMPARE(engine().cache()->stats().store.entries, std::size_t(0));
        QCOMPARE(m_page->statsPanel()->text(CacheStatsPanel::Entries), QStringLiteral("0"));
        QCOMPARE(ask(kReset).cache, sb::CacheStatus::Miss);
    }

    void appliedRulesAreSavedToTheConfigFile() {
        makePage();
        const QString path = m_dir.filePath(QStringLiteral("config.json"));
        const nlohmann::json original = {
            {"version", 1},
            {"providers", {{{"name", "openai"}, {"kind", "openai"}, {"api_key", "${OPENAI_API_KEY}"}}}},
            {"routing", {{"default_tier", "standard"}}},
            {"cache", {{"enabled", true}, {"max_mb", 64}, {"rules", nlohmann::json::array()}}}};
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(QByteArray::fromStdString(original.dump(2)));
        }
        m_page->setConfigFile(path);
        CacheRulesEditor* editor = m_page->rulesEditor();
        editor->addRule();
        fillRow(0, QStringLiteral("short-lived"), sb::CacheAction::Ttl, sb::CacheMatch::Keywords, QStringLiteral("weather"));
        editor->ttlBox(0)->setValue(120);
        editor->addRule();
        fillRow(1, QStringLiteral("pii"), sb::CacheAction::Never, sb::CacheMatch::PersonalData, QString());
        editor->enabledBox(1)->setChecked(false);
        QVERIFY(m_page->apply());
        // Written off the GUI thread: the status says so when it is done.
        QTRY_VERIFY2(m_page->statusText().contains(QStringLiteral("saved to")), qPrintable(m_page->statusText()));

        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        auto json = nlohmann::json::parse(file.readAll().toStdString());
        std::vector<sb::ConfigError> errors;
        const auto saved = sb::parse_cache_rules(json["cache"]["rules"], "cache.rules", errors);
        QVERIFY(errors.empty());
        QVERIFY(saved == engine().cache()->rules());
        QVERIFY(saved.at(0).ttl == std::chrono::seconds(120));
        QVERIFY(!saved.at(1).enabled);
        json["cache"]["rules"] = original["cache"]["rules"];
        QCOMPARE(json.dump(), original.dump());  // every other key unchanged
    }

    void cachingOffSaysSo() {
        makePage({}, false);
        QVERIFY(!engine().cache());
        QVERIFY(!m_page->cachingOn());
        QVERIFY2(m_page->offText().startsWith(QStringLiteral("Caching is off: set cache.enabled in the config file")),
                 qPrintable(m_page->offText()));
        QVERIFY(!m_page->rulesEditor());
        QVERIFY(!m_page->applyButton());
        m_page->refreshLive();
        QVERIFY(!m_page->apply());
        QVERIFY(!m_page->purgeAll());
        QVERIFY(!m_page->purgeSelectedRule());
    }
};

QTEST_MAIN(TestCachePage)
#include "tst_cache_page.moc"
