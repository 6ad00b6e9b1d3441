// The Providers page over a real engine and the loopback simulator: every provider is listed
// with its URL, API version, masked key, state, timeouts and live concurrency; "Test
// connection" makes one real call and shows OK, the HTTP status and the latency phases; a
// configured API version other than the one the provider reports raises a warning naming
// both; a wrong key and an unreachable server show classified errors; "Reveal key…" shows
// the key only when confirmed, and masks it again after its time.
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QtTest>

#include "../support/engine_fixture.h"
#include "engine_bridge.h"
#include "providers/providers_page.h"

using namespace std::chrono_literals;

class TestProvidersPage : public QObject {
    Q_OBJECT

    std::unique_ptr<sb::Simulator> m_simulator;
    std::uint16_t m_port = 0;
    std::unique_ptr<EngineBridge> m_bridge;
    std::unique_ptr<ProvidersPage> m_page;

    void makePage(sb::Config config) {
        m_page.reset();
        m_bridge.reset();
        sb::EngineOptions options;
        options.config = std::move(config);
        options.history = false;
        auto bridge = EngineBridge::create(std::move(options));
        if (!bridge) qFatal("engine: %s", qPrintable(bridge.error()));
        m_bridge = std::move(*bridge);
        m_page = std::make_unique<ProvidersPage>(*m_bridge);
        m_page->resize(1300, 700);
        m_page->show();
        if (!QTest::qWaitForWindowExposed(m_page.get())) qFatal("the page was not shown");
    }

    // Tests the selected provider and waits for its result.
    sb::ConnectionTest test(int row) {
        m_page->selectProvider(row);
        std::optional<sb::ConnectionTest> result;
        const auto connection = connect(m_page.get(), &ProvidersPage::testFinished, this,
                                        [&result](const sb::ConnectionTest& r) { result = r; });
        QTest::mouseClick(m_page->testButton(), Qt::LeftButton);
        for (int waited = 0; !result && waited < 20000; waited += 20) QTest::qWait(20);
        disconnect(connection);
        if (!result) qFatal("no connection test result");
        return *result;
    }

    QString cell(int row, int column) const { return m_page->table()->item(row, column)->text(); }

private slots:
    void initTestCase() {
        m_simulator = sb::test::start_simulator({}, &m_port);
        QVERIFY(m_simulator);
    }

    void cleanup() {
        m_page.reset();
        m_bridge.reset();
    }

    void listsEveryProviderWithItsSettings() {
        auto config = sb::test::simulator_config(m_port);
        config.providers[0].api_key_ref = "${OPENAI_API_KEY}";
        config.providers[0].api_key = "sk-proj-" + std::string(36, 'A') + "Zz90";
        makePage(config);
        QCOMPARE(m_page->table()->rowCount(), 3);
        QCOMPARE(cell(0, ProvidersPage::NameColumn), QStringLiteral("openai"));
        QCOMPARE(cell(0, ProvidersPage::UrlColumn), QStringLiteral("http://127.0.0.1:%1/v1").arg(m_port));
        QCOMPARE(cell(1, ProvidersPage::VersionColumn), QStringLiteral("anthropic-version: 2023-06-01"));
        QCOMPARE(cell(0, ProvidersPage::KeyColumn), QString::fromUtf8("sk-p\u2026Zz90, 48 characters (from ${OPENAI_API_KEY})"));
        QCOMPARE(cell(0, ProvidersPage::TimeoutsColumn), QStringLiteral("2 s / 10 s / 3 s"));
        QTRY_VERIFY(cell(0, ProvidersPage::ConcurrencyColumn).startsWith("1 / 32 / 256 · limit 32, 0 in flight"));
        QCOMPARE(cell(2, ProvidersPage::StateColumn), QStringLiteral("enabled"));
    }

    void testConnectionShowsOutcomePhasesAndVersion() {
        makePage(sb::test::simulator_config(m_port));
        const auto before = m_simulator->stats().requests_to(sb::SimEndpoint::chat_completions);
        const auto ok = test(0);
        QVERIFY(ok.ok());
        QCOMPARE(m_simulator->stats().requests_to(sb::SimEndpoint::chat_completions), before + 1);  // one real call
        QCOMPARE(ok.http_status, 200);
        QVERIFY(ok.timings.total_ms > 0);
        QVERIFY2(m_page->resultText().startsWith("openai answered: OK, HTTP 200, model gpt-4o-mini."), qPrintable(m_page->resultText()));
        QVERIFY(m_page->resultText().contains("first byte"));
        QVERIFY(m_page->resultText().contains("API version reported: 2020-10-01 (configured: none)"));
        QVERIFY(m_page->versionWarning().isEmpty());

        const auto anthropic = test(1);
        QVERIFY2(anthropic.ok(), anthropic.error ? anthropic.error->message.c_str() : "");
        QVERIFY(m_page->resultText().startsWith("anthropic answered: OK, HTTP 200"));
    }

    void aDifferentApiVersionIsWarnedAbout() {
        auto config = sb::test::simulator_config(m_port);
        config.providers[0].openai_version = "2024-05-01";
        makePage(config);
        const auto result = test(0);
        QVERIFY(result.ok());
        QVERIFY(result.version_differs());
        QVERIFY2(m_page->versionWarning().contains("openai reports API version 2020-10-01, but 2024-05-01 is configured"),
                 qPrintable(m_page->versionWarning()));

        config.providers[0].openai_version = "2020-10-01";
        makePage(config);
        QVERIFY(!test(0).version_differs());
        QVERIFY(m_page->versionWarning().isEmpty());
    }

    void failuresAreClassified() {
        auto config = sb::test::simulator_config(m_port);
        config.providers[0].api_key = "sk-wrong-key-for-this-test";
        config.providers[2].base_url = "http://127.0.0.1:9/v1";  // discard port: refused
        makePage(config);
        const auto denied = test(0);
        QCOMPARE(denied.error->cls, sb::ErrorClass::Auth);
        QCOMPARE(denied.http_status, 401);
        QVERIFY2(m_page->resultText().startsWith("openai failed: auth"), qPrintable(m_page->resultText()));
        QVERIFY(m_page->resultText().contains("(HTTP 401)"));
        QVERIFY(!m_page->resultText().contains("sk-wrong-key-for-this-test"));  // echoed keys are masked

        const auto refused = test(2);
        QCOMPARE(refused.error->cls, sb::ErrorClass::Network);
        QVERIFY(m_page->resultText().startsWith("local failed: network"));
    }

    void aKeyIsRevealedOnlyWhenConfirmedAndOnlyForAWhile() {
        auto config = sb::test::simulator_config(m_port);
        config.providers[0].api_key_ref = "secret:openai";
        config.providers[0].api_key = "sk-proj-" + std::string(36, 'B') + "Yy12";
        makePage(config);
        m_page->setRevealSeconds(1);
        m_page->selectProvider(0);
        const QString masked = m_page->keyText();
        QVERIFY(masked.contains(QString::fromUtf8("sk-p\u2026Yy12")));
        QVERIFY(!masked.contains(QString::fromStdString(config.providers[0].api_key)));

        QString asked;
        m_page->setConfirm([&asked](const QString& question) {
            asked = question;
            return false;
        });
        QVERIFY(!m_page->revealKey());
        QVERIFY(asked.contains("Show the API key of openai on screen for 1 seconds?"));
        QCOMPARE(m_page->keyText(), masked);

        m_page->setConfirm([](const QString&) { return true; });
        QTest::mouseClick(m_page->revealButton(), Qt::LeftButton);
        QVERIFY(m_page->keyText().contains(QString::fromStdString(config.providers[0].api_key)));
        QTRY_COMPARE_WITH_TIMEOUT(m_page->keyText(), masked, 5000);
        QVERIFY(!cell(0, ProvidersPage::KeyColumn).contains(QString::fromStdString(config.providers[0].api_key)));
    }
};

QTEST_MAIN(TestProvidersPage)
#include "tst_providers_page.moc"
