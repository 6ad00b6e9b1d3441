// The Redis backend under the engine, with a real redis-server on a free loopback port:
// two engines (two gateway instances) share hits, and with the semantic cache the questions
// too (a rewording asked at one is served the answer bought by the other); killing Redis
// mid-run loses no request (the cache is bypassed, counted and visible) and the cache comes
// back by itself.
#include <QTemporaryDir>
#include <QtTest>

#include "../support/engine_fixture.h"
#include "../support/redis_server.h"
#include "cache/cache_key.h"
#include "engine/engine.h"

using namespace sb;
using namespace std::chrono_literals;
using sb::test::ask;
using sb::test::wait_for;
using sb::test::RedisServer;

namespace {

ChatRequest question(std::string text) {
    ChatRequest request;
    request.provider = "openai";
    request.messages = {{Role::User, std::move(text)}};
    request.source = "test";
    return request;
}


}  // namespace

class TestEngineRedisCache : public QObject {
    Q_OBJECT

    std::unique_ptr<Simulator> m_simulator;
    std::uint16_t m_port = 0;

    std::uint64_t upstream_calls() const { return m_simulator->stats().requests_to(SimEndpoint::chat_completions); }

    std::unique_ptr<Engine> make_engine(const RedisServer& server, std::chrono::milliseconds command_timeout,
                                        bool semantic = false) {
        EngineOptions options;
        options.config = test::simulator_config(m_port);
        options.config.cache.enabled = true;
        if (semantic) {
            CacheRule any;
            any.name = "faq";
            any.match = CacheMatch::Regex;
            any.pattern = ".";
            any.semantic = true;
            options.config.cache.rules = {any};
            options.config.cache.semantic.enabled = true;
        }
        options.config.cache.backend = CacheBackendKind::Redis;
        options.config.cache.redis.port = server.port();
        options.config.cache.redis.key_prefix = "fleet:";
        options.config.cache.redis.command_timeout = command_timeout;
        options.history = false;
        return test::create_engine(std::move(options));
    }


private slots:
    void initTestCase() {
        m_simulator = test::start_simulator({}, &m_port);
        QVERIFY(m_simulator);
    }

    void twoEnginesShareHits() {
        RedisServer server;
        if (!server.error().empty()) QFAIL(server.error().c_str());
        auto first = make_engine(server, 1000ms);
        auto second = make_engine(server, 1000ms);
        QCOMPARE(first->cache()->stats().backend, std::string("redis"));
        const auto before = upstream_calls();
        const auto answer = ask(*first, question("Do you ship to Norway?"));
        QVERIFY(answer.ok());
        QCOMPARE(answer.cache, CacheStatus::Miss);
        // The writer stores in the background; the key appears in Redis as JSON.
        const std::string key = "fleet:" + cache_key(question("Do you ship to Norway?"), "openai/gpt-4o-mini");
        auto raw = server.connect();
        QTRY_COMPARE_WITH_TIMEOUT(test::redis_command(raw.get(), {"EXISTS", key})->integer, 1LL, 5000);
        const auto value = test::redis_command(raw.get(), {"GET", key});
        QVERIFY(nlohmann::json::parse(std::string(value->str, value->len), nullptr, false).is_object());

        const auto shared = ask(*second, question("Do you ship to Norway?"));
        QVERIFY(shared.ok());
        QCOMPARE(shared.cache, CacheStatus::Hit);
        QCOMPARE(shared.outcome->content, answer.outcome->content);
        QCOMPARE(upstream_calls() - before, std::uint64_t(1));
        QCOMPARE(second->cache()->stats().hits, std::uint64_t(1));
    }

    void semanticQuestionsAreSharedThroughRedis() {
        RedisServer server;
        if (!server.error().empty()) QFAIL(server.error().c_str());
        auto first = make_engine(server, 1000ms, true);
        auto second = make_engine(server, 1000ms, true);
        const auto answer = ask(*first, question("How do I reset my router?"));
        QVERIFY(answer.ok());
        QCOMPARE(answer.cache, CacheStatus::Miss);
        // The question goes to the fleet's stream in the background, its vector as float32s.
        auto raw = server.connect();
        QTRY_COMPARE_WITH_TIMEOUT(test::redis_command(raw.get(), {"XLEN", "fleet:semantic:questions"})->integer, 1LL, 5000);

        const auto chats = upstream_calls();
        const auto reworded = ask(*second, question("reset my router: how do I?"));
        QVERIFY(reworded.ok());
        QCOMPARE(reworded.cache, CacheStatus::SemanticHit);
        QCOMPARE(upstream_calls(), chats);
        QCOMPARE(reworded.outcome->content, answer.outcome->content);
        const auto stats = second->cache()->stats().semantic;
        QVERIFY(stats && stats->shared);
        QCOMPARE(stats->shared->received, std::uint64_t(1));
        QCOMPARE(stats->hits, std::uint64_t(1));

        // A purge empties the shared answers and the stream with them: nothing stale is served.
        first->cache()->purge_all();
        QCOMPARE(test::redis_command(raw.get(), {"EXISTS", "fleet:semantic:questions"})->integer, 0LL);
        QCOMPARE(ask(*second, question("my router: how do I reset")).cache, CacheStatus::Miss);
    }

    void killingRedisMidRunLosesNoRequest() {
        auto server = std::make_unique<RedisServer>();
        if (!server->error().empty()) QFAIL(server->error().c_str());
        auto engine = make_engine(*server, 200ms);
        // Warm: one answer stored, so hits happen before the kill.
        QVERIFY(ask(*engine, question("faq 0")).ok());
        auto raw = server->connect();
        QTRY_VERIFY_WITH_TIMEOUT(test::redis_command(raw.get(), {"DBSIZE"})->integer > 0, 5000);
        raw.reset();

        std::vector<std::future<RequestResult>> futures;
        for (int i = 0; i < 300; ++i) {
            if (i == 100) server->kill9();
            futures.push_back(engine->submit(question("faq " + std::to_string(i % 7))));
            if (i % 25 == 0) std::this_thread::sleep_for(20ms);
        }
        int ok = 0, bypassed = 0, hits = 0;
        for (auto& future : futures) {
            const auto result = wait_for(future);
            if (result.ok()) ++ok;
            if (result.cache == CacheStatus::Bypass) ++bypassed;
            if (result.cache == CacheStatus::Hit) ++hits;
        }
        QCOMPARE(ok, 300);
        QVERIFY2(bypassed > 0, qPrintable(QString::number(bypassed)));
        QVERIFY2(hits > 0, qPrintable(QString::number(hits)));
        const auto stats = engine->cache()->stats();
        QVERIFY(!stats.store.available);
        QVERIFY(!stats.store.last_error.empty());
        // Identical bypassed requests share one upstream call, so lookups bypassed ≥ results marked bypass.
        QVERIFY(stats.bypassed >= std::uint64_t(bypassed));

        // Back on the same port: within the retry interval the cache is used again, by itself.
        QVERIFY(server->restart());
        QTRY_VERIFY_WITH_TIMEOUT(ask(*engine, question("after the outage")).cache == CacheStatus::Hit, 10000);
        QVERIFY(engine->cache()->stats().store.available);
    }
};

QTEST_GUILESS_MAIN(TestEngineRedisCache)
#include "tst_engine_redis_cache.moc"
