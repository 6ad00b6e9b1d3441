// The Alerts page over a real engine and a loopback simulator, with the traffic rules on a
// 10 s window so the test stays fast: an injected error storm (503s, retries off) fires
// SwitchboardHighErrorRate — it is listed as firing, alertFired is emitted once, the status
// bar says "1 alert firing" — and after recovery the row shows resolved with its time and the
// status bar returns to "No active alerts". A threshold edited and applied on the page changes
// what the engine evaluates (and is saved into the config file); an invalid threshold keeps
// Apply disabled with its path in the hint, and Revert restores.
#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QFile>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include <future>
#include <vector>

#include <nlohmann/json.hpp>

#include "../support/engine_fixture.h"
#include "../support/page_fixture.h"
#include "alerts/alert_events_model.h"
#include "alerts/alert_notifier.h"
#include "alerts/alert_rules_draft.h"
#include "alerts/alert_rules_editor.h"
#include "alerts/alerts_page.h"
#include "config/config.h"
#include "engine/engine.h"
#include "local_engine_host.h"
#include "status_summary.h"

using namespace std::chrono_literals;

namespace {

const QString kErrorRate = QString::fromUtf8(sb::kAlertHighErrorRate.data(), qsizetype(sb::kAlertHighErrorRate.size()));
const QString kP99 = QString::fromUtf8(sb::kAlertHighLatencyP99.data(), qsizetype(sb::kAlertHighLatencyP99.size()));

}  // namespace

class TestAlertsPage : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<sb::Simulator> m_simulator;
    std::unique_ptr<LocalEngineHost> m_bridge;
    std::unique_ptr<AlertsPage> m_page;
    std::unique_ptr<StatusSummary> m_status;

    sb::Engine& engine() { return m_bridge->engine(); }
    AlertEventsModel* model() { return m_page->eventsModel(); }

    // Sends `count` requests to one provider and waits for all of them.
    void send(int count, const char* fault = nullptr, int latency_ms = 0) {
        std::vector<sb::ChatRequest> requests(static_cast<std::size_t>(count));
        for (int i = 0; i < count; ++i) {
            sb::ChatRequest& request = requests[std::size_t(i)];
            request.messages = {{sb::Role::User, "Is my parcel on its way? " + std::to_string(i)}};
            request.provider = "openai";
            request.source = "test";
            if (fault) request.extra_headers.emplace_back("x-sim-fault", fault);
            if (latency_ms > 0) request.extra_headers.emplace_back("x-sim-latency-ms", std::to_string(latency_ms));
        }
        sb::test::submit_all(engine(), std::move(requests));
    }

    QString cell(int row, int column) { return model()->index(row, column).data().toString(); }
    int rowOf(const QString& rule) {
        m_page->refreshLive();
        return model()->rowOf(rule);
    }
    bool firing(const QString& rule) {
        const int row = rowOf(rule);
        return row >= 0 && model()->index(row, 0).data(AlertEventsModel::FiringRole).toBool();
    }

private slots:
    void initTestCase() {
        QLocale::setDefault(QLocale::c());  // thresholds and times are formatted with the default locale
        QVERIFY(m_dir.isValid());
        std::uint16_t port = 0;
        m_simulator = sb::test::start_simulator({}, &port);
        QVERIFY(m_simulator);
        sb::EngineOptions options;
        options.config = sb::test::error_storm_config(port);
        options.history = false;
        options.retry_uniform = [] { return 0.0; };
        auto bridge = LocalEngineHost::create(std::move(options));
        QVERIFY2(bridge, bridge ? "" : qPrintable(bridge.error()));
        m_bridge = std::move(*bridge);
        m_page = std::make_unique<AlertsPage>(*m_bridge);
        new QAbstractItemModelTester(model(), QAbstractItemModelTester::FailureReportingMode::QtTest, this);
        m_status = std::make_unique<StatusSummary>(*m_bridge);
        m_page->resize(1200, 800);
        m_page->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_page.get()));
    }

    void cleanupTestCase() {
        m_status.reset();
        m_page.reset();
        m_bridge.reset();
    }

    void startsQuiet() {
        QCOMPARE(model()->rowCount(), 0);
        QCOMPARE(m_page->summaryText(), QStringLiteral("No active alerts"));
        m_status->refresh();
        QVERIFY2(m_status->text().contains("No active alerts"), qPrintable(m_status->text()));
        QCOMPARE(m_page->rulesEditor()->rowCount(), 4);
        QVERIFY(!m_page->applyButton()->isEnabled());
    }

    void errorStormFiresAndRecoveryResolves() {
        QSignalSpy fired(m_page.get(), &AlertsPage::alertFired);
        send(30, "unavailable");

        // Fired: listed first, as firing, once.
        QTRY_VERIFY_WITH_TIMEOUT(firing(kErrorRate), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(fired.count(), 1, 3000);
        QVERIFY2(fired.at(0).at(0).toString().startsWith(kErrorRate + QStringLiteral(": error rate 100% over 10 s")),
                 qPrintable(fired.at(0).at(0).toString()));
        const int row = model()->rowOf(kErrorRate);
        QCOMPARE(row, 0);
        QCOMPARE(cell(row, AlertEventsModel::StateColumn), QStringLiteral("firing"));
        QCOMPARE(cell(row, AlertEventsModel::SubjectColumn), QStringLiteral("all traffic"));
        QCOMPARE(cell(row, AlertEventsModel::SeverityColumn), QStringLiteral("warning"));
        QCOMPARE(cell(row, AlertEventsModel::MessageColumn), QStringLiteral("error rate 100% over 10 s (threshold 5%)"));
        QCOMPARE(cell(row, AlertEventsModel::FiredColumn), AlertEventsModel::formatTime(model()->event(row).fired_at));
        QVERIFY(cell(row, AlertEventsModel::ResolvedColumn).isEmpty());
        QCOMPARE(m_page->summaryText(), QStringLiteral("1 alert firing"));
        QVERIFY(m_page->noticeText().contains(kErrorRate));
        QTRY_VERIFY2_WITH_TIMEOUT(m_status->text().contains("1 alert firing"), qPrintable(m_status->text()), 3000);
        QCOMPARE(engine().alerts().firing_count(), std::size_t(1));

        // Recovery: healthy traffic while the storm leaves the 10 s window.
        QElapsedTimer waited;
        waited.start();
        while (firing(kErrorRate) && waited.elapsed() < 25'000) {
            send(5);
            QTest::qWait(500);
        }
        QVERIFY(!firing(kErrorRate));
        const int resolved = model()->rowOf(kErrorRate);
        QVERIFY(resolved >= 0);
        QCOMPARE(cell(resolved, AlertEventsModel::StateColumn), QStringLiteral("resolved"));
        const auto& event = model()->event(resolved);
        QVERIFY(event.resolved_at.has_value());
        QVERIFY(*event.resolved_at > event.fired_at);
        QCOMPARE(cell(resolved, AlertEventsModel::ResolvedColumn), AlertEventsModel::formatTime(*event.resolved_at));
        QCOMPARE(m_page->summaryText(), QStringLiteral("No active alerts"));
        QVERIFY(m_page->noticeText().isEmpty());
        QTRY_VERIFY2_WITH_TIMEOUT(m_status->text().contains("No active alerts"), qPrintable(m_status->text()), 3000);
        QCOMPARE(fired.count(), 1);  // resolving is not a second notification
        QCOMPARE(model()->rowCount(), 1);
    }

    void appliedThresholdChangesWhatTheEngineEvaluates() {
        const QString file = m_dir.filePath(QStringLiteral("config.json"));
        {
            QFile out(file);
            QVERIFY(out.open(QIODevice::WriteOnly));
            out.write("{\"version\": 1}\n");
        }
        m_page->setConfigFile(file);
        QSignalSpy fired(m_page.get(), &AlertsPage::alertFired);
        AlertRulesEditor* editor = m_page->rulesEditor();
        const int row = editor->rowOf(kP99);
        QVERIFY(row >= 0);
        QCOMPARE(editor->thresholdEdit(row)->text(), QStringLiteral("2"));

        // 50 ms answers are far below 2 s…
        send(25, nullptr, 50);
        engine().evaluate_alerts();
        QVERIFY(!firing(kP99));

        // …and above 20 ms.
        editor->thresholdEdit(row)->clear();
        QTest::keyClicks(editor->thresholdEdit(row), QStringLiteral("0.02"));
        QVERIFY(m_page->draft()->isDirty());
        QVERIFY(m_page->applyButton()->isEnabled());
        QTest::mouseClick(m_page->applyButton(), Qt::LeftButton);
        QVERIFY(!m_page->draft()->isDirty());
        QCOMPARE(engine().alert_rules()[std::size_t(row)].threshold, 0.02);
        // Written off the GUI thread: the status says so when it is done.
        QTRY_VERIFY2(m_page->statusText().contains(QStringLiteral("saved to")), qPrintable(m_page->statusText()));
        QTRY_VERIFY_WITH_TIMEOUT(firing(kP99), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(fired.count(), 1, 3000);
        QVERIFY(fired.at(0).at(0).toString().startsWith(kP99 + QStringLiteral(": p99 latency")));
        QCOMPARE(m_page->summaryText(), QStringLiteral("1 alert firing"));

        // Saved into the config file, and only there.
        QFile in(file);
        QVERIFY(in.open(QIODevice::ReadOnly));
        const auto json = nlohmann::json::parse(in.readAll().toStdString());
        QCOMPARE(json["version"].get<int>(), 1);
        QCOMPARE(json["alerts"]["rules"][std::size_t(row)]["threshold"].get<double>(), 0.02);

        // Back to 2 s: it resolves at once.
        editor->thresholdEdit(row)->setText(QStringLiteral("2"));
        QVERIFY(m_page->apply());
        QVERIFY(!firing(kP99));
        QCOMPARE(m_page->summaryText(), QStringLiteral("No active alerts"));
        m_page->setConfigFile({});
    }

    void invalidThresholdCannotBeApplied() {
        AlertRulesEditor* editor = m_page->rulesEditor();
        const int row = editor->rowOf(kErrorRate);
        QVERIFY(row >= 0);
        editor->thresholdEdit(row)->setText(QStringLiteral("1.5"));
        QVERIFY(m_page->draft()->isDirty());
        QVERIFY(!m_page->applyButton()->isEnabled());
        QVERIFY(editor->rowMarkedInvalid(row));
        const QString path = QStringLiteral("alerts.rules[%1].threshold").arg(row);
        QVERIFY2(editor->hintText().contains(path + QStringLiteral(": must be more than 0 and at most 1")),
                 qPrintable(editor->hintText()));
        QVERIFY(!m_page->apply());

        editor->thresholdEdit(row)->setText(QStringLiteral("lots"));  // not a number at all
        QVERIFY(!m_page->applyButton()->isEnabled());
        QVERIFY(editor->hintText().contains(path));

        // A valid edit elsewhere still cannot go in with it; Revert restores everything.
        editor->enabledBox(editor->rowOf(kP99))->setChecked(false);
        QVERIFY(!m_page->applyButton()->isEnabled());
        QVERIFY(m_page->revertButton()->isEnabled());
        QTest::mouseClick(m_page->revertButton(), Qt::LeftButton);
        QVERIFY(!m_page->draft()->isDirty());
        QCOMPARE(editor->thresholdEdit(row)->text(), QStringLiteral("0.05"));
        QVERIFY(editor->enabledBox(editor->rowOf(kP99))->isChecked());
        QVERIFY(editor->hintText().isEmpty());
        QVERIFY(!editor->rowMarkedInvalid(row));
        QCOMPARE(engine().alert_rules()[std::size_t(row)].threshold, 0.05);
    }

    void notifierWorksWithoutATray() {
        // Offscreen has no system tray: the notice and the signal still work, nothing crashes.
        QVERIFY(!m_page->notifier()->trayAvailable());
        QCOMPARE(AlertNotifier::summary(0), QStringLiteral("No active alerts"));
        QCOMPARE(AlertNotifier::summary(1), QStringLiteral("1 alert firing"));
        QCOMPARE(AlertNotifier::summary(3), QStringLiteral("3 alerts firing"));
    }
};

QTEST_MAIN(TestAlertsPage)
#include "tst_alerts_page.moc"
