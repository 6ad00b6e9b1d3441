// The in-process cache: hits and misses, LRU eviction by bytes (exact accounting), TTL
// expiry on an injected clock, pinned entries outliving time but not memory pressure,
// oversized entries refused, purge by rule, and a concurrent smoke test; the text an answer
// is stored as reads back as the same answer.
#include <QtTest>

#include <thread>

#include <nlohmann/json.hpp>

#include "cache/cached_answer.h"
#include "cache/memory_cache.h"

using namespace sb;
using namespace std::chrono_literals;

namespace {
// The in-process store never fails, so every get() carries a value or a miss.
std::optional<std::string> lookup(MemoryCache& cache, std::string_view key) {
    auto found = cache.get(key);
    return found ? *found : std::nullopt;
}


struct FakeClock {
    MemoryCache::Clock::time_point now = MemoryCache::Clock::time_point(std::chrono::hours(480'000));
    std::function<MemoryCache::Clock::time_point()> fn() {
        return [this] { return now; };
    }
};

CacheEntry ttl_entry(std::string value, FakeClock& clock, std::chrono::seconds ttl = 3600s, std::string rule = {}) {
    return CacheEntry{std::move(value), clock.now + ttl, std::move(rule)};
}

CacheEntry pinned(std::string value) { return CacheEntry{std::move(value), std::nullopt, "prices"}; }

}  // namespace

class TestMemoryCache : public QObject {
    Q_OBJECT

private slots:
    void hitsAndMisses() {
        FakeClock clock;
        MemoryCache cache(1 << 20, clock.fn());
        QVERIFY(!lookup(cache, "k").has_value());
        QVERIFY(cache.put("k", ttl_entry("v", clock)));
        QCOMPARE(lookup(cache, "k").value(), std::string("v"));
        const auto s = cache.stats();
        QCOMPARE(s.hits, std::uint64_t(1));
        QCOMPARE(s.misses, std::uint64_t(1));
        QCOMPARE(s.bytes, std::size_t(1 + 1 + MemoryCache::kEntryOverhead));
    }

    void leastRecentlyUsedGoFirstByBytes() {
        FakeClock clock;
        const std::string value(900, 'x');
        const std::size_t one = MemoryCache::entry_bytes("k0", ttl_entry(value, clock));
        MemoryCache cache(one * 3, clock.fn());
        for (int i = 0; i < 3; ++i) QVERIFY(cache.put("k" + std::to_string(i), ttl_entry(value, clock)));
        QCOMPARE(cache.stats().bytes, one * 3);
        QVERIFY(lookup(cache, "k0").has_value());  // k0 is now the most recent; k1 the least
        QVERIFY(cache.put("k3", ttl_entry(value, clock)));
        QVERIFY(!lookup(cache, "k1").has_value());
        QVERIFY(lookup(cache, "k0").has_value());
        QVERIFY(lookup(cache, "k2").has_value());
        QVERIFY(lookup(cache, "k3").has_value());
        QCOMPARE(cache.stats().evictions, std::uint64_t(1));
        QVERIFY(cache.stats().bytes <= cache.stats().max_bytes);
    }

    void replacingUpdatesTheBytes() {
        FakeClock clock;
        MemoryCache cache(1 << 20, clock.fn());
        cache.put("k", ttl_entry(std::string(100, 'a'), clock));
        cache.put("k", ttl_entry(std::string(10, 'b'), clock));
        QCOMPARE(cache.stats().entries, std::size_t(1));
        QCOMPARE(cache.stats().bytes, std::size_t(1 + 10 + MemoryCache::kEntryOverhead));
        QCOMPARE(lookup(cache, "k").value(), std::string(10, 'b'));
    }

    void ttlExpiresOnTheClock() {
        FakeClock clock;
        MemoryCache cache(1 << 20, clock.fn());
        cache.put("k", ttl_entry("v", clock, 60s));
        clock.now += 59s;
        QVERIFY(lookup(cache, "k").has_value());
        clock.now += 1s;
        QVERIFY(!lookup(cache, "k").has_value());
        QCOMPARE(cache.stats().expirations, std::uint64_t(1));
        QCOMPARE(cache.stats().entries, std::size_t(0));
        cache.put("a", ttl_entry("v", clock, 10s));
        cache.put("b", ttl_entry("v", clock, 100s));
        clock.now += 50s;
        QCOMPARE(cache.purge_expired(), std::size_t(1));
        QVERIFY(lookup(cache, "b").has_value());
    }

    void pinnedOutlivesTimeButNotMemoryPressure() {
        FakeClock clock;
        const std::string value(900, 'x');
        const std::size_t one = MemoryCache::entry_bytes("p0", pinned(value));
        MemoryCache cache(one * 2, clock.fn());
        cache.put("p0", pinned(value));
        clock.now += std::chrono::hours(24 * 365);
        QVERIFY(lookup(cache, "p0").has_value());
        cache.put("t0", ttl_entry(value, clock));
        cache.put("t1", ttl_entry(value, clock));  // over: the unpinned t0 goes, although p0 is older
        QVERIFY(lookup(cache, "p0").has_value());
        QVERIFY(!lookup(cache, "t0").has_value());
        cache.put("p1", pinned(value));
        cache.put("p2", pinned(value));  // only pinned and t1 left: t1 first, then the oldest pin
        QVERIFY(!lookup(cache, "t1").has_value());
        QCOMPARE(cache.stats().entries, std::size_t(2));
    }

    void oversizedEntriesAreRefused() {
        FakeClock clock;
        MemoryCache cache(500, clock.fn());
        QVERIFY(!cache.put("k", ttl_entry(std::string(1000, 'x'), clock)));
        QCOMPARE(cache.stats().entries, std::size_t(0));
    }

    void purgeByRuleAndAll() {
        FakeClock clock;
        MemoryCache cache(1 << 20, clock.fn());
        cache.put("a", ttl_entry("v", clock, 60s, "faq"));
        cache.put("b", ttl_entry("v", clock, 60s, "faq"));
        cache.put("c", ttl_entry("v", clock, 60s, "other"));
        QCOMPARE(cache.purge_rule("faq"), std::size_t(2));
        QVERIFY(lookup(cache, "c").has_value());
        QCOMPARE(cache.purge_all(), std::size_t(1));
        QCOMPARE(cache.stats().bytes, std::size_t(0));
    }

    void concurrentUseKeepsTheBound() {
        MemoryCache cache(64 * 1024);
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&cache, t] {
                for (int i = 0; i < 5000; ++i) {
                    const std::string key = "k" + std::to_string((i * 7 + t) % 500);
                    if (!lookup(cache, key)) cache.put(key, CacheEntry{std::string(200, 'v'), MemoryCache::Clock::now() + 60s, {}});
                }
            });
        for (auto& t : threads) t.join();
        const auto s = cache.stats();
        QVERIFY(s.bytes <= s.max_bytes);
        QCOMPARE(s.hits + s.misses, std::uint64_t(20000));
        QVERIFY(s.entries > 0);
    }

    void storedAnswerTextReadsBackTheSameAnswer() {
        CachedAnswer answer;
        auto& r = answer.response;
        r.id = "chatcmpl-1";
        r.model = "gpt-4o-mini";
        r.content = "Line one\n\"quoted\" \\ tab\t ctrl\x01 café 路由器 \xff end";  // one invalid byte
        r.tool_calls = {{"call_1", "lookup", R"({"order":"A-1"})"}};
        r.more_choices = {{"second", {}, "stop"}, {"third", {{"call_2", "f", "{}"}}, "tool_calls"}};
        r.finish_reason = "stop";
        r.usage = {.input_tokens = 12, .output_tokens = 34, .cached_input_tokens = 5, .reasoning_tokens = 2};
        answer.provider = "openai";
        answer.cost_usd = 1.2345678901234567e-05;
        answer.stored_unix_ms = 1'765'000'000'123;

        const std::string text = to_json_text(answer);
        const auto tree = nlohmann::json::parse(text, nullptr, false);
        QVERIFY2(!tree.is_discarded(), text.c_str());  // valid JSON, the invalid byte replaced
        QCOMPARE(tree["content"].get<std::string>(), std::string("Line one\n\"quoted\" \\ tab\t ctrl\x01 café 路由器 \xEF\xBF\xBD end"));
        QCOMPARE(tree["more_choices"][1]["tool_calls"][0]["name"].get<std::string>(), std::string("f"));

        const auto back = parse_cached_answer(text);
        QVERIFY(back.has_value());
        QCOMPARE(back->response.id, r.id);
        QCOMPARE(back->response.model, r.model);
        QCOMPARE(back->response.content, tree["content"].get<std::string>());
        QVERIFY(back->response.tool_calls == r.tool_calls);
        QVERIFY(back->response.more_choices == r.more_choices);
        QCOMPARE(back->response.finish_reason, r.finish_reason);
        QVERIFY(back->response.usage == r.usage);
        QCOMPARE(back->provider, answer.provider);
        QCOMPARE(back->stored_unix_ms, answer.stored_unix_ms);
        QVERIFY(back->cost_usd && *back->cost_usd == *answer.cost_usd);  // the exact double

        answer.cost_usd.reset();  // an unpriced model: no cost, not a zero cost
        answer.response.more_choices.clear();
        answer.response.passthrough_body = R"({"object":"list","data":[]})";
        const auto unpriced = parse_cached_answer(to_json_text(answer));
        QVERIFY(unpriced.has_value());
        QVERIFY(!unpriced->cost_usd);
        QVERIFY(unpriced->response.more_choices.empty());
        QCOMPARE(unpriced->response.passthrough_body, answer.response.passthrough_body);
    }
};

QTEST_APPLESS_MAIN(TestMemoryCache)
#include "tst_memory_cache.moc"
