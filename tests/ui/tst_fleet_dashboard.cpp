// A console attached to one gateway of a fleet (a real redis-server and two real `serve`
// processes) sees the whole fleet: FleetView attaches the other instance through the registry,
// its figures are both instances' requests added together (histograms merged), one instance's
// alone when the Dashboard's instance box names it, its history both instances' rows merged by
// time, and settings stay the fleet's.
#include <QComboBox>
#include <QTemporaryDir>
#include <QtTest>

#include <array>
#include <set>

#include "../support/fleet_config.h"
#include "../support/gateway_calls.h"
#include "../support/redis_server.h"
#include "../support/serve_process.h"
#include "console/fleet_view.h"
#include "dashboard/dashboard_page.h"
#include "engine_bridge.h"
#include "transport/http_client.h"

using namespace std::chrono_literals;

namespace {

constexpr const char* kAdminKey = "adm-fleet-dashboard-3b7c";

std::uint64_t requests_seen(const sb::ConsoleApi& console) { return console.metrics(5min, 1s).requests; }

}  // namespace

class TestFleetDashboard : public QObject {
    Q_OBJECT

private slots:
    void theFleetAddedTogetherOrOneInstance() {
        sb::test::RedisServer redis;
        QVERIFY2(redis.error().empty(), redis.error().c_str());
        std::array<QTemporaryDir, 2> dirs;
        std::array<std::unique_ptr<sb::test::ServeProcess>, 2> gateways;
        for (int i = 0; i < 2; ++i) {
            gateways[i] = std::make_unique<sb::test::ServeProcess>(
                dirs[i], kAdminKey, QStringList{"--config", sb::test::write_fleet_config(dirs[i].path(), redis.port(), 1000)});
            gateways[i]->set_name(QString("gw-%1").arg(i + 1));
            const auto started = gateways[i]->start();
            QVERIFY2(started.isEmpty(), qPrintable(started));
        }
        const sb::RemoteConsoleOptions options{.url = gateways[0]->base(), .admin_key = kAdminKey, .operator_name = "ops"};
        auto primary = sb::RemoteConsole::create(options);
        QVERIFY(primary);
        (*primary)->connect();
        sb::FleetView view(std::move(*primary), options);
        QTRY_VERIFY_WITH_TIMEOUT(view.instances() == (std::vector<std::string>{"gw-1", "gw-2"}), 8000);

        // 5 requests to gw-1, 3 to gw-2, none through the console.
        sb::HttpClient client;
        for (int i = 0; i < 8; ++i) {
            const auto answer = sb::test::fetch(client, "POST", gateways[i < 5 ? 0 : 1]->base() + "/v1/chat/completions",
                                                sb::test::chat_body("fleet dashboard question " + std::to_string(i)));
            QCOMPARE(answer.status, 200);
        }
        QTRY_COMPARE_WITH_TIMEOUT(requests_seen(view), std::uint64_t(8), 8000);
        view.set_scope("gw-2");
        QCOMPARE(requests_seen(view), std::uint64_t(3));
        view.set_scope("gw-1");
        QCOMPARE(requests_seen(view), std::uint64_t(5));
        view.set_scope("");
        // The fleet's percentiles come from the merged histograms: between the instances' own.
        const auto all = view.metrics(5min, 1s);
        view.set_scope("gw-1");
        const auto first = view.metrics(5min, 1s);
        view.set_scope("gw-2");
        const auto second = view.metrics(5min, 1s);
        QVERIFY(all.p99_ms >= std::min(first.p99_ms, second.p99_ms) && all.p99_ms <= std::max(first.p99_ms, second.p99_ms));
        QCOMPARE(all.cost_usd, first.cost_usd + second.cost_usd);
        view.set_scope("");

        // History: both instances' rows, merged by time, paged without a row twice or missed.
        auto history = view.open_history();
        QTRY_COMPARE_WITH_TIMEOUT(history->count({}).value_or(-1), std::int64_t(8), 5000);
        auto first_page = history->page({}, std::nullopt, 5);
        QVERIFY2(first_page.has_value(), first_page ? "" : first_page.error().c_str());
        QCOMPARE(first_page->rows.size(), std::size_t(5));
        QVERIFY(first_page->next.has_value());
        auto second_page = history->page({}, first_page->next, 5);
        QVERIFY(second_page.has_value());
        QCOMPARE(second_page->rows.size(), std::size_t(3));
        QVERIFY(!second_page->next.has_value());
        std::set<std::string> texts;
        std::vector<sb::HistoryRecord> rows = first_page->rows;
        rows.insert(rows.end(), second_page->rows.begin(), second_page->rows.end());
        for (std::size_t i = 0; i < rows.size(); ++i) {
            texts.insert(rows[i].request_id);
            if (i > 0) QVERIFY(rows[i - 1].ts_ms > rows[i].ts_ms || (rows[i - 1].ts_ms == rows[i].ts_ms && rows[i - 1].id > rows[i].id));
        }
        QCOMPARE(texts.size(), std::size_t(8));

        // The Dashboard's instance box: all, or one.
        EngineBridge bridge(view);
        DashboardPage page(bridge);
        page.setInstanceChoice([&view] { return view.instances(); }, [&view](const std::string& id) { view.set_scope(id); });
        page.resize(1200, 800);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        auto* box = page.instanceBox();
        QVERIFY(box->isVisible());
        QCOMPARE(box->count(), 3);
        QCOMPARE(box->itemText(0), QString("All instances"));
        box->setCurrentIndex(2);
        emit box->activated(2);
        QCOMPARE(view.scope(), std::string("gw-2"));
        QCOMPARE(page.kpiText(DashboardPage::Kpi::RequestsPerSecond).isEmpty(), false);

        // Settings are the fleet's, through the primary: a change reaches the other instance.
        auto routing = view.routing();
        routing.tiers.front().targets.front().weight = 5;
        std::optional<sb::ConsoleResult<sb::ConfigVersion>> applied;
        view.apply_routing(routing, {view.versions().routing, "ops"}, [&](sb::ConsoleResult<sb::ConfigVersion> r) { applied = std::move(r); });
        QTRY_VERIFY_WITH_TIMEOUT(applied.has_value(), 5000);
        QVERIFY2(applied->has_value(), applied->has_value() ? "" : applied->error().message.c_str());
        QTRY_VERIFY_WITH_TIMEOUT(
            sb::test::fetch(client, "GET", gateways[1]->base() + "/admin/v1/routing", {}, kAdminKey)
                    .json()["routing"]["tiers"][0]["targets"][0]
                    .value("weight", 0) == 5,
            3000);
    }
};

QTEST_MAIN(TestFleetDashboard)
#include "tst_fleet_dashboard.moc"
