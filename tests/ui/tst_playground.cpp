// The Playground page over a loopback simulator: a streamed multi-turn answer with its
// details, a retried fault listed in the attempts, compare mode, and a conversation that
// survives destroying the page (same database, same settings).
#include <QPlainTextEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "../support/engine_fixture.h"
#include "local_engine_host.h"
#include "playground/playground_page.h"

using namespace sb;

class TestPlayground : public QObject {
    Q_OBJECT

    std::unique_ptr<Simulator> m_simulator;
    std::uint16_t m_port = 0;
    QTemporaryDir m_dir;
    std::unique_ptr<LocalEngineHost> m_bridge;

    std::unique_ptr<PlaygroundPage> makePage() {
        auto page = std::make_unique<PlaygroundPage>(*m_bridge);
        page->resize(1200, 700);
        page->show();
        return page;
    }

    // Waits for the first save of a new conversation to hand back its id.
    static bool waitSaved(PlaygroundPage& page) {
        QSignalSpy saved(&page, &PlaygroundPage::conversationSaved);
        return saved.wait(10000) && page.currentConversationId() > 0;
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SwitchboardTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_playground"));
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_dir.filePath(QStringLiteral("settings")));
        QSettings().clear();

        SimulatorProfile profile;
        profile.chunk_interval_ms = 15;  // slow enough to see the answer grow
        profile.reply_words = 30;
        m_simulator = test::start_simulator(profile, &m_port);
        QVERIFY(m_simulator);

        EngineOptions options;
        options.config = test::simulator_config(m_port);
        options.config.cache.enabled = true;
        options.database = m_dir.filePath(QStringLiteral("history.db")).toStdString();
        options.retry_uniform = [] { return 0.0; };
        auto bridge = LocalEngineHost::create(std::move(options));
        QVERIFY2(bridge.has_value(), bridge ? "" : qPrintable(bridge.error()));
        m_bridge = std::move(*bridge);
    }

    void cleanupTestCase() {
        m_bridge.reset();
        m_simulator.reset();
    }

    void streamsAMultiTurnAnswerWithDetails() {
        auto page = makePage();
        page->newConversation();
        page->setSystemPrompt(QStringLiteral("You are terse."));
        page->addTurn(Role::User, QStringLiteral("What is the price of the desk lamp?"));
        page->addTurn(Role::Assistant, QStringLiteral("It costs 25 dollars."));
        page->setMessage(QStringLiteral("And the floor lamp?"));
        page->setTarget(QStringLiteral("openai"), QStringLiteral("gpt-4o-mini"));
        page->setStreaming(true);

        QSignalSpy updates(page.get(), &PlaygroundPage::answerUpdated);
        QSignalSpy answered(page.get(), &PlaygroundPage::answered);
        page->send();
        QVERIFY(page->busy());
        QTRY_VERIFY_WITH_TIMEOUT(!page->answerText().isEmpty(), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(answered.size(), 1, 10000);
        QVERIFY(!page->busy());
        QVERIFY2(updates.size() >= 3, qPrintable(QString::number(updates.size())));  // it grew in pieces
        QVERIFY2(page->answerText().startsWith(QStringLiteral("Simulated answer to: And the floor lamp?")),
                 qPrintable(page->answerText()));

        const QString details = page->details();
        for (const char* expected : {"Provider: openai", "Model: gpt-4o-mini", "Attempts: 1", "Tokens: ",
                                     "first byte", "Cost: $0.0000", "Cache: miss",
                                     "Predicted: ", "tokens in (exact)"})
            QVERIFY2(details.contains(QLatin1String(expected)), qPrintable(details));
        QVERIFY2(!details.contains(QStringLiteral("Tokens: 0 in")), qPrintable(details));

        // The answer continues the conversation.
        const auto turns = page->turns();
        QCOMPARE(turns.size(), std::size_t(4));
        QCOMPARE(turns[2].text, std::string("And the floor lamp?"));
        QCOMPARE(turns[3].role, Role::Assistant);
        QCOMPARE(QString::fromStdString(turns[3].text), page->answerText());
    }

    void cacheSwitchDecidesWhetherARepeatIsAnsweredFromTheCache() {
        auto page = makePage();
        page->setTarget(QStringLiteral("openai"), QStringLiteral("gpt-4o-mini"));
        page->setStreaming(false);
        const auto calls = [this] { return m_simulator->stats().requests_to(SimEndpoint::chat_completions); };
        const auto ask = [&](CachePolicy policy) {
            page->newConversation();
            page->setCachePolicy(policy);
            QCOMPARE(page->cachePolicy(), policy);
            page->setMessage(QStringLiteral("Which cable do I need for the docking station?"));
            QSignalSpy answered(page.get(), &PlaygroundPage::answered);
            page->send();
            QTRY_COMPARE_WITH_TIMEOUT(answered.size(), 1, 10000);
        };
        const auto before = calls();
        ask(CachePolicy::Default);
        QVERIFY2(page->details().contains(QStringLiteral("Cache: miss")), qPrintable(page->details()));
        ask(CachePolicy::Default);
        QVERIFY2(page->details().contains(QStringLiteral("Cache: hit")), qPrintable(page->details()));
        QVERIFY2(page->details().contains(QStringLiteral("saved $")), qPrintable(page->details()));
        QCOMPARE(calls() - before, std::uint64_t(1));
        ask(CachePolicy::NoCache);  // refresh: upstream again
        QVERIFY2(page->details().contains(QStringLiteral("Cache: miss")), qPrintable(page->details()));
        ask(CachePolicy::NoStore);  // off
        QVERIFY2(page->details().contains(QStringLiteral("Cache: skip")), qPrintable(page->details()));
        QCOMPARE(calls() - before, std::uint64_t(3));
        page->setCachePolicy(CachePolicy::Default);
    }

    void aRetriedFaultIsListedInTheAttempts() {
        auto page = makePage();
        page->newConversation();
        page->setTarget(QStringLiteral("openai"), QStringLiteral("gpt-4o-mini"));
        page->setExtraHeaders({{"x-sim-fault", "unavailable"}, {"x-sim-fault-times", "1"}});
        page->setMessage(QStringLiteral("Try again please"));
        QSignalSpy answered(page.get(), &PlaygroundPage::answered);
        page->send();
        QTRY_COMPARE_WITH_TIMEOUT(answered.size(), 1, 10000);
        QVERIFY(page->answerText().startsWith(QStringLiteral("Simulated answer to: Try again please")));
        const QString details = page->details();
        QVERIFY2(details.contains(QStringLiteral("Attempts: 2")), qPrintable(details));
        // The 503 is listed with its error class on the first attempt.
        QVERIFY2(details.contains(QStringLiteral("1. openai / gpt-4o-mini: overloaded, HTTP 503")), qPrintable(details));
        QVERIFY2(details.contains(QStringLiteral("2. openai / gpt-4o-mini: ok")), qPrintable(details));
        QVERIFY2(details.contains(QStringLiteral("backoff")), qPrintable(details));
    }

    void ctrlReturnSendsAndStopCancels() {
        auto page = makePage();
        page->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(page.get()));
        page->newConversation();
        page->setTarget(QStringLiteral("openai"), QStringLiteral("gpt-4o-mini"));
        auto* message = page->findChild<QPlainTextEdit*>(QStringLiteral("message"));
        QVERIFY(message);
        message->setFocus();
        message->setPlainText(QStringLiteral("A long answer please"));
        QSignalSpy answered(page.get(), &PlaygroundPage::answered);
        QTest::keyClick(message, Qt::Key_Return, Qt::ControlModifier);
        QVERIFY(page->busy());
        QVERIFY(message->toPlainText().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(!page->answerText().isEmpty(), 10000);
        page->stop();
        QTRY_COMPARE_WITH_TIMEOUT(answered.size(), 1, 10000);
        QVERIFY(!page->busy());
        QVERIFY2(page->details().contains(QStringLiteral("Error: cancelled")), qPrintable(page->details()));
        QCOMPARE(page->turns().size(), std::size_t(1));  // a stopped answer does not continue it
    }

    void compareModeAnswersOnEachTarget() {
        auto page = makePage();
        page->newConversation();
        page->setCompareTargets({{QStringLiteral("openai"), QStringLiteral("gpt-4o-mini")},
                                 {QStringLiteral("anthropic"), QStringLiteral("claude-haiku-4-5")}});
        QCOMPARE(page->paneCount(), 2);
        page->setMessage(QStringLiteral("Compare this"));
        QSignalSpy answered(page.get(), &PlaygroundPage::answered);
        page->send();
        QTRY_COMPARE_WITH_TIMEOUT(answered.size(), 1, 10000);
        for (int pane = 0; pane < 2; ++pane)
            QVERIFY2(page->answerText(pane).startsWith(QStringLiteral("Simulated answer to: Compare this")),
                     qPrintable(page->answerText(pane)));
        QVERIFY(page->details(0).contains(QStringLiteral("Provider: openai")));
        QVERIFY(page->details(1).contains(QStringLiteral("Provider: anthropic")));
        QVERIFY(page->answerText(2).isEmpty());
        QCOMPARE(page->turns().size(), std::size_t(2));  // only the first pane continues it

        page->setCompareTargets({});
        QCOMPARE(page->paneCount(), 1);
    }

    void conversationComesBackAfterRestart() {
        std::vector<ConversationTurn> turns;
        std::int64_t id = 0;
        {
            auto page = makePage();
            page->newConversation();
            page->setSystemPrompt(QStringLiteral("Answer in French."));
            page->setTarget(QStringLiteral("anthropic"), QStringLiteral("claude-haiku-4-5"));
            page->addTurn(Role::User, QStringLiteral("Hello"));
            page->addTurn(Role::Assistant, QStringLiteral("Bonjour"));
            page->setMessage(QStringLiteral("How are you?"));
            QSignalSpy saved(page.get(), &PlaygroundPage::conversationSaved);
            page->send();
            QTRY_VERIFY_WITH_TIMEOUT(saved.size() >= 1, 10000);
            id = page->currentConversationId();
            QVERIFY(id > 0);
            turns = page->turns();
            QCOMPARE(turns.size(), std::size_t(4));
        }
        QCOMPARE(QSettings().value(QLatin1String(PlaygroundPage::kCurrentKey)).toLongLong(), qint64(id));

        auto page = makePage();
        QTRY_COMPARE_WITH_TIMEOUT(page->currentConversationId(), id, 10000);
        QCOMPARE(page->systemPrompt(), QStringLiteral("Answer in French."));
        QVERIFY(page->turns() == turns);

        // Delete forgets it: a new page starts empty.
        QSignalSpy saved(page.get(), &PlaygroundPage::conversationSaved);
        page->deleteConversation();
        QTRY_COMPARE_WITH_TIMEOUT(page->currentConversationId(), std::int64_t(0), 10000);
        QVERIFY(page->turns().empty());
        QVERIFY(!QSettings().contains(QLatin1String(PlaygroundPage::kCurrentKey)));
    }
};

QTEST_MAIN(TestPlayground)
#include "tst_playground.moc"
