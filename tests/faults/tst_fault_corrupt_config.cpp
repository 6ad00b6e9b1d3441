// Fault: a corrupt config file (cut short, garbage, invalid UTF-8, a stray comma).
// What the user sees: at start, a clear error that names the file and the line and column
// where it stops being JSON (`switchboard-gateway` exits 4; the console shows the same text
// in a dialog) — never a start on half a config. In a running process nothing re-reads the
// file (there is no reload path: no SIGHUP, no file watch), so the configuration in use is the
// last good one by construction; the live changes that do exist (PUT /admin/routing, Apply on
// the Routing/Cache/Alerts/Prices pages) validate first and keep the current settings when a
// change is broken. The console's writers never overwrite a file they cannot read, and write
// atomically, so even a `kill -9` in the middle of a save leaves the old file or the new one.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "config/config_file_writer.h"
#include "config/routing_config.h"
#include "fault_fixture.h"

using namespace sb;
using namespace std::chrono_literals;

namespace {

std::string read(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void write(const std::filesystem::path& file, const std::string& text) {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
}

std::string shipped_config() {
    return read(std::filesystem::path(SB_RESOURCES_DIR) / "default-config.json");
}

EnvLookup no_env() {
    return [](const std::string&) { return std::nullopt; };
}

std::string joined(const std::vector<ConfigError>& errors) {
    std::string text;
    for (const auto& error : errors) text += error.to_string() + "\n";
    return text;
}

}  // namespace

class TestFaultCorruptConfig : public QObject {
    Q_OBJECT

private slots:
    void startRefusesACorruptFileAndSaysWhere_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("where");
        QTest::newRow("cut short") << QByteArray("{\n  \"version\": 1,\n  \"providers\": [\n")
                                   << "line 4, column 1";
        QTest::newRow("stray comma") << QByteArray("{\n  \"version\": 1,\n}\n") << "line 3, column 1";
        QTest::newRow("empty") << QByteArray() << "line 1, column 1";
        QTest::newRow("garbage") << QByteArray(
                                        "\x7f"
                                        "ELF\x02\x01\x01\x00",
                                        8)
                                 << "line 1, column 1";
        QTest::newRow("invalid utf-8")
            << QByteArray("{\"default_provider\": \"caf\xE9\"}") << "line 1, column 27";
        const std::string shipped = shipped_config();
        const std::string half = shipped.substr(0, shipped.size() * 6 / 10);
        const auto lines = std::count(half.begin(), half.end(), '\n');
        QTest::newRow("half written")
            << QByteArray::fromStdString(half) << QString("line %1,").arg(lines + 1);
    }
    void startRefusesACorruptFileAndSaysWhere() {
        QFETCH(QByteArray, text);
        QFETCH(QString, where);
        QTemporaryDir dir;
        const std::filesystem::path file = dir.filePath("config.json").toStdString();
        write(file, text.toStdString());
        const auto config = load_user_config(file, no_env());
        QVERIFY(!config.has_value());
        QCOMPARE(config.error().size(), std::size_t(1));
        const std::string message = config.error().front().to_string();
        QVERIFY2(message.find(file.string() + " is not valid JSON: ") == 0, message.c_str());
        QVERIFY2(message.find(where.toStdString()) != std::string::npos, message.c_str());
        QCOMPARE(read(file), text.toStdString());  // reading never touches the file
    }

    // The CLI: exit code 4, the file and the position on stderr, nothing started.
    void cliExitsWithCode4AndNamesThePosition() {
        QTemporaryDir dir;
        const auto file = dir.filePath("config.json");
        write(file.toStdString(), "{\n  \"version\": 1,\n  \"retry\": {\"max_attempts\": 3,}\n}\n");
        for (const QStringList& arguments : {QStringList{"ask", "hello", "--config", file, "--no-history"},
                                             QStringList{"serve", "--listen", "127.0.0.1:0", "--no-auth",
                                                         "--config", file, "--db", dir.filePath("h.db")}}) {
            QProcess process;
            process.start(SB_GATEWAY_BIN, arguments);
            QVERIFY(process.waitForFinished(30'000));
            const auto err = QString::fromUtf8(process.readAllStandardError());
            QCOMPARE(process.exitStatus(), QProcess::NormalExit);
            QVERIFY2(process.exitCode() == 4, qPrintable(arguments.first() + ": " + err));
            QVERIFY2(err.contains(file + " is not valid JSON: line 3, column 31"), qPrintable(err));
            QVERIFY(!process.readAllStandardOutput().contains("listening"));
        }
    }

    // Semantic mistakes are just as clear: each one, with its JSON path.
    void validJsonWithBadValuesListsEveryProblem() {
        QTemporaryDir dir;
        const std::filesystem::path file = dir.filePath("config.json").toStdString();
        auto json = nlohmann::json::parse(shipped_config());
        json["retry"]["max_attempts"] = -2;
        json["providers"][0]["base_url"] = "http://api.example.com/v1";
        json["typo_key"] = true;
        write(file, json.dump(2));
        const auto config = load_user_config(file, no_env());
        QVERIFY(!config.has_value());
        const auto text = joined(config.error());
        QVERIFY2(text.find("retry.max_attempts") != std::string::npos, text.c_str());
        QVERIFY2(text.find("providers[0].base_url") != std::string::npos, text.c_str());
        QVERIFY2(text.find("typo_key") != std::string::npos, text.c_str());
    }

    // Apply in the console writes sections back into the file; onto a file it cannot read it
    // writes nothing, so a corrupt file is never replaced by a half-known one.
    void writersLeaveACorruptFileAlone() {
        QTemporaryDir dir;
        const std::filesystem::path file = dir.filePath("config.json").toStdString();
        const std::string corrupt = "{\n  \"version\": 1,\n  \"routing\": {\"tiers\": [\n";
        write(file, corrupt);
        RoutingConfig routing;
        QVERIFY(!save_routing_section(file, routing).has_value());
        QVERIFY(!save_cache_rules(file, {}).has_value());
        QVERIFY(!save_alert_rules(file, {}).has_value());
        const auto refused = save_pricing_file_name(file, "/tmp/prices.json");
        QVERIFY(!refused.has_value());
        QVERIFY2(refused.error().find(file.string()) != std::string::npos, refused.error().c_str());
        QCOMPARE(read(file), corrupt);
    }

    // kill -9 in the middle of saves: the file is always the old one or the new one.
    void killDuringSaveLeavesAWholeFile() {
        QTemporaryDir dir;
        const std::filesystem::path file = dir.filePath("config.json").toStdString();
        write(file, shipped_config());
        const auto base = load_user_config(file, no_env());
        QVERIFY2(base.has_value(), base ? "" : joined(base.error()).c_str());
        RoutingConfig a = base->routing, b = base->routing;
        a.tiers[0].targets[0].weight = 11;
        b.tiers[0].targets[0].weight = 77;
        QVERIFY(save_routing_section(file, a).has_value());

        std::mt19937 random(7);
        for (int round = 0; round < 12; ++round) {
            const pid_t child = ::fork();
            QVERIFY(child >= 0);
            if (child == 0) {
                for (int i = 0;; ++i) (void)save_routing_section(file, i % 2 ? a : b);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5 + random() % 40));
            ::kill(child, SIGKILL);
            ::waitpid(child, nullptr, 0);
            const auto loaded = load_user_config(file, no_env());
            QVERIFY2(loaded.has_value(), loaded ? "" : joined(loaded.error()).c_str());
            const double weight = loaded->routing.tiers[0].targets[0].weight;
            QVERIFY2(weight == 11 || weight == 77, qPrintable(QString::number(weight)));
        }
    }

    // A running engine keeps its routing when a broken change is applied, and keeps serving.
    void runningEngineKeepsTheLastGoodRouting() {
        std::uint16_t port = 0;
        auto simulator = test::start_simulator({}, &port);
        QVERIFY(simulator);
        auto engine = test::make_engine(test::simulator_config(port));
        test::GatewayStack gateway(*engine);
        const auto before = to_json(engine->routing());

        RoutingConfig broken = engine->routing();
        broken.tiers[0].targets[0].provider = "no-such-provider";
        broken.tiers[0].targets[0].weight = -1;
        const auto applied = engine->apply_routing(broken);
        QVERIFY(!applied.has_value());
        QVERIFY2(applied.error().find("routing.tiers[0].targets[0]") != std::string::npos,
                 applied.error().c_str());
        QCOMPARE(to_json(engine->routing()), before);

        // The same through the admin API: cut JSON, then valid JSON with a bad value.
        auto reply = gateway.admin("PUT", "/admin/routing", "{\"tiers\": [");
        QCOMPARE(reply.status, 400);
        QCOMPARE(reply.json()["error"]["type"].get<std::string>(), std::string("invalid_request_error"));
        reply = gateway.admin("PUT", "/admin/routing", to_json(broken).dump());
        QCOMPARE(reply.status, 400);
        QVERIFY2(reply.body.find("targets[0]") != std::string::npos, reply.body.c_str());
        QCOMPARE(to_json(engine->routing()), before);
        QCOMPARE(nlohmann::json::parse(gateway.admin("GET", "/admin/routing").body), before);
        QCOMPARE(gateway.post("/v1/chat/completions", test::GatewayStack::chat_body("still routed")).status,
                 200);
    }
};

QTEST_GUILESS_MAIN(TestFaultCorruptConfig)
#include "tst_fault_corrupt_config.moc"
