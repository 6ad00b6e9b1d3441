// The Redis backend against a real redis-server on loopback: the stored JSON, sharing by
// prefix, TTL and pinned entries, purge by rule, a killed and restarted server, a paused
// (slow) server, values that are not ours, AUTH/SELECT, and concurrent use.
#include <QtTest>
#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "../support/redis_server.h"
#include "cache/redis_cache.h"

using namespace sb;
using namespace std::chrono_literals;
using sb::test::redis_command;
using sb::test::RedisServer;

namespace {

using SteadyClock = std::chrono::steady_clock;

// Generous timeouts for the cases that test behaviour, not failure: the machine is shared.
RedisCacheOptions options_for(const RedisServer& server, std::string prefix) {
    RedisCacheOptions options;
    options.port = server.port();
    options.key_prefix = std::move(prefix);
    options.command_timeout = 1000ms;
    options.connect_timeout = 1000ms;
    return options;
}

CacheEntry ttl_entry(std::string value, std::chrono::milliseconds ttl = 60s, std::string rule = {}) {
    return CacheEntry{std::move(value), std::chrono::system_clock::now() + ttl, std::move(rule)};
}

// The value on a hit; nullopt on a miss or an error.
std::optional<std::string> hit(RedisCache& cache, std::string_view key) {
    auto found = cache.get(key);
    return found ? *found : std::nullopt;
}

long long elapsed_ms(SteadyClock::time_point since) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - since).count();
}

long long info_field(redisContext* context, const std::string& field) {
    const auto reply = redis_command(context, {"INFO", "stats"});
    if (!reply || reply->type != REDIS_REPLY_STRING) return -1;
    const std::string text(reply->str, reply->len);
    const auto at = text.find(field + ":");
    return at == std::string::npos ? -1 : std::stoll(text.substr(at + field.size() + 1));
}

}  // namespace

class TestRedisCache : public QObject {
    Q_OBJECT

    std::unique_ptr<RedisServer> m_server;  // shared by the cases that do not break it
    sb::test::RedisConnection m_raw;

private slots:
    void initTestCase() {
        m_server = std::make_unique<RedisServer>();
        if (!m_server->error().empty()) QFAIL(m_server->error().c_str());
        m_raw = m_server->connect();
        QVERIFY(m_raw);
    }
    void cleanupTestCase() {
        m_raw.reset();
        m_server.reset();
    }

    void roundTripStoresJson() {
        auto cache = RedisCache::create(options_for(*m_server, "rt:"));
        QVERIFY(cache->name() == "redis");
        QVERIFY(cache->stats().available);
        const std::string value = R"({"answer":42,"text":"h\u00e9llo"})";
        const std::string odd_key("a b\n\0c", 6);  // binary-safe keys: spaces, newline, NUL
        QVERIFY(cache->put("k1", ttl_entry(value, 60s, "faq")));
        QVERIFY(cache->put(odd_key, ttl_entry("odd")));
        QTRY_VERIFY_WITH_TIMEOUT(hit(*cache, "k1") == value, 3000);
        QCOMPARE(hit(*cache, odd_key).value_or("<miss>"), std::string("odd"));
        QVERIFY(!hit(*cache, std::string("a b\n", 4)));

        const auto raw = redis_command(m_raw.get(), {"GET", "rt:k1"});
        QVERIFY(raw && raw->type == REDIS_REPLY_STRING);
        const auto doc = nlohmann::json::parse(std::string(raw->str, raw->len));
        QCOMPARE(doc.at("v").get<std::string>(), value);
        QCOMPARE(doc.at("rule").get<std::string>(), std::string("faq"));
        const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
        QVERIFY(std::llabs(doc.at("stored_ms").get<long long>() - now_ms) < 60'000);
        const auto pttl = redis_command(m_raw.get(), {"PTTL", "rt:k1"});
        QVERIFY(pttl->integer > 50'000 && pttl->integer <= 60'000);
        QCOMPARE(redis_command(m_raw.get(), {"SISMEMBER", "rt:rule:faq", "rt:k1"})->integer, 1LL);

        QVERIFY(cache->get("absent").has_value());
        QVERIFY(!hit(*cache, "absent"));
        // Redis applies a SET before the writer thread reads its reply and counts it: another
        // connection can see the value a moment before the count does.
        QTRY_COMPARE_WITH_TIMEOUT(cache->stats().insertions, std::uint64_t(2), 3000);
        const auto s = cache->stats();
        QVERIFY(s.hits >= 2);
        QVERIFY(s.misses >= 2);
        QCOMPARE(s.errors, std::uint64_t(0));
        QCOMPARE(s.max_bytes, std::size_t(0));
        // The background count: two entries (the rule set is not one), bytes = keys + JSON.
        QTRY_COMPARE_WITH_TIMEOUT(cache->stats().entries, std::size_t(2), 5000);
        QVERIFY(cache->stats().bytes > value.size());
    }

    void instancesShareByPrefix() {
        auto a = RedisCache::create(options_for(*m_server, "shared:"));
        auto b = RedisCache::create(options_for(*m_server, "shared:"));
        auto other = RedisCache::create(options_for(*m_server, "other:"));
        QVERIFY(a->put("k", ttl_entry("from a")));
        QTRY_VERIFY_WITH_TIMEOUT(hit(*b, "k") == std::optional<std::string>("from a"), 3000);
        QVERIFY(!hit(*other, "k"));
        QVERIFY(other->put("k2", ttl_entry("other's", 60s, "r")));
        QTRY_VERIFY_WITH_TIMEOUT(hit(*other, "k2").has_value(), 3000);

        QCOMPARE(a->purge_all(), std::size_t(1));
        QVERIFY(!hit(*b, "k"));
        QCOMPARE(hit(*other, "k2").value_or("<miss>"), std::string("other's"));
        QCOMPARE(redis_command(m_raw.get(), {"EXISTS", "other:k2", "other:rule:r"})->integer, 2LL);
        QCOMPARE(other->purge_all(), std::size_t(1));  // the rule set goes too, uncounted
        QCOMPARE(redis_command(m_raw.get(), {"EXISTS", "other:k2", "other:rule:r"})->integer, 0LL);
    }

    void ttlExpiresAndPinnedStays() {
        auto cache = RedisCache::create(options_for(*m_server, "ttl:"));
        const auto start = SteadyClock::now();
        QVERIFY(cache->put("short", ttl_entry("soon gone", 300ms)));
        QVERIFY(cache->put("pinned", CacheEntry{"forever", std::nullopt, "prices"}));
        QVERIFY(cache->put("stale", ttl_entry("already expired", -1000ms)));
        QTRY_VERIFY_WITH_TIMEOUT(hit(*cache, "pinned").has_value(), 3000);
        if (elapsed_ms(start) < 250) QVERIFY(hit(*cache, "short").has_value());
        const auto pttl = redis_command(m_raw.get(), {"PTTL", "ttl:short"});
        QVERIFY(pttl->integer <= 300);  // -2 if already gone on a slow machine
        QCOMPARE(redis_command(m_raw.get(), {"PTTL", "ttl:pinned"})->integer, -1LL);
        QTRY_COMPARE_WITH_TIMEOUT(cache->stats().expirations, std::uint64_t(1), 3000);  // "stale" skipped
        QCOMPARE(redis_command(m_raw.get(), {"EXISTS", "ttl:stale"})->integer, 0LL);

        std::this_thread::sleep_until(start + 600ms);
        QVERIFY(!hit(*cache, "short"));
        QCOMPARE(hit(*cache, "pinned").value_or("<miss>"), std::string("forever"));
    }

    void purgeRuleRemovesExactlyThatRule() {
        auto cache = RedisCache::create(options_for(*m_server, "pr:"));
        QVERIFY(cache->put("a1", ttl_entry("1", 60s, "a")));
        QVERIFY(cache->put("a2", CacheEntry{"2", std::nullopt, "a"}));
        QVERIFY(cache->put("b1", ttl_entry("3", 60s, "b")));
        QVERIFY(cache->put("n1", ttl_entry("4")));
        QTRY_COMPARE_WITH_TIMEOUT(cache->stats().insertions, std::uint64_t(4), 3000);
        QCOMPARE(cache->purge_rule("a"), std::size_t(2));
        QVERIFY(!hit(*cache, "a1"));
        QVERIFY(!hit(*cache, "a2"));
        QVERIFY(hit(*cache, "b1").has_value());
        QVERIFY(hit(*cache, "n1").has_value());
        QCOMPARE(redis_command(m_raw.get(), {"EXISTS", "pr:rule:a"})->integer, 0LL);
        QCOMPARE(redis_command(m_raw.get(), {"EXISTS", "pr:rule:b"})->integer, 1LL);
        QCOMPARE(cache->purge_rule("a"), std::size_t(0));
        QCOMPARE(cache->purge_rule("missing"), std::size_t(0));
    }

    void garbageValueIsACountedMiss() {
        auto cache = RedisCache::create(options_for(*m_server, "junk:"));
        redis_command(m_raw.get(), {"SET", "junk:g", "not json"});
        redis_command(m_raw.get(), {"SET", "junk:h", R"({"x":1})"});
        redis_command(m_raw.get(), {"SET", "junk:i", R"({"v":17})"});
        redis_command(m_raw.get(), {"SADD", "junk:set", "x"});
        for (const char* key : {"g", "h", "i"}) {
            const auto found = cache->get(key);
            QVERIFY(found.has_value());
            QVERIFY(!found->has_value());
        }
        const auto wrong_type = cache->get("set");
        QVERIFY(!wrong_type.has_value());
        QVERIFY(QString::fromStdString(wrong_type.error()).contains("WRONGTYPE"));
        const auto s = cache->stats();
        QCOMPARE(s.errors, std::uint64_t(4));
        QCOMPARE(s.misses, std::uint64_t(3));
        QCOMPARE(s.hits, std::uint64_t(0));
        QVERIFY(s.available);  // the server answered: not a reason to bypass it
        QVERIFY(!s.last_error.empty());
    }

    void authAndDatabaseWithoutLeakingThePassword() {
        RedisServer server;
        if (!server.error().empty()) QFAIL(server.error().c_str());
        const std::string secret = "s3cret-do-not-print";
        {
            auto admin = server.connect();
            QVERIFY(redis_command(admin.get(), {"CONFIG", "SET", "requirepass", secret}));
        }
        auto options = options_for(server, "auth:");
        options.password = "wrong-" + secret;
        options.retry_interval = 100ms;
        auto wrong = RedisCache::create(options);
        const auto refused = wrong->get("k");
        QVERIFY(!refused.has_value());
        QVERIFY(refused.error().find(secret) == std::string::npos);
        QVERIFY(!wrong->stats().available);
        // create() already tried; the reason is in last_error, without the password.
        const std::string reason = wrong->stats().last_error;
        QVERIFY2(reason.find("AUTH") != std::string::npos, reason.c_str());
        QVERIFY2(reason.find(secret) == std::string::npos, reason.c_str());

        options.password = secret;
        options.database = 3;
        auto right = RedisCache::create(options);
        QVERIFY(right->stats().available);
        QVERIFY(right->put("k", ttl_entry("in db 3")));
        QTRY_VERIFY_WITH_TIMEOUT(hit(*right, "k").has_value(), 3000);
        auto raw = server.connect();
        QVERIFY(redis_command(raw.get(), {"AUTH", secret}));
        QCOMPARE(redis_command(raw.get(), {"EXISTS", "auth:k"})->integer, 0LL);  // not in db 0
        redis_command(raw.get(), {"SELECT", "3"});
        QCOMPARE(redis_command(raw.get(), {"EXISTS", "auth:k"})->integer, 1LL);
    }

    void killedServerIsBypassedThenComesBack() {
        RedisServer server;
        if (!server.error().empty()) QFAIL(server.error().c_str());
        auto options = options_for(server, "kill:");
        options.command_timeout = 50ms;
        options.connect_timeout = 200ms;
        options.retry_interval = 1000ms;
        auto cache = RedisCache::create(options);
        QVERIFY(cache->put("before", ttl_entry("v")));
        QTRY_VERIFY_WITH_TIMEOUT(hit(*cache, "before").has_value(), 3000);

        server.kill9();
        auto start = SteadyClock::now();
        const auto failed = cache->get("before");
        QVERIFY(elapsed_ms(start) < 250);
        QVERIFY(!failed.has_value());
        QVERIFY2(failed.error().starts_with("redis 127.0.0.1:" + std::to_string(server.port()) + ": "),
                 failed.error().c_str());
        const auto failed_at = SteadyClock::now();
        auto s = cache->stats();
        QVERIFY(!s.available);
        QVERIFY(s.errors > 0);
        QVERIFY(!s.last_error.empty());

        start = SteadyClock::now();
        QVERIFY(!cache->put("during", ttl_entry("v")));  // known down: refused, not queued
        QVERIFY(elapsed_ms(start) < 50);
        start = SteadyClock::now();
        const auto fast = cache->get("before");
        QVERIFY(elapsed_ms(start) < 50);
        QVERIFY(!fast.has_value());
        QVERIFY2(fast.error().find("next connection attempt") != std::string::npos, fast.error().c_str());

        // Back up at once, but inside the retry interval the cache does not even try.
        QVERIFY2(server.restart(), server.error().c_str());
        auto raw = server.connect();
        QVERIFY(raw);
        const long long connections = info_field(raw.get(), "total_connections_received");
        if (SteadyClock::now() - failed_at < 800ms) {
            QVERIFY(!cache->get("before").has_value());
            QCOMPARE(info_field(raw.get(), "total_connections_received"), connections);
        } else {
            qWarning("the restart took too long to check that no connection is tried in the interval");
        }

        QTRY_VERIFY_WITH_TIMEOUT(cache->get("anything").has_value(), 3000);  // a miss, not an error
        QVERIFY(cache->stats().available);
        QVERIFY(cache->put("after", ttl_entry("back")));
        QTRY_VERIFY_WITH_TIMEOUT(hit(*cache, "after") == std::optional<std::string>("back"), 3000);
    }

    void slowServerIsBypassedWithinTheCommandTimeout() {
        RedisServer server;
        if (!server.error().empty()) QFAIL(server.error().c_str());
        auto options = options_for(server, "slow:");
        options.command_timeout = 50ms;
        options.retry_interval = 300ms;
        options.read_connections = 1;
        auto cache = RedisCache::create(options);
        QVERIFY(cache->get("k").has_value());  // connected and answering

        auto admin = server.connect();
        const auto paused = redis_command(admin.get(), {"CLIENT", "PAUSE", "500", "ALL"});
        QVERIFY(paused && paused->type == REDIS_REPLY_STATUS);
        const auto start = SteadyClock::now();
        const auto slow = cache->get("k");
        const auto took = elapsed_ms(start);
        QVERIFY2(took < 300, std::to_string(took).c_str());
        QVERIFY(!slow.has_value());
        QVERIFY2(slow.error().find("no reply within 50 ms") != std::string::npos, slow.error().c_str());
        QVERIFY(!cache->stats().available);

        QTRY_VERIFY_WITH_TIMEOUT(cache->get("k").has_value(), 3000);
        QVERIFY(cache->stats().available);
    }

    void concurrentUseKeepsCountsStraight() {
        auto options = options_for(*m_server, "conc:");
        auto cache = RedisCache::create(options);
        constexpr int kThreads = 8, kRounds = 300;
        std::atomic<std::uint64_t> hits{0}, misses{0}, get_errors{0}, accepted{0}, refused{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < kRounds; ++i) {
                    const std::string key = "k" + std::to_string((t * 7 + i) % 64);
                    if (i % 3 == 0) {
                        (cache->put(key, ttl_entry("v" + key, 60s, i % 2 ? "odd" : "")) ? accepted
                                                                                        : refused)++;
                    } else if (const auto found = cache->get(key); !found) {
                        ++get_errors;
                    } else {
                        (found->has_value() ? hits : misses)++;
                    }
                    if (i % 50 == 0) (void)cache->stats();
                }
            });
        }
        for (auto& thread : threads) thread.join();
        QVERIFY(hits > 0);
        const auto s = cache->stats();
        QCOMPARE(s.hits, hits.load());
        QCOMPARE(s.misses, misses.load());
        QCOMPARE(s.errors, get_errors.load() + refused.load());
        QCOMPARE(accepted + refused, std::uint64_t(kThreads * ((kRounds + 2) / 3)));
        // Every accepted put is either stored or accounted for as dropped.
        QTRY_COMPARE_WITH_TIMEOUT(cache->stats().insertions + cache->dropped(), accepted + refused, 5000);
    }

    void destructorFlushesTheQueue() {
        {
            auto cache = RedisCache::create(options_for(*m_server, "flush:"));
            for (int i = 0; i < 500; ++i) QVERIFY(cache->put("k" + std::to_string(i), ttl_entry("v")));
        }
        auto reader = RedisCache::create(options_for(*m_server, "flush:"));
        for (int i = 0; i < 500; i += 50) QVERIFY(hit(*reader, "k" + std::to_string(i)).has_value());
        QCOMPARE(reader->purge_all(), std::size_t(500));
    }
};

QTEST_GUILESS_MAIN(TestRedisCache)
#include "tst_redis_cache.moc"
