// The shipped Prometheus files and the exporter, checked by promtool itself: the alert rules
// load and their unit tests pass, the scrape of a fresh instance and one taken while a few
// hundred requests are in flight parse and lint, and every metric the alert rules and the
// Grafana dashboard use is one the exporter produces.
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QtTest>
#include <set>

#include "../support/engine_fixture.h"
#include "../support/fresh_metrics.h"
#include "config/config.h"
#include "engine/engine.h"
#include "fleet/fleet_metrics.h"

using namespace sb;
using namespace std::chrono_literals;

namespace {

const QString kPrometheusDir = QStringLiteral(SB_RESOURCES_DIR "/prometheus");
const QString kRules = kPrometheusDir + QStringLiteral("/switchboard-alerts.yml");
const QString kRuleTests = kPrometheusDir + QStringLiteral("/switchboard-alerts.test.yml");
const QString kDashboard = QStringLiteral(SB_RESOURCES_DIR "/grafana/switchboard-dashboard.json");

struct Run {
    int exit_code = -1;
    QString output;  // stdout and stderr
};

Run promtool(const QStringList& arguments, const QByteArray& input = {}) {
    const QString program = QStandardPaths::findExecutable(QStringLiteral("promtool"));
    if (program.isEmpty()) qFatal("promtool not found: run tools/setup");
    QProcess process;
    process.setWorkingDirectory(kPrometheusDir);
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    if (!process.waitForStarted(10000)) qFatal("promtool did not start");
    if (!input.isEmpty()) process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(60000)) qFatal("promtool did not finish");
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromUtf8(process.readAll())};
}

// `promtool check metrics` lints; its only complaints may be about error_code_counter, whose
// name the design fixes (a counter without _total, with "counter" in its name). Exit 3 = lint
// problems only; anything else (1 = a parse error) fails.
QString unexpected_metrics_problems(const Run& run) {
    if (run.exit_code == 0) return {};
    if (run.exit_code != 3) return run.output;
    QString problems;
    for (const auto& line : run.output.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        if (!line.startsWith(QLatin1String("error_code_counter "))) problems += line + QLatin1Char('\n');
    return problems;
}

std::set<QString> names_in(const QString& text) {
    static const QRegularExpression name(
        QStringLiteral("\\b(switchboard_[a-z0-9_]+|api_call_duration_seconds[a-z_]*|error_code_counter)\\b"));
    std::set<QString> names;
    for (auto it = name.globalMatch(text); it.hasNext();) names.insert(it.next().captured(1));
    return names;
}

QString read_text(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) qFatal("cannot read %s", qPrintable(path));
    return QString::fromUtf8(file.readAll());
}

int in_flight(const Engine& engine) {
    int total = 0;
    for (const auto& provider : engine.stats().providers) total += provider.in_flight;
    return total;
}

}  // namespace

class TestPromtool : public QObject {
    Q_OBJECT

    std::string m_scrape;  // taken by metricsUnderLoadPassPromtool, read by the name check

private slots:
    void initTestCase() {
        if (QStandardPaths::findExecutable(QStringLiteral("promtool")).isEmpty())
            QFAIL("promtool not found: run tools/setup");
    }

    void alertRulesLoad() {
        const auto run = promtool({QStringLiteral("check"), QStringLiteral("rules"), kRules});
        qInfo().noquote() << run.output.trimmed();
        QVERIFY2(run.exit_code == 0, qPrintable(run.output));
        QVERIFY2(run.output.contains(QLatin1String("SUCCESS: 6 rules found")), qPrintable(run.output));
    }

    void alertRuleUnitTestsPass() {
        const auto run = promtool({QStringLiteral("test"), QStringLiteral("rules"), kRuleTests});
        qInfo().noquote() << run.output.trimmed();
        QVERIFY2(run.exit_code == 0, qPrintable(run.output));
    }

    // Before any request: every family's HELP and TYPE, zero series, and a text promtool takes.
    void freshInstancePassesPromtool() {
        const std::string fresh = sb::test::fresh_prometheus_text().text;
        QVERIFY2(fresh.find("# TYPE error_code_counter counter\nerror_code_counter{") != std::string::npos,
                 fresh.c_str());
        QVERIFY2(fresh.find("# TYPE api_call_duration_seconds histogram\n") != std::string::npos, fresh.c_str());
        const auto run =
            promtool({QStringLiteral("check"), QStringLiteral("metrics")}, QByteArray::fromStdString(fresh));
        qInfo().noquote() << "promtool check metrics (fresh):" << run.exit_code << run.output.trimmed();
        QVERIFY2(unexpected_metrics_problems(run).isEmpty(), qPrintable(run.output + QString::fromStdString(fresh)));
    }

    void metricsUnderLoadPassPromtool() {
        SimulatorProfile profile;
        profile.latency_median_ms = 300;
        profile.latency_p99_ms = 900;
        std::uint16_t port = 0;
        auto simulator = test::start_simulator(profile, &port);
        QVERIFY(simulator);
        EngineOptions options;
        options.config = test::simulator_config(port);
        for (auto& provider : options.config.providers) provider.concurrency.initial = 256;
        options.config.cache.enabled = true;
        Budget budget;
        budget.name = "monthly \"all\"";  // a label value that needs escaping
        budget.limit_usd = 0.001;
        budget.threshold = 0.8;
        options.config.budgets = {budget};
        options.history = false;
        auto created = Engine::create(std::move(options));
        QVERIFY2(created.has_value(), created ? "" : created.error().c_str());
        auto engine = std::move(*created);

        auto request = [](int i) {
            ChatRequest r;
            // Every 7th is the same question: coalesced while the first is on its way, hits later.
            r.messages = {{Role::User,
                           i % 7 == 0 ? std::string("the same question") : "question " + std::to_string(i)}};
            r.source = "test";
            if (i % 10 == 3) {
                r.extra_headers.emplace_back("x-sim-fault", "unavailable");
                r.extra_headers.emplace_back("x-sim-fault-times", "1");
            } else if (i % 25 == 1) {
                r.extra_headers.emplace_back("x-sim-fault", "context_length");  // fails, circuits stay closed
            } else if (i % 40 == 5) {
                r.extra_headers.emplace_back("x-sim-fault", "hang");
                r.deadline = 1500ms;
            }
            return r;
        };
        constexpr int kRequests = 400;
        std::vector<std::future<RequestResult>> futures;
        for (int i = 0; i < kRequests; ++i) futures.push_back(engine->submit(request(i)));
        // Some answers (and failures) out while a few hundred are still on their way.
        QTRY_VERIFY_WITH_TIMEOUT(in_flight(*engine) >= 100 && engine->stats().failed > 0, 10000);

        const std::string busy = engine->prometheus_text();
        const auto busy_run =
            promtool({QStringLiteral("check"), QStringLiteral("metrics")}, QByteArray::fromStdString(busy));
        qInfo().noquote() << "promtool check metrics (" << in_flight(*engine)
                          << "in flight):" << busy_run.exit_code << busy_run.output.trimmed();
        QVERIFY2(unexpected_metrics_problems(busy_run).isEmpty(),
                 qPrintable(busy_run.output + QString::fromStdString(busy)));
        QVERIFY(busy.find("switchboard_requests_in_flight") != std::string::npos);

        for (auto& future : futures) QVERIFY(future.wait_for(30s) == std::future_status::ready);
        for (int i = 0; i < 3; ++i) {
            auto again = engine->submit(request(0));
            QVERIFY(again.wait_for(30s) == std::future_status::ready);
        }
        // What `serve` exports: the engine's families and the fleet's (a gateway alone).
        m_scrape = engine->prometheus_text() + sb::fleet_prometheus_text(std::nullopt, 0);
        const auto done_run = promtool({QStringLiteral("check"), QStringLiteral("metrics")},
                                       QByteArray::fromStdString(m_scrape));
        qInfo().noquote() << "promtool check metrics (after):" << done_run.exit_code
                          << done_run.output.trimmed();
        QVERIFY2(unexpected_metrics_problems(done_run).isEmpty(),
                 qPrintable(done_run.output + QString::fromStdString(m_scrape)));
        QVERIFY2(m_scrape.find("result=\"hit\"") != std::string::npos, m_scrape.c_str());
        QVERIFY2(m_scrape.find("code=\"503\"") != std::string::npos, m_scrape.c_str());
        QVERIFY2(m_scrape.find("code=\"400\"") != std::string::npos, m_scrape.c_str());
    }

    void alertsAndDashboardUseOnlyExportedMetrics_data() {
        QTest::addColumn<QString>("path");
        QTest::newRow("alert rules") << kRules;
        QTest::newRow("grafana dashboard") << kDashboard;
    }
    void alertsAndDashboardUseOnlyExportedMetrics() {
        QFETCH(QString, path);
        QVERIFY2(!m_scrape.empty(), "needs the scrape of metricsUnderLoadPassPromtool");
        std::set<QString> exported;
        for (const auto& line :
             QString::fromStdString(m_scrape).split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
            if (line.startsWith(QLatin1String("# TYPE ")))
                exported.insert(line.section(QLatin1Char(' '), 2, 2));  // family names
            if (line.startsWith(QLatin1Char('#'))) continue;
            exported.insert(line.left(line.indexOf(QRegularExpression(QStringLiteral("[{ ]")))));
        }
        const auto used = names_in(read_text(path));
        QVERIFY(!used.empty());
        for (const auto& name : used)
            QVERIFY2(exported.contains(name), qPrintable(name + QStringLiteral(" is not in a scrape")));
    }
};

QTEST_GUILESS_MAIN(TestPromtool)
#include "tst_promtool.moc"
