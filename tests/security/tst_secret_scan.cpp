// The whole product as an operator runs it, then a search for what must never be left in
// plain text. A real-looking OpenAI key is stored with `secrets set` (stdin), the config
// names it as "secret:openai", an upstream (the stand-alone simulator) accepts only that key,
// and `ask` sends prompts holding an e-mail address, a card number, a phone number and
// another key shape, with the shipped privacy rules (redact) plus encrypt_history on; so do a
// `batch` run and a conversation in the console's Playground, which saves it; a second key
// is typed into the console's Providers page for a new provider, applied (the page stores
// it and saves the config) and used for a request the upstream refuses. Then
// the database (and its WAL), the config and secret files, the logs (everything the commands
// print but `ask`'s answer itself) and the core files a crash leaves behind are searched.
// The crash: `serve`, holding the key in memory, killed with SIGSEGV while allowed to dump
// core — it must leave no core (it marks itself non-dumpable); the same crash with
// SWITCHBOARD_CORE_DUMPS=1 shows the search would find the key in a core.
#include <signal.h>
#include <sys/resource.h>

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QLineEdit>
#include <QProcess>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "local_engine_host.h"
#include "playground/playground_page.h"
#include "providers/provider_form.h"
#include "providers/providers_page.h"
#include "security/secret_environment.h"
#include "security/secret_store.h"

namespace {

// Assembled at run time, so that no file in the repository holds a key-looking literal.
const QByteArray kOpenAiKey = QByteArray("sk-proj-") + QByteArray("Zq8vN2mR4tW6yB1cE3gH5jK7").repeated(2);
const QByteArray kOtherKey = QByteArray("sk-ant-api03-") + QByteArray("pL0oK9iJ8uH7yG6tF5rD4eS3").repeated(2);
const QByteArray kPageKey = QByteArray("sk-proj-") + QByteArray("Hx4dQ7wL2nV9sB6kT3mR8cF1").repeated(2);
const QByteArray kEmail = "margaret.hollis@example.org";
const QByteArray kCard = "5555 5555 5555 4444";
const QByteArray kPhone = "+44 20 7946 0958";

struct Run {
    int exit_code = -1;
    QByteArray out, err;
};

}  // namespace

class TestSecretScan : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QProcess m_upstream;
    QString m_upstreamUrl;
    QByteArray m_logs;  // what the commands printed, but answers

    QProcessEnvironment environment() const {
        auto env = QProcessEnvironment::systemEnvironment();
        for (const char* name : {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "SWITCHBOARD_LOCAL_URL", "SWITCHBOARD_CORE_DUMPS"})
            env.remove(name);
        env.insert("XDG_CONFIG_HOME", m_dir.filePath("config"));
        env.insert("XDG_DATA_HOME", m_dir.filePath("data"));
        return env;
    }

    Run run(const QStringList& arguments, const QByteArray& input = {}) {
        QProcess process;
        process.setProcessEnvironment(environment());
        process.start(SB_GATEWAY_BIN, arguments);
        if (!process.waitForStarted(10000)) return {};
        process.write(input);
        process.closeWriteChannel();
        if (!process.waitForFinished(60000)) {
            process.kill();
            process.waitForFinished();
        }
        Run result{process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, process.readAllStandardOutput(),
                   process.readAllStandardError()};
        // `ask` prints the answer on stdout — the product the user asked for (the simulator
        // echoes the prompt in it); everything else a command prints is a log.
        m_logs += result.err;
        if (arguments.value(0) != "ask") m_logs += result.out;
        return result;
    }

    QString configFile() const { return m_dir.filePath("config/switchboard/config.json"); }

    // Starts `serve` with core dumps allowed (RLIMIT_CORE unlimited, cwd in `dir`), crashes
    // it with SIGSEGV, and returns every core file left in `dir`.
    QStringList crashServe(const QString& dir, bool allowCores) {
        QDir().mkpath(dir);
        QProcess serve;
        auto env = environment();
        if (allowCores) env.insert("SWITCHBOARD_CORE_DUMPS", "1");
        serve.setProcessEnvironment(env);
        serve.setWorkingDirectory(dir);
        serve.setChildProcessModifier([] {
            rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
            ::setrlimit(RLIMIT_CORE, &unlimited);
        });
        serve.start(SB_GATEWAY_BIN, {"serve", "--listen", "127.0.0.1:0", "--no-auth"});
        if (!serve.waitForStarted(10000)) return {"<serve did not start>"};
        // "listening on …": the config, and the key, are loaded.
        for (int waited = 0; !serve.canReadLine() && waited < 20000; waited += 50) serve.waitForReadyRead(50);
        if (!serve.canReadLine()) return {"<serve did not start listening>"};
        ::kill(static_cast<pid_t>(serve.processId()), SIGSEGV);
        serve.waitForFinished(30000);
        m_logs += serve.readAllStandardOutput() + serve.readAllStandardError();
        QStringList cores;
        for (const QString& name : QDir(dir).entryList(QDir::Files))
            if (name.startsWith("core")) cores << QDir(dir).filePath(name);
        return cores;
    }

    static QByteArray contents(const QString& path) {
        QFile file(path);
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        // The console part of the run is in this process: it finds the config, the secrets and
        // its settings where the commands do.
        qputenv("XDG_CONFIG_HOME", m_dir.filePath("config").toLocal8Bit());
        qputenv("XDG_DATA_HOME", m_dir.filePath("data").toLocal8Bit());
        for (const char* name : {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "SWITCHBOARD_LOCAL_URL"}) qunsetenv(name);
        QCoreApplication::setOrganizationName(QStringLiteral("SwitchboardScan"));
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_dir.filePath(QStringLiteral("config")));
        // The upstream accepts exactly the stored key.
        auto env = environment();
        env.insert("UPSTREAM_KEY", QString::fromLatin1(kOpenAiKey));
        m_upstream.setProcessEnvironment(env);
        m_upstream.start(SB_GATEWAY_BIN, {"simulate", "--port", "0", "--profile", SB_RESOURCES_DIR "/simulator/zero.json",
                                          "--api-key-env", "UPSTREAM_KEY"});
        QVERIFY(m_upstream.waitForStarted(10000));
        QTRY_VERIFY_WITH_TIMEOUT(m_upstream.canReadLine(), 10000);
        const auto match = QRegularExpression("http://127\\.0\\.0\\.1:\\d+/v1").match(QString::fromUtf8(m_upstream.readLine()));
        QVERIFY(match.hasMatch());
        m_upstreamUrl = match.captured(0);
    }

    void cleanupTestCase() {
        m_upstream.kill();
        m_upstream.waitForFinished();
    }

    void nothingSecretIsLeftInPlainText() {
        // 1. The key goes into the encrypted store from stdin, as an operator pipes it in.
        const auto stored = run({"secrets", "set", "openai"}, kOpenAiKey + "\n");
        QVERIFY2(stored.exit_code == 0, stored.err.constData());
        const auto listed = run({"secrets", "list"});
        QCOMPARE(listed.out, QByteArray("openai\n"));

        // 2. The shipped config, pointed at the upstream, naming the stored key.
        auto config = nlohmann::json::parse(contents(SB_RESOURCES_DIR "/default-config.json").toStdString());
        config["demo"]["mode"] = "off";
        config["providers"][0]["base_url"] = m_upstreamUrl.toStdString();
        config["providers"][0]["api_key"] = "secret:openai";
        config["privacy"]["encrypt_history"] = true;
        QDir().mkpath(QFileInfo(configFile()).path());
        {
            QFile file(configFile());
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(QByteArray::fromStdString(config.dump(2)));
        }

        // 3. Requests holding personal data and another key; one streamed, one explained.
        const QByteArray prompt = "I am " + kEmail + ", phone " + kPhone + ", card " + kCard + "; my Anthropic key " +
                                  kOtherKey + " fails, please help.";
        for (const QStringList& extra : {QStringList{}, QStringList{"--stream"}, QStringList{"--explain"}}) {
            const auto asked = run(QStringList{"ask", QString::fromUtf8(prompt), "--provider", "openai"} + extra);
            QVERIFY2(asked.exit_code == 0, (asked.out + asked.err).constData());  // the stored key was accepted
        }

        // 3b. A batch of the same questions; its output file (outside the scanned folders) is
        // the product and holds the answers.
        QDir().mkpath(m_dir.filePath("work"));
        {
            QFile input(m_dir.filePath("work/in.jsonl"));
            QVERIFY(input.open(QIODevice::WriteOnly));
            for (int line = 1; line <= 3; ++line)
                input.write(QByteArray::fromStdString(
                                nlohmann::json{{"custom_id", "q" + std::to_string(line)},
                                               {"method", "POST"},
                                               {"url", "/v1/chat/completions"},
                                               {"body", {{"model", "gpt-4o-mini"},
                                                         {"messages", {{{"role", "user"}, {"content", prompt.toStdString()}}}}}}}
                                    .dump()) +
                            "\n");
        }
        const auto batch = run({"batch", m_dir.filePath("work/in.jsonl"), "-o", m_dir.filePath("work/out.jsonl"), "--no-progress"});
        QVERIFY2(batch.exit_code == 0, (batch.out + batch.err).constData());
        QVERIFY(contents(m_dir.filePath("work/out.jsonl")).contains(kEmail));  // the answers echo the question

        // 3c. The console's Playground, on the same config and database, saves its conversation.
        {
            auto loaded = sb::load_user_config({}, sb::process_environment());
            QVERIFY(loaded.has_value());
            sb::EngineOptions options;
            options.config = std::move(*loaded);
            options.database = m_dir.filePath("data/switchboard/switchboard.db").toStdString();
            auto bridge = LocalEngineHost::create(std::move(options));
            QVERIFY2(bridge.has_value(), bridge ? "" : qPrintable(bridge.error()));
            auto page = std::make_unique<PlaygroundPage>(**bridge);
            page->newConversation();
            page->setSystemPrompt(QStringLiteral("The customer is ") + QString::fromLatin1(kEmail));
            page->setTarget(QStringLiteral("openai"), QStringLiteral("gpt-4o-mini"));
            page->setMessage(QString::fromUtf8(prompt));
            QSignalSpy saved(page.get(), &PlaygroundPage::conversationSaved);
            page->send();
            QTRY_VERIFY_WITH_TIMEOUT(saved.size() >= 1, 20000);
            QVERIFY2(page->answerText().contains(QString::fromLatin1(kEmail)), qPrintable(page->answerText()));

            // 3d. A key typed into the Providers page for a new provider, applied; the page
            // stores it and saves the config. The upstream refuses it (401), and the refusal,
            // which may echo the key, goes to the history.
            auto providers = std::make_unique<ProvidersPage>(**bridge);
            providers->setConfigFile(configFile());
            providers->addProvider();
            auto* name = qobject_cast<QLineEdit*>(providers->form()->field("name"));
            auto* url = qobject_cast<QLineEdit*>(providers->form()->field("base_url"));
            QVERIFY(name && url);
            name->clear();
            QTest::keyClicks(name, QStringLiteral("spare"));
            url->clear();
            QTest::keyClicks(url, m_upstreamUrl);
            QTest::keyClicks(providers->form()->keyEdit(), QString::fromLatin1(kPageKey));
            QSignalSpy stored(providers.get(), &ProvidersPage::saveFinished);
            QVERIFY2(providers->apply(), qPrintable(providers->statusText() + "\n" + providers->problemsText()));
            QTRY_VERIFY_WITH_TIMEOUT(stored.size() == 1, 20000);
            QVERIFY2(stored[0][0].toBool(), qPrintable(stored[0][1].toString()));
            page->setTarget(QStringLiteral("spare"), QStringLiteral("gpt-4o-mini"));
            page->setMessage(QStringLiteral("Does this key work?"));
            QSignalSpy refused(page.get(), &PlaygroundPage::answered);
            page->send();
            QTRY_VERIFY_WITH_TIMEOUT(refused.size() == 1, 20000);
            QVERIFY2(page->details().contains("auth"), qPrintable(page->details()));
            auto store = sb::SecretStore::open();
            QVERIFY(store);
            const auto spare = store->get("spare");
            QVERIFY(spare && *spare && **spare == kPageKey.toStdString());
        }

        // 4. A crash of a process holding the key.
        const QStringList cores = crashServe(m_dir.filePath("crash"), false);
        QVERIFY2(cores.isEmpty(), qPrintable(cores.join(", ")));

        // 5. The search.
        QStringList scanned;
        QByteArray haystack = m_logs;
        for (const QString& root : {m_dir.filePath("config"), m_dir.filePath("data"), m_dir.filePath("crash")}) {
            QDirIterator it(root, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                const QString file = it.next();
                scanned << QFileInfo(file).fileName();
                haystack += contents(file);
            }
        }
        QVERIFY2(scanned.contains("switchboard.db") && scanned.contains("config.json") && scanned.contains("secrets.json") &&
                     scanned.contains("secret.key") && scanned.contains("history.key"),
                 qPrintable(scanned.join(", ")));
        QVERIFY(contents(configFile()).contains("secret:spare"));  // the page saved the config
        for (const QByteArray& secret : {kOpenAiKey, kOtherKey, kPageKey, kEmail, kCard, kPhone, QByteArray("please help")}) {
            QVERIFY2(!haystack.contains(secret), secret.constData());
        }
    }

    void theSearchWouldFindAKeyInACore() {
        // With core files allowed back on, the same crash leaves the key in the core — when the
        // system writes cores as files here at all (core_pattern "core…").
        const QString pattern = QString::fromLatin1(contents("/proc/sys/kernel/core_pattern")).trimmed();
        const QStringList cores = crashServe(m_dir.filePath("crash-allowed"), true);
        if (!pattern.startsWith("core")) {
            QVERIFY2(cores.isEmpty(), qPrintable(pattern));
            return;
        }
        QCOMPARE(cores.size(), 1);
        QVERIFY(contents(cores.first()).contains(kOpenAiKey));
        QFile::remove(cores.first());
    }
};

QTEST_MAIN(TestSecretScan)
#include "tst_secret_scan.moc"
