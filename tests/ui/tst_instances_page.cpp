// The Instances page of a console attached to one gateway of a fleet (a real redis-server and
// two real `serve` processes): it finds the other instance through the registry, shows both
// live with their figures, marks the one killed with -9 as stopped, and "Open" asks for the
// selected instance's URL. Attached to a gateway without a fleet, it says so.
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <array>

#include "../support/fleet_config.h"
#include "../support/gateway_calls.h"
#include "../support/redis_server.h"
#include "../support/serve_process.h"
#include "console/remote_console.h"
#include "engine_bridge.h"
#include "instances/instances_page.h"
#include "status_summary.h"

namespace {

constexpr const char* kAdminKey = "adm-instances-page-9d4e";

struct Attached {
    std::unique_ptr<sb::RemoteConsole> console;
    std::unique_ptr<EngineBridge> bridge;
};

Attached attach(const std::string& url) {
    auto console = sb::RemoteConsole::create({.url = url, .admin_key = kAdminKey, .operator_name = "ops@desk"});
    if (!console) qFatal("%s", console.error().c_str());
    (*console)->connect();
    Attached attached{std::move(*console), nullptr};
    attached.bridge = std::make_unique<EngineBridge>(*attached.console);
    return attached;
}

int row_of(QTableWidget* table, const QString& id) {
    for (int row = 0; row < table->rowCount(); ++row)
        if (table->item(row, InstancesPage::IdColumn)->data(Qt::UserRole).toString() == id) return row;
    return -1;
}

QString health_of(QTableWidget* table, const QString& id) {
    const int row = row_of(table, id);
    return row < 0 ? QString() : table->item(row, InstancesPage::HealthColumn)->text();
}

}  // namespace

class TestInstancesPage : public QObject {
    Q_OBJECT

private slots:
    void showsTheFleetAndMarksAKilledInstance() {
        sb::test::RedisServer redis;
        QVERIFY2(redis.error().empty(), redis.error().c_str());
        std::array<QTemporaryDir, 2> dirs;
        std::array<std::unique_ptr<sb::test::ServeProcess>, 2> gateways;
        for (int i = 0; i < 2; ++i) {
            gateways[i] = std::make_unique<sb::test::ServeProcess>(dirs[i], kAdminKey,
                                                                   QStringList{"--config", sb::test::write_fleet_config(dirs[i].path(), redis.port(), 1000)});
            gateways[i]->set_name(QString("gw-%1").arg(i + 1));
            const auto started = gateways[i]->start();
            QVERIFY2(started.isEmpty(), qPrintable(started));
        }

        auto attached = attach(gateways[0]->base());
        InstancesPage page(*attached.bridge);
        page.resize(1100, 600);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        auto* table = page.table();

        // Attached to gw-1 alone, the console finds gw-2 through the registry.
        QTRY_VERIFY_WITH_TIMEOUT(health_of(table, "gw-1") == "live" && health_of(table, "gw-2") == "live", 8000);
        QVERIFY2(page.summaryText().contains("2 instance(s) live"), qPrintable(page.summaryText()));
        StatusSummary status(*attached.bridge);
        QTRY_VERIFY_WITH_TIMEOUT(status.text().contains("fleet of 2"), 3000);
        QVERIFY(table->item(row_of(table, "gw-1"), InstancesPage::IdColumn)->text().contains("this one"));
        QCOMPARE(table->item(row_of(table, "gw-2"), InstancesPage::UrlColumn)->text(),
                 QString::fromStdString(gateways[1]->base()));
        QCOMPARE(table->item(row_of(table, "gw-2"), InstancesPage::VersionColumn)->text().isEmpty(), false);

        // "Open" asks for the selected instance.
        QSignalSpy opened(&page, &InstancesPage::openRequested);
        table->selectRow(row_of(table, "gw-2"));
        QVERIFY(page.openButton()->isEnabled());
        page.openButton()->click();
        QCOMPARE(opened.count(), 1);
        QCOMPARE(opened.front().front().toString(), QString::fromStdString(gateways[1]->base()));

        // Killed without a goodbye: its heartbeat expires (5 s) and the page marks it.
        QElapsedTimer since;
        since.start();
        gateways[1]->kill();
        QTRY_VERIFY_WITH_TIMEOUT(health_of(table, "gw-2").startsWith("stopped"), 9000);
        QVERIFY2(since.elapsed() <= 8000, qPrintable(QString("marked after %1 ms").arg(since.elapsed())));
        QVERIFY2(page.summaryText().contains("1 instance(s) live"), qPrintable(page.summaryText()));
        QCOMPARE(health_of(table, "gw-1"), QString("live"));

        // Redis gone: the page and the status bar say the fleet is degraded, and why.
        redis.kill9();
        QTRY_VERIFY_WITH_TIMEOUT(page.summaryText().contains("Degraded: redis 127.0.0.1"), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(status.text().contains("fleet degraded"), 3000);
    }

    void aGatewayWithoutAFleetSaysItStandsAlone() {
        QTemporaryDir dir;
        sb::test::ServeProcess gateway(dir, kAdminKey);
        const auto started = gateway.start();
        QVERIFY2(started.isEmpty(), qPrintable(started));
        auto attached = attach(gateway.base());
        InstancesPage page(*attached.bridge);
        QTRY_VERIFY_WITH_TIMEOUT(attached.console->source().link == sb::ConsoleSource::Link::Connected, 5000);
        page.refresh();
        QVERIFY2(page.summaryText().contains("stands alone"), qPrintable(page.summaryText()));
        QCOMPARE(page.table()->rowCount(), 0);
    }
};

QTEST_MAIN(TestInstancesPage)
#include "tst_instances_page.moc"
