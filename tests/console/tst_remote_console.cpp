// RemoteConsole against real `switchboard-gateway serve` processes: it attaches, its figures
// equal the gateway's own counters, a change applied through it is read back from the admin
// API with its author, a change on a stale version is refused with 409, a wrong admin key
// is named, a killed gateway shows as disconnected within 2 s and is found again by itself
// (the outage a gap in the figures), and history pages come from the gateway.
#include <QTemporaryDir>
#include <QtTest>


#include "../support/console_replies.h"
#include "../support/gateway_calls.h"
#include "../support/serve_process.h"
#include "../support/test_ca.h"
#include "console/remote_console.h"
#include "transport/http_client.h"

using namespace std::chrono_literals;
using sb::test::Replies;

namespace {

constexpr const char* kAdminKey = "adm-remote-console-test-7f3a";

// The gateway's own answer; with the admin key unless `admin` is false.
sb::test::Fetched fetch(sb::HttpClient& client, std::string method, std::string url, std::string body = {},
                        bool admin = true) {
    return sb::test::fetch(client, std::move(method), std::move(url), std::move(body), admin ? kAdminKey : "");
}

using sb::test::chat_body;
using sb::test::requests_counted;

std::unique_ptr<sb::RemoteConsole> attach(const std::string& url, std::string key = kAdminKey, std::string who = "alice") {
    auto console = sb::RemoteConsole::create({.url = url, .admin_key = std::move(key), .operator_name = std::move(who)});
    if (!console) qFatal("%s", console.error().c_str());
    (*console)->connect();
    return std::move(*console);
}

}  // namespace

class TestRemoteConsole : public QObject {
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_dir;  // a database of its own for each test
    std::unique_ptr<sb::test::ServeProcess> m_gateway;
    sb::HttpClient m_client;

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

    void attachesAndShowsTheGatewaysOwnCounts() {
        auto console = attach(m_gateway->base());
        QVERIFY(console->wait_connected(5s));
        const auto source = console->source();
        QCOMPARE(source.link, sb::ConsoleSource::Link::Connected);
        QVERIFY2(source.name.starts_with("gw-test"), source.name.c_str());
        QVERIFY2(source.detail.find("up") != std::string::npos, source.detail.c_str());
        QVERIFY(console->demo_mode());
        QVERIFY(!console->providers().empty());
        QVERIFY(console->providers()[0].api_key.empty());

        for (int i = 0; i < 25; ++i)
            QCOMPARE(fetch(m_client, "POST", m_gateway->base() + "/v1/chat/completions", chat_body("q" + std::to_string(i)), false).status,
                     200);
        const double counted = requests_counted(fetch(m_client, "GET", m_gateway->base() + "/metrics").body);
        QCOMPARE(counted, 25.0);
        QTRY_COMPARE_WITH_TIMEOUT(console->metrics(5min, 1s).requests, std::uint64_t(25), 2000);
        // The totals and the counters come with the stream's later ticks, not with the seconds.
        QTRY_COMPARE_WITH_TIMEOUT(console->metrics(5min, 1s).lifetime_requests, std::uint64_t(25), 3000);
        QTRY_COMPARE_WITH_TIMEOUT(console->stats().succeeded, std::uint64_t(25), 3000);
        std::uint64_t by_target = 0;
        for (const auto& target : console->metrics_by_target(5min)) by_target += target.latency.count();
        QCOMPARE(by_target, std::uint64_t(25));  // histograms arrive whole: every request in one bucket
    }

    void aWeightAppliedHereIsReadBackFromTheGateway() {
        auto console = attach(m_gateway->base(), kAdminKey, "alice@desk");
        QVERIFY(console->wait_connected(5s));
        auto routing = console->routing();
        QVERIFY(!routing.tiers.empty() && !routing.tiers[0].targets.empty());
        const double weight = routing.tiers[0].targets[0].weight + 17;
        routing.tiers[0].targets[0].weight = weight;

        Replies<sb::ConfigVersion> applied;
        console->apply_routing(routing, {console->versions().routing, {}}, applied.reply());
        QVERIFY(applied.wait());
        QVERIFY2(applied.result->has_value(), applied.result->error().message.c_str());
        QCOMPARE((*applied.result)->author, std::string("alice@desk"));

        const auto read = fetch(m_client, "GET", m_gateway->base() + "/admin/v1/routing");
        QCOMPARE(read.status, 200);
        QCOMPARE(read.json()["routing"]["tiers"][0]["targets"][0]["weight"].get<double>(), weight);
        QCOMPARE(read.json()["config_versions"].back()["author"].get<std::string>(), std::string("alice@desk"));
        // The stream brings the change back to the console's own copy.
        QTRY_COMPARE_WITH_TIMEOUT(console->routing().tiers[0].targets[0].weight, weight, 3000);

        // Every setting says who changed it last.
        Replies<void> prices;
        console->apply_prices(*console->prices(), {console->versions().prices, {}}, prices.reply());
        QVERIFY(prices.wait());
        QVERIFY2(prices.result->has_value(), prices.result->error().message.c_str());
        const auto read_prices = fetch(m_client, "GET", m_gateway->base() + "/admin/v1/prices").json();
        QCOMPARE(read_prices["changed"]["author"].get<std::string>(), std::string("alice@desk"));
        QCOMPARE(read_prices["changed"]["version"].get<std::uint64_t>(), read_prices["version"].get<std::uint64_t>());
        QCOMPARE(console->changes().prices.author, std::string("alice@desk"));
    }

    void alertsFiringOnTheGatewayReachTheConsole() {
        auto console = attach(m_gateway->base(), kAdminKey, "alice");
        QVERIFY(console->wait_connected(5s));
        std::mutex mutex;
        std::vector<sb::AlertEvent> heard;
        const auto token = console->subscribe_alerts([&](const sb::AlertEvent& event) {
            std::lock_guard lock(mutex);
            heard.push_back(event);
        });
        QCOMPARE(console->alerts(0).firing, std::size_t(0));

        // A p99 rule any request breaks, judged over 10 s at once, applied from the console.
        auto rules = console->alert_rules();
        auto latency = std::find_if(rules.begin(), rules.end(), [](const auto& r) { return r.kind == sb::AlertKind::LatencyP99; });
        QVERIFY(latency != rules.end());
        latency->threshold = 0.000001;
        latency->window = 10s;
        latency->for_duration = 0s;
        Replies<void> applied;
        console->apply_alert_rules(rules, {console->versions().alert_rules, {}}, applied.reply());
        QVERIFY(applied.wait());
        QVERIFY2(applied.result->has_value(), applied.result->error().message.c_str());
        QCOMPARE(console->changes().alert_rules.author, std::string("alice"));

        for (int i = 0; i < 25; ++i)
            QCOMPARE(fetch(m_client, "POST", m_gateway->base() + "/v1/chat/completions", chat_body("a" + std::to_string(i)), false).status,
                     200);
        QTRY_VERIFY_WITH_TIMEOUT(console->alerts(0).firing >= 1, 5000);
        const auto snapshot = console->alerts(0);
        QVERIFY(std::any_of(snapshot.events.begin(), snapshot.events.end(), [&](const sb::AlertEvent& e) {
            return e.rule == latency->name && e.state == sb::AlertState::Firing;
        }));
        QTRY_VERIFY_WITH_TIMEOUT(([&] {
                                     std::lock_guard lock(mutex);
                                     return !heard.empty() && heard.front().rule == latency->name;
                                 }()),
                                 3000);
        console->unsubscribe_alerts(token);
    }

    void aChangeOnAStaleVersionGetsTheConflict() {
        auto alice = attach(m_gateway->base(), kAdminKey, "alice");
        auto bob = attach(m_gateway->base(), kAdminKey, "bob");
        QVERIFY(alice->wait_connected(5s) && bob->wait_connected(5s));
        const auto loaded = bob->versions().routing;
        auto routing = alice->routing();
        routing.tiers[0].description = "alice's";
        Replies<sb::ConfigVersion> first;
        alice->apply_routing(routing, {loaded, {}}, first.reply());
        QVERIFY(first.wait());
        QVERIFY(first.result->has_value());

        routing.tiers[0].description = "bob's";
        Replies<sb::ConfigVersion> stale;
        bob->apply_routing(routing, {loaded, {}}, stale.reply());
        QVERIFY(stale.wait());
        QVERIFY(!stale.result->has_value());
        QCOMPARE(stale.result->error().current_version, std::optional<std::uint64_t>(loaded + 1));
        QVERIFY2(stale.result->error().message.find("changed since you loaded") != std::string::npos,
                 stale.result->error().message.c_str());

        const auto raw = fetch(m_client, "PUT", m_gateway->base() + "/admin/v1/routing",
                               nlohmann::json{{"routing", sb::to_json(routing)}, {"base_version", loaded}}.dump());
        QCOMPARE(raw.status, 409);
        QCOMPARE(raw.json()["error"]["current_version"].get<std::uint64_t>(), loaded + 1);
        QCOMPARE(fetch(m_client, "GET", m_gateway->base() + "/admin/v1/routing").json()["routing"]["tiers"][0]["description"],
                 "alice's");
    }

    void aWrongAdminKeyIsNamed() {
        auto console = attach(m_gateway->base(), "not-the-admin-key");
        QVERIFY(!console->wait_connected(5s));
        const auto source = console->source();
        QCOMPARE(source.link, sb::ConsoleSource::Link::Disconnected);
        QVERIFY2(source.detail.find("refused the admin key") != std::string::npos, source.detail.c_str());
        Replies<std::vector<sb::GatewayKeyInfo>> keys;
        console->list_keys(keys.reply());
        QVERIFY(keys.wait());
        QVERIFY(!keys.result->has_value());
        QVERIFY2(keys.result->error().message.find("refused the admin key") != std::string::npos,
                 keys.result->error().message.c_str());
    }

    void overHttpsTheCertificateIsChecked() {
        sb::test::TestCa ca(m_dir->path());
        QVERIFY(ca.make_ca("ours") && ca.make_ca("theirs") && ca.make_server_cert("gateway", "ours", 1));
        m_gateway = std::make_unique<sb::test::ServeProcess>(
            *m_dir, kAdminKey, QStringList{"--tls-cert", ca.path("gateway.pem"), "--tls-key", ca.path("gateway.key")});
        const auto started = m_gateway->start();
        QVERIFY2(started.isEmpty(), qPrintable(started));
        QVERIFY(m_gateway->base().starts_with("https://"));

        auto trusted = sb::RemoteConsole::create(
            {.url = m_gateway->base(), .admin_key = kAdminKey, .ca_file = ca.path("ours-ca.pem").toStdString()});
        QVERIFY(trusted.has_value());
        (*trusted)->connect();
        QVERIFY((*trusted)->wait_connected(5s));

        auto wrong = sb::RemoteConsole::create(
            {.url = m_gateway->base(), .admin_key = kAdminKey, .ca_file = ca.path("theirs-ca.pem").toStdString()});
        QVERIFY(wrong.has_value());
        (*wrong)->connect();
        QVERIFY(!(*wrong)->wait_connected(5s));
        const auto detail = (*wrong)->source().detail;
        QVERIFY2(detail.find("certificate") != std::string::npos, detail.c_str());
    }

    void detachingWhileTheFirstStateIsReadIsSafe() {
        // The first state starts a backfill call from the transport's thread: a console let go
        // at that moment must not send through a transport that is going away.
        for (int i = 0; i < 40; ++i) {
            auto console = attach(m_gateway->base());
            if (i % 2 == 0) QVERIFY(console->wait_connected(5s));
        }
        auto last = attach(m_gateway->base());
        QVERIFY(last->wait_connected(5s));
    }

    void plainHttpIsForThisMachineOnly() {
        const auto refused = sb::RemoteConsole::create({.url = "http://10.20.30.40:8080", .admin_key = "k"});
        QVERIFY(!refused.has_value());
        QVERIFY2(refused.error().find("https") != std::string::npos, refused.error().c_str());
        QVERIFY(sb::RemoteConsole::create({.url = "https://10.20.30.40:8443", .admin_key = "k"}).has_value());
        QVERIFY(!sb::RemoteConsole::create({.url = "https://10.20.30.40:8443", .admin_key = ""}).has_value());
    }

    void aKilledGatewayShowsAsLostAndIsFoundAgain() {
        auto console = attach(m_gateway->base());
        QVERIFY(console->wait_connected(5s));
        const int port = m_gateway->port();

        QElapsedTimer lost;
        m_gateway->kill();
        lost.start();
        QTRY_COMPARE_WITH_TIMEOUT(console->source().link, sb::ConsoleSource::Link::Disconnected, 2000);
        QVERIFY2(lost.elapsed() <= 2000, qPrintable(QString::number(lost.elapsed())));
        QVERIFY2(console->source().detail.find("retrying in") != std::string::npos, console->source().detail.c_str());
        QTest::qWait(3000);  // an outage of a few seconds

        const auto restarted = m_gateway->start(port);
        QVERIFY2(restarted.isEmpty(), qPrintable(restarted));
        QTRY_COMPARE_WITH_TIMEOUT(console->source().link, sb::ConsoleSource::Link::Connected, 15000);

        // The outage is a gap, not a line across it; the seconds on either side are known.
        QTest::qWait(2000);  // ticks of the restarted gateway
        const auto frames = console->metrics(30s, 1s).frames;
        int gaps = 0;
        for (const auto& frame : frames) gaps += frame.gap ? 1 : 0;
        QVERIFY2(gaps >= 2, qPrintable(QString("%1 gap frames").arg(gaps)));
        QVERIFY(gaps < int(frames.size()));
    }

    void historyPagesComeFromTheGateway() {
        for (int i = 0; i < 12; ++i)
            QCOMPARE(fetch(m_client, "POST", m_gateway->base() + "/v1/chat/completions", chat_body("history " + std::to_string(i)), false)
                         .status,
                     200);
        auto console = attach(m_gateway->base());
        QVERIFY(console->wait_connected(5s));
        auto history = console->open_history();
        QTRY_COMPARE_WITH_TIMEOUT(history->count({}).value_or(-1), std::int64_t(12), 5000);
        const auto first = history->page({}, std::nullopt, 5);
        QVERIFY2(first.has_value(), first ? "" : first.error().c_str());
        QCOMPARE(first->rows.size(), std::size_t(5));
        QVERIFY(first->next.has_value());
        const auto second = history->page({}, first->next, 10);
        QVERIFY(second.has_value());
        QCOMPARE(second->rows.size(), std::size_t(7));
        QVERIFY(!second->next.has_value());
        QVERIFY(first->rows.front().ts_ms >= second->rows.back().ts_ms);
        QVERIFY(!first->rows.front().prompt_text.empty());
        sb::HistoryFilter errors;
        errors.status = sb::RequestStatus::Error;
        QCOMPARE(history->count(errors).value_or(-1), std::int64_t(0));

        // The Dashboard's long ranges: per-minute rollups by provider, from the gateway's file.
        const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
        const auto rollups = history->rollups(now - 3'600'000, now + 60'000);
        QVERIFY2(rollups.has_value(), rollups ? "" : rollups.error().c_str());
        std::int64_t rolled_up = 0;
        for (const auto& row : *rollups) {
            QVERIFY(!row.provider.empty());
            rolled_up += row.requests;
        }
        QCOMPARE(rolled_up, std::int64_t(12));
    }
};

QTEST_GUILESS_MAIN(TestRemoteConsole)
#include "tst_remote_console.moc"
