// The console's pages on a gateway across the network (RemoteConsole over real `serve`
// processes, offscreen): the Dashboard shows the gateway's own counts within 2 s, a weight
// applied on the Routing page is what the gateway's admin API reads back, a change made on
// routing someone changed in between is refused and the page says so, the status bar names
// a lost gateway within 2 s and its return, the outage breaks the chart's lines, and the
// History page pages the gateway's database.
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>


#include "../support/gateway_calls.h"
#include "../support/serve_process.h"
#include "console/remote_console.h"
#include "dashboard/dashboard_page.h"
#include "engine_bridge.h"
#include "history/history_model.h"
#include "history/history_page.h"
#include "routing/routing_page.h"
#include "routing/tier_editor.h"
#include "routing/weight_editor.h"
#include "status_summary.h"
#include "transport/http_client.h"

using namespace std::chrono_literals;

namespace {

constexpr const char* kAdminKey = "adm-remote-pages-test-51c2";

sb::test::Fetched fetch(sb::HttpClient& client, std::string method, std::string url, std::string body = {}) {
    return sb::test::fetch(client, std::move(method), std::move(url), std::move(body), kAdminKey);
}

using sb::test::requests_counted;

// A console attached to the gateway, as `switchboard --connect` makes it.
struct Attached {
    std::unique_ptr<sb::RemoteConsole> console;
    std::unique_ptr<EngineBridge> bridge;
};

Attached attach(const std::string& url, std::string key = kAdminKey) {
    auto console = sb::RemoteConsole::create({.url = url, .admin_key = std::move(key), .operator_name = "ops@desk"});
    if (!console) qFatal("%s", console.error().c_str());
    (*console)->connect();
    Attached attached{std::move(*console), nullptr};
    attached.bridge = std::make_unique<EngineBridge>(*attached.console);
    return attached;
}

template <class Page>
std::unique_ptr<Page> shown(EngineBridge& bridge) {
    auto page = std::make_unique<Page>(bridge);
    page->resize(1200, 800);
    page->show();
    if (!QTest::qWaitForWindowExposed(page.get())) qFatal("the page was not shown");
    return page;
}

}  // namespace

class TestRemotePages : public QObject {
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<sb::test::ServeProcess> m_gateway;
    sb::HttpClient m_client;

    void send(int n) {
        for (int i = 0; i < n; ++i) {
            QCOMPARE(fetch(m_client, "POST", m_gateway->base() + "/v1/chat/completions", sb::test::chat_body("q" + std::to_string(i))).status,
                     200);
        }
    }

    // What the Dashboard's request-rate chart adds up to: requests/s × 1 s per point.
    static double requests_drawn(const DashboardPage& page) {
        double total = 0;
        for (const auto& name : page.seriesNames(ChartId::RequestRate))
            for (const auto& point : page.seriesPoints(ChartId::RequestRate, name)) total += point.y();
        return total;
    }

private slots:
    void init() {
        m_dir = std::make_unique<QTemporaryDir>();
        m_gateway = std::make_unique<sb::test::ServeProcess>(*m_dir, kAdminKey);
        const auto started = m_gateway->start();
        QVERIFY2(started.isEmpty(), qPrintable(started));
    }
    void cleanup() {
        m_gateway.reset();
        m_dir.reset();
    }

    void theDashboardShowsTheGatewaysCountsWithinTwoSeconds() {
        auto attached = attach(m_gateway->base());
        QVERIFY(attached.console->wait_connected(5s));
        auto page = shown<DashboardPage>(*attached.bridge);
        send(30);
        const double counted = requests_counted(fetch(m_client, "GET", m_gateway->base() + "/metrics").body);
        QCOMPARE(counted, 30.0);
        QElapsedTimer since;
        since.start();
        QTRY_COMPARE_WITH_TIMEOUT(requests_drawn(*page), counted, 2000);
        QVERIFY(since.elapsed() <= 2000);
    }

    void aWeightAppliedOnTheRoutingPageIsTheGatewaysAndAStaleOneIsRefused() {
        auto alice = attach(m_gateway->base());
        auto bob = attach(m_gateway->base());
        QVERIFY(alice.console->wait_connected(5s) && bob.console->wait_connected(5s));
        auto alicePage = shown<RoutingPage>(*alice.bridge);
        auto bobPage = shown<RoutingPage>(*bob.bridge);
        alicePage->refreshLive();
        bobPage->refreshLive();

        const int weight = alicePage->tierEditor()->weightEditor(0)->value() == 70 ? 65 : 70;
        alicePage->tierEditor()->weightEditor(0)->spinBox()->setValue(weight);
        QVERIFY(alicePage->apply());
        QTRY_VERIFY_WITH_TIMEOUT(alicePage->statusText().contains(QStringLiteral("Applied")), 5000);
        const auto read = nlohmann::json::parse(fetch(m_client, "GET", m_gateway->base() + "/admin/v1/routing").body);
        QCOMPARE(read["routing"]["tiers"][0]["targets"][0]["weight"].get<double>(), double(weight));
        QCOMPARE(read["config_versions"].back()["author"].get<std::string>(), std::string("ops@desk"));

        // A second change at once is made on the first: the page's own change is no conflict.
        alicePage->tierEditor()->weightEditor(0)->spinBox()->setValue(weight + 1);
        QVERIFY(alicePage->apply());
        const auto liveWeight = [this] {
            const auto routing = nlohmann::json::parse(fetch(m_client, "GET", m_gateway->base() + "/admin/v1/routing").body);
            return routing["routing"]["tiers"][0]["targets"][0]["weight"].get<double>();
        };
        QTRY_COMPARE_WITH_TIMEOUT(liveWeight(), double(weight + 1), 5000);
        QVERIFY2(!alicePage->statusText().contains(QStringLiteral("Not applied")), qPrintable(alicePage->statusText()));
        const int bobsBase = weight + 1;

        // Bob's draft follows the routing he loaded, from before Alice's change reached him.
        bobPage->tierEditor()->weightEditor(0)->spinBox()->setValue(weight == 70 ? 20 : 25);  // ≠ bobsBase
        QVERIFY(bobPage->apply());
        QTRY_VERIFY_WITH_TIMEOUT(bobPage->statusText().contains(QStringLiteral("changed since you loaded")), 5000);
        const auto after = nlohmann::json::parse(fetch(m_client, "GET", m_gateway->base() + "/admin/v1/routing").body);
        QCOMPARE(after["routing"]["tiers"][0]["targets"][0]["weight"].get<double>(), double(bobsBase));
    }

    void theStatusBarNamesALostGatewayAndItsReturnAndTheChartsShowTheGap() {
        auto attached = attach(m_gateway->base());
        QVERIFY(attached.console->wait_connected(5s));
        StatusSummary status(*attached.bridge);
        auto dashboard = shown<DashboardPage>(*attached.bridge);
        QTRY_VERIFY_WITH_TIMEOUT(status.text().contains(QStringLiteral("gw-test")), 2000);
        QVERIFY2(status.text().contains(QStringLiteral(" up")), qPrintable(status.text()));
        const int port = m_gateway->port();
        send(5);

        m_gateway->kill();
        QElapsedTimer lost;
        lost.start();
        QTRY_VERIFY_WITH_TIMEOUT(status.text().contains(QStringLiteral("disconnected")), 2000);
        QVERIFY(lost.elapsed() <= 2000);
        QTest::qWait(3000);
        const auto restarted = m_gateway->start(port);
        QVERIFY2(restarted.isEmpty(), qPrintable(restarted));
        QTRY_VERIFY_WITH_TIMEOUT(!status.text().contains(QStringLiteral("disconnected")), 15000);
        QVERIFY2(status.text().contains(QStringLiteral(" up")), qPrintable(status.text()));
        send(5);

        // Before and after the outage the line is drawn; across it, not.
        QTRY_VERIFY_WITH_TIMEOUT(!dashboard->seriesNames(ChartId::RequestRate).isEmpty(), 5000);
        const QString provider = dashboard->seriesNames(ChartId::RequestRate).value(0);
        QTRY_VERIFY_WITH_TIMEOUT(dashboard->seriesRunCount(ChartId::RequestRate, provider) >= 2, 5000);
    }

    void aWrongAdminKeyIsNamedInTheStatusBar() {
        auto attached = attach(m_gateway->base(), "not-the-admin-key");
        StatusSummary status(*attached.bridge);
        QTRY_VERIFY_WITH_TIMEOUT(status.text().contains(QStringLiteral("refused the admin key")), 5000);
    }

    void theHistoryPagePagesTheGatewaysDatabase() {
        send(25);
        auto attached = attach(m_gateway->base());
        QVERIFY(attached.console->wait_connected(5s));
        auto written = attached.console->open_history();  // the gateway's writer commits in batches
        QTRY_COMPARE_WITH_TIMEOUT(written->count({}).value_or(-1), std::int64_t(25), 5000);
        auto page = shown<HistoryPage>(*attached.bridge);
        QTRY_COMPARE_WITH_TIMEOUT(page->model()->totalCount().value_or(-1), qint64(25), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(page->model()->rowCount() > 0, 5000);
    }
};

QTEST_MAIN(TestRemotePages)
#include "tst_remote_pages.moc"
