// A fleet as operators run it: a real redis-server and three real `switchboard-gateway serve`
// processes sharing it. A key's rpm limit holds across the three exactly, a budget spent on
// one instance refuses on another, routing applied through one is live on the others within
// a second (limits and revocations of keys too), a stale apply gets 409, a late instance
// starts from the fleet's settings, a killed instance leaves the registry within 6 s, a Redis
// that stops answering costs requests only its timeout, and with Redis killed requests still
// answer while changes are refused, until Redis is back.
#include <signal.h>

#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <array>
#include <thread>

#include "../support/fleet_config.h"
#include "../support/gateway_calls.h"
#include "../support/redis_server.h"
#include "../support/serve_process.h"
#include "transport/http_client.h"

using namespace std::chrono_literals;

namespace {

constexpr const char* kAdminKey = "adm-fleet-test-51c2";
constexpr int kInstances = 3;

// Longer than the shipped command timeout: see write_fleet_config.
constexpr int kCommandTimeoutMs = 1000;

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    QElapsedTimer waited;
    waited.start();
    while (waited.elapsed() < limit.count()) {
        if (done()) return true;
        std::this_thread::sleep_for(50ms);
    }
    return done();
}

}  // namespace

class TestFleet : public QObject {
    Q_OBJECT

    std::unique_ptr<sb::test::RedisServer> m_redis;
    std::array<std::unique_ptr<QTemporaryDir>, kInstances> m_dirs;
    std::array<std::unique_ptr<sb::test::ServeProcess>, kInstances> m_gateways;
    sb::HttpClient m_client;

    sb::test::Fetched admin(int instance, std::string method, const std::string& path, std::string body = {}) {
        return sb::test::fetch(m_client, std::move(method), m_gateways[instance]->base() + path, std::move(body), kAdminKey);
    }
    sb::test::Fetched chat(int instance, const std::string& key, const std::string& text) {
        return sb::test::fetch(m_client, "POST", m_gateways[instance]->base() + "/v1/chat/completions",
                               sb::test::chat_body(text), key);
    }
    std::string metrics(int instance) {
        return sb::test::fetch(m_client, "GET", m_gateways[instance]->base() + "/metrics", {}, kAdminKey).body;
    }

    // A key made through instance 0, once every instance knows it (GET /v1/models only
    // authenticates: it counts against no limit).
    std::string create_key(const nlohmann::json& limits) {
        const auto created = admin(0, "POST", "/admin/v1/keys", nlohmann::json{{"name", "fleet-test"}, {"limits", limits}}.dump());
        if (created.status != 200) qFatal("key not created: %d %s", created.status, created.body.c_str());
        const auto secret = created.json().value("secret", "");
        for (int i = 0; i < kInstances; ++i) {
            const bool known = wait_until(
                [&] {
                    return sb::test::fetch(m_client, "GET", m_gateways[i]->base() + "/v1/models", {}, secret).status == 200;
                },
                3s);
            if (!known) qFatal("instance %d never learnt the key", i);
        }
        return secret;
    }

    nlohmann::json fleet_of(int instance) { return admin(instance, "GET", "/admin/v1/fleet").json(); }

private slots:
    void init() {
        m_redis = std::make_unique<sb::test::RedisServer>();
        QVERIFY2(m_redis->error().empty(), m_redis->error().c_str());
        // One test caps the whole fleet's spend for the day.
        const bool capped = QTest::currentTestFunction() == std::string_view("aGlobalBudgetCountsEveryInstance");
        const auto budgets = capped ? nlohmann::json::array({{{"name", "daily cap"},
                                                              {"period", "daily"},
                                                              {"limit_usd", 0.0000001},
                                                              {"threshold", 1.0},
                                                              {"action", "refuse"}}})
                                    : nlohmann::json();
        for (int i = 0; i < kInstances; ++i) {
            m_dirs[i] = std::make_unique<QTemporaryDir>();
            const auto config = sb::test::write_fleet_config(m_dirs[i]->path(), m_redis->port(), kCommandTimeoutMs, budgets);
            m_gateways[i] = std::make_unique<sb::test::ServeProcess>(*m_dirs[i], kAdminKey, QStringList{"--config", config});
            m_gateways[i]->set_name(QString("gw-%1").arg(i + 1));
            m_gateways[i]->require_keys();
            const auto started = m_gateways[i]->start();
            QVERIFY2(started.isEmpty(), qPrintable(started));
        }
        // Every instance sees the three.
        for (int i = 0; i < kInstances; ++i)
            QVERIFY2(wait_until([&] { return fleet_of(i).value("live_instances", 0) == kInstances; }, 5s),
                     fleet_of(i).dump().c_str());
    }
    void cleanup() {
        for (auto& gateway : m_gateways) gateway.reset();
        for (auto& dir : m_dirs) dir.reset();
        m_redis.reset();
    }

    void aKeysRequestsPerMinuteHoldAcrossTheFleet() {
        const auto key = create_key({{"rpm", 30}});
        int accepted = 0, refused = 0;
        QElapsedTimer sending;
        sending.start();
        for (int i = 0; i < 90; ++i) {
            const auto answer = chat(i % kInstances, key, "fleet rpm question " + std::to_string(i));
            if (answer.status == 200) {
                ++accepted;
            } else {
                QCOMPARE(answer.status, 429);
                const auto retry_after = answer.header("retry-after");
                QVERIFY2(!retry_after.empty() && std::stoi(retry_after) >= 1 && std::stoi(retry_after) <= 60,
                         answer.body.c_str());
                QVERIFY2(answer.body.find("across the fleet") != std::string::npos, answer.body.c_str());
                ++refused;
            }
        }
        QVERIFY2(sending.elapsed() < 10'000, qPrintable(QString("90 requests took %1 ms").arg(sending.elapsed())));
        QCOMPARE(accepted, 30);
        QCOMPARE(refused, 60);
    }

    void aBudgetSpentOnOneInstanceRefusesOnAnother() {
        // Any priced answer spends more than this.
        const auto key = create_key({{"monthly_budget_usd", 0.0000001}});
        // Until gw-1 itself refuses: a priced answer was charged (a local model's is free).
        QCOMPARE(chat(0, key, "spend the budget on gw-1").status, 200);
        int sent = 1;
        while (sent < 20 && chat(0, key, "spend more on gw-1, " + std::to_string(sent)).status == 200) ++sent;
        QVERIFY2(sent < 20, "gw-1 never refused: no answer was priced");
        sb::test::Fetched refused;
        QVERIFY(wait_until(
            [&] {
                refused = chat(1, key, "another question on gw-2");
                return refused.status == 429;
            },
            2s));
        QVERIFY2(refused.body.find("insufficient_quota") != std::string::npos, refused.body.c_str());
        QVERIFY2(refused.body.find("monthly budget across the fleet") != std::string::npos, refused.body.c_str());
        QCOMPARE(chat(2, key, "and on gw-3").status, 429);
    }

    void aGlobalBudgetCountsEveryInstance() {
        const auto key = create_key(nlohmann::json::object());
        // gw-1 spends until its own check refuses (a local model's answer is free).
        int sent = 0;
        sb::test::Fetched answer;
        while (sent < 20 && (answer = chat(0, key, "spend the day on gw-1, " + std::to_string(sent))).status == 200) ++sent;
        QVERIFY2(answer.status == 429, answer.body.c_str());
        QVERIFY2(answer.body.find("daily cap") != std::string::npos, answer.body.c_str());
        // gw-2 has spent nothing itself: the fleet's spend reaches its budget, and its first request is refused.
        nlohmann::json budgets;
        QVERIFY(wait_until(
            [&] {
                budgets = admin(1, "GET", "/admin/v1/state").json()["budgets"];
                return !budgets.empty() && budgets[0].value("spent_usd", 0.0) > 0;
            },
            3s));
        const auto refused = chat(1, key, "a question for gw-2");
        QCOMPARE(refused.status, 429);
        QVERIFY2(refused.body.find("daily cap") != std::string::npos, refused.body.c_str());
    }

    void routingAppliedThroughOneIsLiveOnTheOthersWithinASecond() {
        auto before = admin(0, "GET", "/admin/v1/routing").json();
        const auto base = before.value("version", 0);
        QVERIFY(base >= 1);
        auto routing = before["routing"];
        routing["tiers"][0]["targets"][0]["weight"] = 7;
        const auto applied = admin(0, "PUT", "/admin/v1/routing",
                                   nlohmann::json{{"routing", routing}, {"base_version", base}, {"author", "ops"}}.dump());
        QCOMPARE(applied.status, 200);
        QElapsedTimer since;
        since.start();
        for (int i = 1; i < kInstances; ++i) {
            const bool live = wait_until(
                [&] {
                    const auto now = admin(i, "GET", "/admin/v1/routing").json();
                    return now["routing"]["tiers"][0]["targets"][0].value("weight", 0) == 7 &&
                           now.value("version", 0) == base + 1 && now["changed"].value("author", "") == "ops";
                },
                2s);
            QVERIFY2(live, qPrintable(QString("instance %1").arg(i)));
        }
        QVERIFY2(since.elapsed() <= 1000, qPrintable(QString("live everywhere after %1 ms").arg(since.elapsed())));

        // The same base again, through another instance: stale.
        routing["tiers"][0]["targets"][0]["weight"] = 9;
        const auto stale = admin(2, "PUT", "/admin/v1/routing",
                                 nlohmann::json{{"routing", routing}, {"base_version", base}, {"author", "bob"}}.dump());
        QCOMPARE(stale.status, 409);
        QCOMPARE(stale.json()["error"].value("current_version", 0), base + 1);
        QCOMPARE(admin(1, "GET", "/admin/v1/routing").json()["routing"]["tiers"][0]["targets"][0].value("weight", 0), 7);
        // The unversioned admin route would change one instance alone: refused.
        QCOMPARE(admin(1, "PUT", "/admin/routing", routing.dump()).status, 409);
    }

    void keyChangesReachEveryInstance() {
        const auto key = create_key({{"rpm", 100}});
        const auto id = admin(0, "GET", "/admin/v1/keys").json()["keys"][0].value("id", "");
        QVERIFY(!id.empty());
        // Limits changed through gw-2 are gw-3's within a second.
        const auto changed = admin(1, "POST", "/admin/v1/keys/limits",
                                   nlohmann::json{{"key", id}, {"change", {{"rpm", 42}}}}.dump());
        QVERIFY2(changed.status == 200, changed.body.c_str());
        QVERIFY(wait_until(
            [&] {
                const auto keys = admin(2, "GET", "/admin/v1/keys").json()["keys"];
                return !keys.empty() && keys[0]["limits"].value("rpm", 0) == 42;
            },
            1s));
        // Revoked through gw-3: refused by gw-1 within a second.
        QCOMPARE(admin(2, "POST", "/admin/v1/keys/revoke", nlohmann::json{{"key", id}}.dump()).status, 200);
        QVERIFY(wait_until([&] { return chat(0, key, "after the revocation").status == 401; }, 1s));
    }

    void aNewInstanceStartsFromTheFleetsSettings() {
        auto before = admin(0, "GET", "/admin/v1/routing").json();
        auto routing = before["routing"];
        routing["tiers"][0]["targets"][0]["weight"] = 3;
        QCOMPARE(admin(0, "PUT", "/admin/v1/routing",
                       nlohmann::json{{"routing", routing}, {"base_version", before.value("version", 0)}}.dump())
                     .status,
                 200);
        QTemporaryDir dir;
        sb::test::ServeProcess late(dir, kAdminKey, QStringList{"--config", sb::test::write_fleet_config(dir.path(), m_redis->port(), kCommandTimeoutMs)});
        late.set_name("gw-late");
        late.require_keys();
        const auto started = late.start();
        QVERIFY2(started.isEmpty(), qPrintable(started));
        // Already when it first answers: it took the fleet's settings before listening.
        const auto its = sb::test::fetch(m_client, "GET", late.base() + "/admin/v1/routing", {}, kAdminKey).json();
        QCOMPARE(its["routing"]["tiers"][0]["targets"][0].value("weight", 0), 3);
        QCOMPARE(its.value("version", 0), before.value("version", 0) + 1);
        // And a second instance under a live one's name, elsewhere, is refused.
        QTemporaryDir twin_dir;
        sb::test::ServeProcess twin(twin_dir, kAdminKey,
                                    QStringList{"--config", sb::test::write_fleet_config(twin_dir.path(), m_redis->port(), kCommandTimeoutMs)});
        twin.set_name("gw-1");
        twin.require_keys();
        const auto refused = twin.start();
        QVERIFY2(refused.contains("another live instance of the fleet is named \"gw-1\""), qPrintable(refused));
    }

    void aKilledInstanceLeavesTheRegistryWithinSixSeconds() {
        m_gateways[2]->kill();
        QElapsedTimer since;
        since.start();
        nlohmann::json fleet;
        QVERIFY(wait_until(
            [&] {
                fleet = fleet_of(0);
                for (const auto& instance : fleet["instances"])
                    if (instance.value("id", "") == "gw-3") return !instance.value("live", true);
                return false;
            },
            8s));
        QVERIFY2(since.elapsed() <= 6000, qPrintable(QString("stopped after %1 ms").arg(since.elapsed())));
        QCOMPARE(fleet.value("live_instances", 0), 2);
        QVERIFY(metrics(1).find("switchboard_fleet_instances 2") != std::string::npos ||
                wait_until([&] { return metrics(1).find("switchboard_fleet_instances 2") != std::string::npos; }, 2s));
    }

    void aRedisThatStopsAnsweringCostsRequestsNothingLasting() {
        const auto key = create_key({{"rpm", 1000}});
        // Stopped, not gone: connections stay open and every command waits out its timeout.
        QCOMPARE(::kill(m_redis->pid(), SIGSTOP), 0);
        QElapsedTimer sending;
        sending.start();
        for (int i = 0; i < 12; ++i) QCOMPARE(chat(i % kInstances, key, "while redis is stopped " + std::to_string(i)).status, 200);
        // At most one command timeout per instance before each treats Redis as down for a second.
        QVERIFY2(sending.elapsed() < 8000, qPrintable(QString("12 requests took %1 ms").arg(sending.elapsed())));
        QVERIFY(wait_until([&] { return metrics(0).find("switchboard_fleet_degraded 1") != std::string::npos; }, 5s));
        QCOMPARE(::kill(m_redis->pid(), SIGCONT), 0);
        for (int i = 0; i < kInstances; ++i)
            QVERIFY(wait_until([&] { return metrics(i).find("switchboard_fleet_degraded 0") != std::string::npos; }, 6s));
        QCOMPARE(chat(0, key, "after redis answers again").status, 200);
    }

    void withRedisKilledRequestsFlowAndChangesAreRefusedUntilItIsBack() {
        const auto key = create_key({{"rpm", 30}});
        QVERIFY(metrics(0).find("switchboard_fleet_degraded 0") != std::string::npos);
        m_redis->kill9();

        // Requests still answer; each instance admits its share: 30 / 3 instances = 10.
        int accepted = 0;
        for (int i = 0; i < 15; ++i) accepted += chat(0, key, "while redis is down " + std::to_string(i)).status == 200;
        QCOMPARE(accepted, 10);
        QCOMPARE(chat(1, key, "another instance, another share").status, 200);
        QVERIFY(wait_until([&] { return metrics(0).find("switchboard_fleet_degraded 1") != std::string::npos; }, 3s));
        const auto stats = admin(0, "GET", "/admin/stats").json();
        QVERIFY2(stats["fleet"].value("degraded", false), stats.dump().c_str());
        QVERIFY2(stats["fleet"].value("reason", "").find("redis 127.0.0.1") != std::string::npos, stats.dump().c_str());

        auto routing = admin(0, "GET", "/admin/v1/routing").json();
        auto changed = routing["routing"];
        changed["tiers"][0]["targets"][0]["weight"] = 11;
        const auto refused = admin(0, "PUT", "/admin/v1/routing", nlohmann::json{{"routing", changed}}.dump());
        QCOMPARE(refused.status, 503);
        QVERIFY2(refused.body.find("Redis is out of reach") != std::string::npos, refused.body.c_str());
        QVERIFY(admin(0, "GET", "/admin/v1/routing").json()["routing"]["tiers"][0]["targets"][0].value("weight", 0) != 11);

        // Back (empty: no persistence): the fleet recovers by itself and is exact again.
        QVERIFY(m_redis->restart());
        for (int i = 0; i < kInstances; ++i)
            QVERIFY(wait_until([&] { return metrics(i).find("switchboard_fleet_degraded 0") != std::string::npos; }, 5s));
        const auto version = admin(0, "GET", "/admin/v1/routing").json().value("version", 0);
        const auto applied = admin(1, "PUT", "/admin/v1/routing",
                                   nlohmann::json{{"routing", changed}, {"base_version", version}}.dump());
        QVERIFY2(applied.status == 200, applied.body.c_str());
        QVERIFY(wait_until(
            [&] {
                return admin(2, "GET", "/admin/v1/routing").json()["routing"]["tiers"][0]["targets"][0].value("weight", 0) == 11;
            },
            2s));
        const auto fresh = create_key({{"rpm", 6}});
        int fresh_accepted = 0;
        for (int i = 0; i < 12; ++i) fresh_accepted += chat(i % kInstances, fresh, "after " + std::to_string(i)).status == 200;
        QCOMPARE(fresh_accepted, 6);
    }
};

QTEST_GUILESS_MAIN(TestFleet)
#include "tst_fleet.moc"
