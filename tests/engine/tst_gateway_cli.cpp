// The switchboard-gateway CLI as a user runs it: ask against the built-in demo simulator,
// ask against a separately running OpenAI-compatible server (the stand-alone simulator),
// streaming, and clear exit codes and messages for bad input.
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

class TestGatewayCli : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    struct Run {
        int exit_code = -1;
        QString out;
        QString err;
    };

    Run run(const QStringList& arguments, const QProcessEnvironment& extra = {}) {
        QProcess process;
        auto environment = QProcessEnvironment::systemEnvironment();
        environment.remove("OPENAI_API_KEY");
        environment.remove("ANTHROPIC_API_KEY");
        environment.remove("SWITCHBOARD_LOCAL_URL");
        environment.insert("XDG_CONFIG_HOME", m_dir.filePath("config"));  // no user config file
        environment.insert("XDG_DATA_HOME", m_dir.filePath("data"));
        for (const auto& key : extra.keys()) environment.insert(key, extra.value(key));
        process.setProcessEnvironment(environment);
        process.start(SB_GATEWAY_BIN, arguments);
        if (!process.waitForFinished(60000)) {
            process.kill();
            process.waitForFinished();
        }
        return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
                QString::fromUtf8(process.readAllStandardOutput()), QString::fromUtf8(process.readAllStandardError())};
    }

private slots:
    void askUsesTheDemoSimulatorWithoutKeys() {
        const auto result = run({"ask", "Is the desk lamp in stock?", "--provider", "anthropic", "--demo-profile",
                                 SB_RESOURCES_DIR "/simulator/zero.json"});
        QCOMPARE(result.exit_code, 0);
        QVERIFY2(result.out.contains("desk lamp"), qPrintable(result.out));
        QVERIFY2(result.err.contains("anthropic claude-haiku-4-5") && result.err.contains("demo simulator"),
                 qPrintable(result.err));
        QVERIFY(QFile::exists(m_dir.filePath("data/switchboard/switchboard.db")));
    }

    void askRoutesByTierAndExplainsWhy() {
        const auto result = run({"ask", "Please refactor this parser for me", "--explain", "--no-history",
                                 "--demo-profile", SB_RESOURCES_DIR "/simulator/zero.json"});
        QCOMPARE(result.exit_code, 0);
        // The default rules send refactoring to the advanced tier, whose targets are the strong models.
        QVERIFY2(result.err.contains("tier advanced"), qPrintable(result.err));
        QVERIFY2(result.err.contains("gpt-4o ") || result.err.contains("claude-sonnet-4-5"), qPrintable(result.err));
        QVERIFY2(result.err.contains("[route: regex matched \"refactor\" (rule hard-work)"), qPrintable(result.err));
    }

    void askStreams() {
        const auto result =
            run({"ask", "Stream this please", "--stream", "--no-history", "--demo-profile", SB_RESOURCES_DIR "/simulator/zero.json"});
        QCOMPARE(result.exit_code, 0);
        QVERIFY(result.out.startsWith("Simulated answer to: Stream this please"));
    }

    void askReachesAnOpenAICompatibleServer() {
        QProcess server;
        server.start(SB_GATEWAY_BIN, {"simulate", "--port", "0", "--profile", SB_RESOURCES_DIR "/simulator/zero.json"});
        QVERIFY(server.waitForStarted(5000));
        QTRY_VERIFY_WITH_TIMEOUT(server.canReadLine(), 10000);
        const QString banner = QString::fromUtf8(server.readLine());
        const auto match = QRegularExpression("http://127\\.0\\.0\\.1:(\\d+)/v1").match(banner);
        QVERIFY2(match.hasMatch(), qPrintable(banner));

        QProcessEnvironment environment;
        environment.insert("SWITCHBOARD_LOCAL_URL", match.captured(0));
        const auto result = run({"ask", "Hello local model", "--provider", "local", "--demo", "off"}, environment);
        server.terminate();
        QVERIFY(server.waitForFinished(5000));
        QCOMPARE(server.exitCode(), 0);

        QCOMPARE(result.exit_code, 0);
        QVERIFY2(result.out.contains("Hello local model"), qPrintable(result.out + result.err));
        QVERIFY2(result.err.contains("local llama3.2"), qPrintable(result.err));
        QVERIFY2(!result.err.contains("demo simulator"), qPrintable(result.err));
        QVERIFY2(result.err.contains("providers[0].api_key: environment variable OPENAI_API_KEY is not set"),
                 qPrintable(result.err));
    }

    void unreachableServerIsAClearNetworkError() {
        QProcessEnvironment environment;
        environment.insert("SWITCHBOARD_LOCAL_URL", "http://127.0.0.1:9/v1");  // discard port: refused
        const auto result = run({"ask", "hi", "--provider", "local", "--demo", "off", "--no-history"}, environment);
        QCOMPARE(result.exit_code, 1);
        QVERIFY2(result.err.contains("error: network:"), qPrintable(result.err));
    }

    void usageAndConfigErrorsHaveTheirOwnExitCodes() {
        QCOMPARE(run({}).exit_code, 2);
        QCOMPARE(run({"frobnicate"}).exit_code, 2);
        QCOMPARE(run({"ask"}).exit_code, 2);
        QCOMPARE(run({"batch", "in.jsonl"}).exit_code, 2);

        const QString config = m_dir.filePath("bad-config.json");
        std::ofstream(config.toStdString())
            << "{\"version\": 1, \"providers\": [{\"name\": \"x\", \"kind\": \"openai\", \"base_url\": "
               "\"http://api.example.com/v1\", \"api_key\": \"${X_KEY}\", \"default_model\": \"m\"}]}";
        const auto result = run({"ask", "hi", "--config", config});
        QCOMPARE(result.exit_code, 4);
        QVERIFY2(result.err.contains("providers[0].base_url: must be https:// unless the host is loopback or listed in transport.allow_http_hosts"),
                 qPrintable(result.err));
    }

    // --no-auth lets anyone who reaches /v1 spend the providers' keys: refused, before anything
    // listens, unless the address is loopback (judged as an address, not by its first characters).
    void noAuthIsRefusedOffLoopback_data() {
        QTest::addColumn<QString>("listen");
        QTest::newRow("every IPv4 interface") << "0.0.0.0:0";
        QTest::newRow("every IPv6 interface") << "[::]:0";
        QTest::newRow("a LAN address") << "192.0.2.10:0";
        QTest::newRow("a name starting 127.") << "127.evil.example:0";
    }
    void noAuthIsRefusedOffLoopback() {
        QFETCH(QString, listen);
        const auto result = run({"serve", "--no-auth", "--listen", listen, "--demo", "on"});
        QCOMPARE(result.exit_code, 2);  // usage; a server that listened would not have exited at all
        QVERIFY2(!result.out.contains("listening"), qPrintable(result.out));
        const QString host = listen.left(listen.lastIndexOf(':')).remove('[').remove(']');
        QVERIFY2(result.err.contains("serve: --no-auth is refused on " + host + ", which is not a loopback address"),
                 qPrintable(result.err));
    }

    void bodyLimitMustBeAWholeNumberOfMebibytes_data() {
        QTest::addColumn<QString>("value");
        QTest::newRow("zero") << "0";
        QTest::newRow("not a number") << "20MB";
        QTest::newRow("beyond 1024") << "4096";
    }
    void bodyLimitMustBeAWholeNumberOfMebibytes() {
        QFETCH(QString, value);
        const auto result = run({"serve", "--max-body-mb", value, "--listen", "127.0.0.1:0", "--demo", "on"});
        QCOMPARE(result.exit_code, 2);
        QVERIFY2(result.err.contains("--max-body-mb must be a whole number from 1 to 1024"), qPrintable(result.err));
    }

    void noAuthServesOnLoopback_data() {
        QTest::addColumn<QString>("listen");
        QTest::newRow("127.0.0.1") << "127.0.0.1:0";
        QTest::newRow("localhost") << "localhost:0";  // listens on 127.0.0.1
    }
    void noAuthServesOnLoopback() {
        QFETCH(QString, listen);
        QProcess server;
        auto environment = QProcessEnvironment::systemEnvironment();
        environment.insert("XDG_CONFIG_HOME", m_dir.filePath("config"));
        environment.insert("XDG_DATA_HOME", m_dir.filePath("data"));
        server.setProcessEnvironment(environment);
        server.start(SB_GATEWAY_BIN, {"serve", "--no-auth", "--listen", listen, "--demo", "on", "--no-history",
                                      "--demo-profile", SB_RESOURCES_DIR "/simulator/zero.json"});
        QVERIFY(server.waitForStarted(5000));
        QTRY_VERIFY_WITH_TIMEOUT(server.canReadLine() || server.state() == QProcess::NotRunning, 20000);
        const QString line = QString::fromUtf8(server.readLine());
        QVERIFY2(QRegularExpression("^listening on http://127\\.0\\.0\\.1:[1-9]\\d*$").match(line.trimmed()).hasMatch(),
                 qPrintable(line + server.readAllStandardError()));
        server.terminate();
        QVERIFY(server.waitForFinished(15000));
        QCOMPARE(server.exitCode(), 0);
    }

    void batchWithBadLinesFinishesWithExitCodeThree() {
        const QString input = m_dir.filePath("mixed.jsonl");
        std::ofstream(input.toStdString())
            << "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"gpt-4o-mini\","
               "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}\n"
               "this is not json\n";
        const QString output = m_dir.filePath("mixed-out.jsonl");
        const auto result = run({"batch", input, "-o", output, "--demo-profile", SB_RESOURCES_DIR "/simulator/zero.json"});
        QCOMPARE(result.exit_code, 3);
        QVERIFY2(result.err.contains("2 lines, 1 succeeded, 1 failed (1 unreadable)"), qPrintable(result.err));
        QFile file(output);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const auto lines = file.readAll().split('\n');
        QCOMPARE(lines.size(), 3);  // two lines and the final newline
        QVERIFY(lines[1].contains("line 2: not valid JSON"));
    }
};

QTEST_GUILESS_MAIN(TestGatewayCli)
#include "tst_gateway_cli.moc"
