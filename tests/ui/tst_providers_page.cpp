// The Providers page over a real engine: the in-process loopback simulator serves the
// configured providers, and a separately running `switchboard-gateway simulate` process,
// which accepts only a key generated at run time, stands for a new provider's upstream. The
// config file, the secret store and the database are this test's own (XDG dirs in a
// temporary folder). Covered: every provider listed with where its key comes from; "Test
// connection" on the draft (OK, phases, versions, classified failures); a provider added on
// the page — its key typed once — tested before Apply, applied live, answering a Playground
// request, its key in the encrypted store and in no file in plain text, and the config file
// read back by the loader; a key never shown back; invalid fields marked with their config
// path and Apply disabled; removing a provider routing uses refused with the path; a request
// under way finishing on the old settings; an edit saved to the config file.
#include <QAbstractButton>
#include <QComboBox>
#include <QDirIterator>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "../support/engine_fixture.h"
#include "../support/page_fixture.h"
#include "config/config_file_writer.h"
#include "config/paths.h"
#include "local_engine_host.h"
#include "playground/playground_page.h"
#include "providers/provider_form.h"
#include "providers/providers_draft.h"
#include "providers/providers_page.h"
#include "security/secret_environment.h"
#include "security/secret_store.h"

using namespace std::chrono_literals;

namespace {

// A key made now, so that no file holds it: "sk-proj-" and 40 random letters and digits.
QString generatedKey() {
    static const QString alphabet = QStringLiteral("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
    QString key = QStringLiteral("sk-proj-");
    for (int i = 0; i < 40; ++i) key += alphabet.at(int(QRandomGenerator::system()->bounded(alphabet.size())));
    return key;
}

// The simulator config with its key and URL written as a config file would hold them.
sb::Config pageConfig(std::uint16_t port) {
    auto config = sb::test::simulator_config(port);
    for (auto& provider : config.providers) {
        provider.api_key_ref = "${SB_PAGE_TEST_KEY}";
        provider.base_url_ref = provider.base_url;
    }
    return config;
}

void setText(QWidget* field, const QString& text) {
    auto* edit = qobject_cast<QLineEdit*>(field);
    QVERIFY(edit);
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Delete);
    QTest::keyClicks(edit, text);
}

// Everything a widget tree shows or tells: texts, tooltips, table cells, list items.
QStringList shownTexts(QWidget* root) {
    QStringList texts;
    auto widgets = root->findChildren<QWidget*>();
    widgets << root;
    for (QWidget* w : widgets) {
        texts << w->toolTip() << w->statusTip() << w->whatsThis() << w->accessibleName() << w->accessibleDescription()
              << w->windowTitle();
        if (auto* label = qobject_cast<QLabel*>(w)) texts << label->text();
        if (auto* button = qobject_cast<QAbstractButton*>(w)) texts << button->text();
        if (auto* edit = qobject_cast<QLineEdit*>(w)) texts << edit->displayText() << edit->placeholderText();
        if (auto* combo = qobject_cast<QComboBox*>(w))
            for (int i = 0; i < combo->count(); ++i) texts << combo->itemText(i);
        if (auto* table = qobject_cast<QTableWidget*>(w))
            for (int row = 0; row < table->rowCount(); ++row)
                for (int column = 0; column < table->columnCount(); ++column)
                    if (auto* item = table->item(row, column)) texts << item->text() << item->toolTip();
    }
    return texts;
}

QByteArray contents(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

}  // namespace

class TestProvidersPage : public QObject {
    Q_OBJECT

    QTemporaryDir m_home;  // XDG config and data: the config file, secret store and database
    std::unique_ptr<sb::Simulator> m_simulator;
    std::uint16_t m_port = 0;
    QProcess m_upstream;  // `switchboard-gateway simulate`, accepting only m_key
    QString m_upstreamUrl;
    QString m_key;
    std::unique_ptr<LocalEngineHost> m_bridge;
    std::unique_ptr<ProvidersPage> m_page;

    void makePage(sb::Config config, bool history = false) {
        m_page.reset();
        m_bridge.reset();
        sb::EngineOptions options;
        options.config = std::move(config);
        options.history = history;
        options.database = m_home.filePath(QStringLiteral("data/switchboard/switchboard.db")).toStdString();
        m_bridge = sb::test::make_bridge(std::move(options));
        m_page = sb::test::show_page<ProvidersPage>(*m_bridge, {1300, 900});
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
        if (!result) qFatal("no connection test result: %s", qPrintable(m_page->resultText()));
        return *result;
    }

    // Applies the draft and waits for the keys and the file to be written.
    void applyAndWait() {
        QVERIFY2(m_page->applyButton()->isEnabled(), qPrintable(m_page->statusText() + "\n" + m_page->problemsText()));
        QSignalSpy saved(m_page.get(), &ProvidersPage::saveFinished);
        QTest::mouseClick(m_page->applyButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(saved.size(), 1, 15000);
        QVERIFY2(saved[0][0].toBool(), qPrintable(saved[0][1].toString()));
    }

    QString cell(int row, int column) const { return m_page->table()->item(row, column)->text(); }

private slots:
    void initTestCase() {
        QVERIFY(m_home.isValid());
        qputenv("XDG_CONFIG_HOME", m_home.filePath(QStringLiteral("config")).toLocal8Bit());
        qputenv("XDG_DATA_HOME", m_home.filePath(QStringLiteral("data")).toLocal8Bit());
        qputenv("SB_PAGE_TEST_KEY", sb::test::kTestKey);
        for (const char* name : {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "SWITCHBOARD_LOCAL_URL"}) qunsetenv(name);
        m_simulator = sb::test::start_simulator({}, &m_port);
        QVERIFY(m_simulator);

        m_key = generatedKey();
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("UPSTREAM_KEY"), m_key);
        m_upstream.setProcessEnvironment(env);
        m_upstream.start(SB_GATEWAY_BIN, {"simulate", "--port", "0", "--profile", SB_RESOURCES_DIR "/simulator/zero.json",
                                          "--api-key-env", "UPSTREAM_KEY"});
        QVERIFY(m_upstream.waitForStarted(10000));
        QTRY_VERIFY_WITH_TIMEOUT(m_upstream.canReadLine(), 10000);
        const auto match = QRegularExpression(QStringLiteral("http://127\\.0\\.0\\.1:\\d+/v1")).match(QString::fromUtf8(m_upstream.readLine()));
        QVERIFY(match.hasMatch());
        m_upstreamUrl = match.captured(0);
    }

    void cleanupTestCase() {
        m_upstream.kill();
        m_upstream.waitForFinished();
    }

    void cleanup() {
        m_page.reset();
        m_bridge.reset();
    }

    void listsEveryProviderWithItsSettings() {
        makePage(pageConfig(m_port));
        QCOMPARE(m_page->table()->rowCount(), 3);
        QCOMPARE(cell(0, ProvidersPage::NameColumn), QStringLiteral("openai"));
        QCOMPARE(cell(0, ProvidersPage::UrlColumn), QStringLiteral("http://127.0.0.1:%1/v1").arg(m_port));
        QCOMPARE(cell(1, ProvidersPage::VersionColumn), QStringLiteral("anthropic-version: 2023-06-01"));
        QCOMPARE(cell(0, ProvidersPage::KeyColumn), QStringLiteral("env $SB_PAGE_TEST_KEY"));
        QCOMPARE(cell(0, ProvidersPage::TimeoutsColumn), QStringLiteral("2 s / 10 s / 3 s"));
        QTRY_VERIFY(cell(0, ProvidersPage::ConcurrencyColumn).startsWith("1 / 32 / 256 · limit 32, 0 in flight"));
        QCOMPARE(cell(2, ProvidersPage::StateColumn), QStringLiteral("enabled"));
        QVERIFY(!m_page->applyButton()->isEnabled());  // nothing edited
        m_page->selectProvider(1);
        QCOMPARE(qobject_cast<QLineEdit*>(m_page->form()->field("name"))->text(), QStringLiteral("anthropic"));
    }

    void testConnectionShowsOutcomePhasesAndVersion() {
        makePage(pageConfig(m_port));
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
        makePage(pageConfig(m_port));
        m_page->selectProvider(0);
        setText(m_page->form()->field("openai_version"), QStringLiteral("2024-05-01"));  // the draft, not applied
        const auto result = test(0);
        QVERIFY(result.ok());
        QVERIFY(result.version_differs());
        QVERIFY2(m_page->versionWarning().contains("openai reports API version 2020-10-01, but 2024-05-01 is configured"),
                 qPrintable(m_page->versionWarning()));

        setText(m_page->form()->field("openai_version"), QStringLiteral("2020-10-01"));
        QVERIFY(!test(0).version_differs());
        QVERIFY(m_page->versionWarning().isEmpty());
    }

    void failuresAreClassified() {
        makePage(pageConfig(m_port));
        m_page->selectProvider(0);
        const QString wrong = generatedKey();
        QTest::keyClicks(m_page->form()->keyEdit(), wrong);  // typed, not applied: the test uses it
        const auto denied = test(0);
        QCOMPARE(denied.error->cls, sb::ErrorClass::Auth);
        QCOMPARE(denied.http_status, 401);
        QVERIFY2(m_page->resultText().startsWith("openai failed: auth"), qPrintable(m_page->resultText()));
        QVERIFY(m_page->resultText().contains("(HTTP 401)"));
        QVERIFY(!m_page->resultText().contains(wrong));  // echoed keys are masked

        m_page->selectProvider(2);
        setText(m_page->form()->field("base_url"), QStringLiteral("http://127.0.0.1:9/v1"));  // discard port: refused
        const auto refused = test(2);
        QCOMPARE(refused.error->cls, sb::ErrorClass::Network);
        QVERIFY(m_page->resultText().startsWith("local failed: network"));
        QCOMPARE(m_bridge->bridge().providers()[2].base_url, QStringLiteral("http://127.0.0.1:%1/v1").arg(m_port).toStdString());
    }

    void aTypedKeyIsNeverShown() {
        makePage(pageConfig(m_port));
        for (auto* button : m_page->findChildren<QAbstractButton*>()) QVERIFY(!button->text().contains("Reveal"));
        m_page->selectProvider(0);
        const QString key = generatedKey();
        QTest::keyClicks(m_page->form()->keyEdit(), key);
        QCOMPARE(m_page->form()->keySourceText(), QStringLiteral("from: secret store (openai) · new key, stored on Apply"));
        QCOMPARE(cell(0, ProvidersPage::KeyColumn), QStringLiteral("secret store (openai) · new key, stored on Apply"));
        const QString tail = key.right(8);
        const auto noKeyShown = [&] {
            for (const QString& text : shownTexts(m_page.get()))
                if (text.contains(key) || text.contains(tail)) return false;
            return true;
        };
        QVERIFY(noKeyShown());
        m_page->selectProvider(1);
        m_page->selectProvider(0);
        QVERIFY(m_page->form()->keyEdit()->text().isEmpty());  // not put back into the field
        QVERIFY(noKeyShown());
        QVERIFY(m_page->apply());
        QVERIFY(noKeyShown());
        QCOMPARE(cell(0, ProvidersPage::KeyColumn), QStringLiteral("secret store (openai)"));
    }

    void anInvalidBaseUrlIsMarkedWithItsPathAndApplyWaits() {
        makePage(pageConfig(m_port));
        m_page->selectProvider(2);
        auto* url = m_page->form()->field("base_url");
        setText(url, QStringLiteral("http://models.example.com/v1"));
        QVERIFY2(url->toolTip().startsWith("providers[2].base_url: must be https://"), qPrintable(url->toolTip()));
        QVERIFY(!url->styleSheet().isEmpty());
        QVERIFY(m_page->problemsText().contains("providers[2].base_url: "));
        QVERIFY(m_page->table()->verticalHeaderItem(2)->text().contains(QStringLiteral("⚠")));
        QVERIFY(!m_page->applyButton()->isEnabled());
        QVERIFY(!m_page->apply());

        setText(url, QStringLiteral("http://localhost:%1/v1").arg(m_port));
        QVERIFY(url->toolTip().isEmpty());
        QVERIFY(url->styleSheet().isEmpty());
        QVERIFY(m_page->problemsText().isEmpty());
        QVERIFY(m_page->applyButton()->isEnabled());

        auto* connectTimeout = qobject_cast<QSpinBox*>(m_page->form()->field("timeouts.connect_ms"));
        connectTimeout->setValue(700'000);  // above the config's 600 000
        QVERIFY2(connectTimeout->toolTip().startsWith("providers[2].timeouts.connect_ms: "),
                 qPrintable(connectTimeout->toolTip()));
        QVERIFY(!m_page->applyButton()->isEnabled());
    }

    void removingAProviderRoutingUsesIsRefusedWithThePath() {
        makePage(pageConfig(m_port));  // the fallback routing: openai, then anthropic and local
        m_page->selectProvider(1);
        QTest::mouseClick(m_page->removeButton(), Qt::LeftButton);
        QCOMPARE(m_page->table()->rowCount(), 2);
        QVERIFY2(m_page->problemsText().contains(
                     "routing.tiers[0].targets[1].provider: must name one of the configured providers"),
                 qPrintable(m_page->problemsText()));
        QVERIFY(!m_page->applyButton()->isEnabled());
        QVERIFY(!m_page->apply());
        QCOMPARE(m_bridge->bridge().providers().size(), std::size_t(3));

        // The engine refuses it as well, whole.
        auto providers = m_bridge->bridge().providers();
        providers.erase(providers.begin() + 1);
        const auto refused = m_bridge->engine().apply_providers(providers);
        QVERIFY(!refused);
        QCOMPARE(refused.error()[0].path, std::string("routing.tiers[0].targets[1].provider"));
        QCOMPARE(m_bridge->bridge().providers().size(), std::size_t(3));
    }

    void aRequestUnderWayFinishesOnTheOldSettings() {
        makePage(pageConfig(m_port));
        // Slow and failing once, so that its retry comes after the Apply below.
        sb::ChatRequest request;
        request.messages = {{sb::Role::User, "Still there?"}};
        request.provider = "local";
        request.extra_headers = {{"x-sim-fault", "server_error"}, {"x-sim-fault-times", "1"},
                                 {"x-sim-key", "page-under-way"}, {"x-sim-latency-ms", "1200"}};
        auto under_way = m_bridge->engine().submit(request);
        QTest::qWait(300);

        m_page->selectProvider(2);
        setText(m_page->form()->field("base_url"), QStringLiteral("http://127.0.0.1:9/v1"));
        applyAndWait();
        QCOMPARE(m_bridge->bridge().providers()[2].base_url, std::string("http://127.0.0.1:9/v1"));
        QTRY_VERIFY_WITH_TIMEOUT(under_way.wait_for(0s) == std::future_status::ready, 15000);
        const auto result = under_way.get();
        QVERIFY2(result.ok(), result.ok() ? "" : result.outcome.error().message.c_str());
        QCOMPARE(result.attempts.size(), std::size_t(2));  // the retry went to the old URL too

        auto next = m_bridge->engine().submit(request);
        QTRY_VERIFY_WITH_TIMEOUT(next.wait_for(0s) == std::future_status::ready, 15000);
        const auto after = next.get();
        QVERIFY(!after.ok());
        QCOMPARE(after.outcome.error().cls, sb::ErrorClass::Network);
    }

    void anEditIsSavedToTheConfigFile() {
        const QString file = m_home.filePath(QStringLiteral("edited.json"));
        auto config = pageConfig(m_port);
        config.routing = sb::fallback_routing(config.providers, config.default_provider);
        config.retry.max_attempts = 7;
        QVERIFY(sb::write_file_atomically(file.toStdString(), sb::to_json(config).dump(2)));
        makePage(config);
        m_page->setConfigFile(file);
        m_page->selectProvider(1);
        qobject_cast<QSpinBox*>(m_page->form()->field("timeouts.total_ms"))->setValue(45'000);
        setText(m_page->form()->field("models"), QStringLiteral("claude-haiku-4-5, claude-sonnet-4-5"));
        applyAndWait();
        QVERIFY2(m_page->statusText().contains("saved to " + file), qPrintable(m_page->statusText()));

        auto loaded = sb::load_config(file.toStdString(), sb::process_environment());
        QVERIFY(loaded.has_value());
        const auto* anthropic = loaded->provider("anthropic");
        QVERIFY(anthropic);
        QCOMPARE(anthropic->timeouts.total, std::chrono::milliseconds(45'000));
        QCOMPARE(anthropic->models, (std::vector<std::string>{"claude-haiku-4-5", "claude-sonnet-4-5"}));
        QCOMPARE(anthropic->api_key_ref, std::string("${SB_PAGE_TEST_KEY}"));
        QCOMPARE(loaded->retry.max_attempts, 7);  // the rest of the file as it was
    }

    // Last: it writes the default config file, which the cases above do not expect.
    void aProviderAddedOnThePageAnswersAndItsKeyIsNowhereInPlainText() {
        makePage(pageConfig(m_port), true);
        const QString configFile = QString::fromStdString(sb::default_config_file().string());
        QVERIFY(!QFile::exists(configFile));
        m_page->setConfigFile(configFile);
        auto playground = std::make_unique<PlaygroundPage>(*m_bridge);

        const int row = m_page->addProvider();
        QCOMPARE(row, 3);
        setText(m_page->form()->field("name"), QStringLiteral("mine"));
        setText(m_page->form()->field("base_url"), m_upstreamUrl);
        QTest::keyClicks(m_page->form()->keyEdit(), m_key);
        QCOMPARE(cell(row, ProvidersPage::KeyColumn), QStringLiteral("secret store (mine) · new key, stored on Apply"));
        {
            auto store = sb::SecretStore::open();
            QVERIFY(store && store->get("mine") && !*store->get("mine"));  // typed, not stored
        }

        // The draft's provider, with the key typed but not stored, reaches the upstream that
        // accepts only that key.
        const auto tested = test(row);
        QVERIFY2(tested.ok(), tested.error ? tested.error->message.c_str() : "");
        QCOMPARE(m_bridge->bridge().providers().size(), std::size_t(3));  // nothing applied by a test

        applyAndWait();
        QCOMPARE(m_bridge->bridge().providers().size(), std::size_t(4));
        QVERIFY2(m_page->statusText().contains("key stored in the secret store") && m_page->statusText().contains(configFile),
                 qPrintable(m_page->statusText()));

        // The Playground lists it and sends to it.
        bool listed = false;
        for (auto* combo : playground->findChildren<QComboBox*>())
            listed = listed || combo->findData(QStringList{QStringLiteral("mine"), QStringLiteral("gpt-4o-mini")}) >= 0;
        QVERIFY(listed);
        playground->setTarget(QStringLiteral("mine"), QStringLiteral("gpt-4o-mini"));
        playground->setMessage(QStringLiteral("Which provider answers this?"));
        QSignalSpy answered(playground.get(), &PlaygroundPage::answered);
        playground->send();
        QTRY_COMPARE_WITH_TIMEOUT(answered.size(), 1, 20000);
        QVERIFY2(playground->details().contains("Provider: mine"), qPrintable(playground->details()));
        QVERIFY(!playground->answerText().isEmpty());

        // Stored encrypted, and the config file names it.
        auto store = sb::SecretStore::open();
        QVERIFY(store);
        const auto stored = store->get("mine");
        QVERIFY(stored && *stored);
        QCOMPARE(QString::fromStdString(**stored), m_key);
        auto loaded = sb::load_config(configFile.toStdString(), sb::process_environment());
        QVERIFY(loaded.has_value());
        const auto* mine = loaded->provider("mine");
        QVERIFY(mine);
        QCOMPARE(mine->api_key_ref, std::string("secret:mine"));
        QCOMPARE(QString::fromStdString(mine->base_url), m_upstreamUrl);
        QCOMPARE(QString::fromStdString(mine->api_key), m_key);  // resolved from the store

        for (QWidget* shown : {static_cast<QWidget*>(m_page.get()), static_cast<QWidget*>(playground.get())})
            for (const QString& text : shownTexts(shown)) QVERIFY2(!text.contains(m_key.right(8)), qPrintable(text));

        // Everything written under the test's own config and data dirs, the history flushed.
        playground.reset();
        m_page.reset();
        m_bridge.reset();
        QStringList scanned;
        const QByteArray key = m_key.toUtf8();
        QDirIterator it(m_home.path(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString file = it.next();
            scanned << QFileInfo(file).fileName();
            QVERIFY2(!contents(file).contains(key), qPrintable(file));
        }
        QVERIFY2(scanned.contains("config.json") && scanned.contains("secrets.json") && scanned.contains("secret.key") &&
                     scanned.contains("switchboard.db"),
                 qPrintable(scanned.join(", ")));
    }
};

QTEST_MAIN(TestProvidersPage)
#include "tst_providers_page.moc"
