// Fault: the shared Redis cache vanishes (kill -9) while the gateway serves, then comes back.
// What a client sees: nothing but a header — every request is answered, marked
// `x-switchboard-cache: bypass` while Redis is gone; /admin/stats shows the cache unavailable
// with Redis's error and counts the bypassed lookups. When Redis is back on its port the cache
// is used again by itself (reconnect at most once a second). Nothing is lost but cache hits.
// (The engine-level run under load is tests/cache/tst_engine_redis_cache.cpp.)
#include <QtTest>

#include "../support/redis_server.h"
#include "fault_fixture.h"

using namespace sb;
using namespace std::chrono_literals;

namespace {

std::string cache_header(const test::Reply& reply) {
    const auto value = header_value(reply.headers, "x-switchboard-cache");
    return value ? std::string(*value) : std::string();
}

}  // namespace

class TestFaultRedisVanishes : public QObject {
    Q_OBJECT

private slots:
    void gatewayServesThroughARedisOutage() {
        test::RedisServer redis;
        if (!redis.error().empty()) QFAIL(redis.error().c_str());
        std::uint16_t port = 0;
        auto simulator = test::start_simulator({}, &port);
        QVERIFY(simulator);
        auto config = test::simulator_config(port);
        config.cache.enabled = true;
        config.cache.backend = CacheBackendKind::Redis;
        config.cache.redis.port = redis.port();
        config.cache.redis.command_timeout = 200ms;
        auto engine = test::make_engine(config);
        test::GatewayStack gateway(*engine);
        const auto ask = [&](const std::string& text) {
            return gateway.post("/v1/chat/completions", test::GatewayStack::chat_body(text));
        };

        QCOMPARE(cache_header(ask("opening hours?")), std::string("miss"));
        QTRY_COMPARE_WITH_TIMEOUT(cache_header(ask("opening hours?")), std::string("hit"), 5'000);

        redis.kill9();
        int bypassed = 0;
        for (int i = 0; i < 40; ++i) {
            const auto reply = ask(i % 2 ? "opening hours?" : "question " + std::to_string(i));
            QCOMPARE(reply.status, 200);  // no request lost
            QVERIFY(reply.json()["choices"][0]["message"]["content"].is_string());
            bypassed += cache_header(reply) == "bypass";
        }
        QVERIFY2(bypassed > 30, qPrintable(QString::number(bypassed)));
        const auto stats = gateway.admin("GET", "/admin/stats").json()["cache"];
        QCOMPARE(stats["backend"].get<std::string>(), std::string("redis"));
        QVERIFY(!stats["available"].get<bool>());
        QVERIFY(stats["bypassed"].get<std::uint64_t>() >= std::uint64_t(bypassed));

        QVERIFY2(redis.restart(), redis.error().c_str());
        ask("opening hours?");  // stores the answer again once the cache is back
        QTRY_COMPARE_WITH_TIMEOUT(cache_header(ask("opening hours?")), std::string("hit"), 10'000);
        QVERIFY(gateway.admin("GET", "/admin/stats").json()["cache"]["available"].get<bool>());
    }
};

QTEST_GUILESS_MAIN(TestFaultRedisVanishes)
#include "tst_fault_redis_vanishes.moc"
