// The response cache inside the engine, over real loopback HTTP to the simulator: a repeat
// is answered without an upstream call; rules, per-request control, only complete answers
// stored; single flight; cost and money saved; history rows; purge; live rule changes.
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <mutex>

#include "../support/engine_fixture.h"
#include "cost/price_table.h"
#include "engine/engine.h"
#include "store/history_query.h"
#include "store/history_writer.h"

using namespace sb;
using namespace std::chrono_literals;
using sb::test::ask;
using sb::test::wait_for;

namespace {

ChatRequest question(std::string text = "How do I reset the router to factory settings?") {
    ChatRequest request;
    request.provider = "openai";
    request.messages = {{Role::System, "You are a support agent."}, {Role::User, std::move(text)}};
    request.source = "test";
    return request;
}


}  // namespace

class TestEngineCache : public QObject {
    Q_OBJECT

    std::unique_ptr<Simulator> m_simulator;
    std::uint16_t m_port = 0;
    QTemporaryDir m_dir;
    int m_databases = 0;

    std::uint64_t upstream_calls() const { return m_simulator->stats().requests_to(SimEndpoint::chat_completions); }

    std::unique_ptr<Engine> make_engine(std::vector<CacheRule> rules = {}, bool history = false) {
        EngineOptions options;
        options.config = test::simulator_config(m_port);
        options.config.cache.enabled = true;
        options.config.cache.rules = std::move(rules);
        options.database = m_dir.filePath(QStringLiteral("history-%1.db").arg(++m_databases)).toStdString();
        options.history = history;
        auto engine = Engine::create(std::move(options));
        if (!engine) qFatal("engine: %s", engine.error().c_str());
        return std::move(*engine);
    }


private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_simulator = test::start_simulator({}, &m_port);
        QVERIFY(m_simulator);
    }

    void repeatIsAnsweredFromTheCache() {
        auto engine = make_engine();
        const auto before = upstream_calls();
        const auto first = ask(*engine, question());
        QVERIFY(first.ok());
        QCOMPARE(first.cache, CacheStatus::Miss);
        const auto second = ask(*engine, question());
        QVERIFY(second.ok());
        QCOMPARE(second.cache, CacheStatus::Hit);
        QCOMPARE(upstream_calls() - before, std::uint64_t(1));
        QCOMPARE(second.outcome->content, first.outcome->content);
        QCOMPARE(second.provider, std::string("openai"));
        QVERIFY(second.attempts.empty());
        // Cost: the hit paid nothing and saved exactly what the first answer cost.
        QVERIFY(first.cost_usd.has_value());
        QVERIFY(*first.cost_usd > 0);
        QCOMPARE(second.cost_usd.value_or(-1), 0.0);
        QCOMPARE(second.saved_usd.value_or(-1), *first.cost_usd);
        const auto stats = engine->cache()->stats();
        QCOMPARE(stats.hits, std::uint64_t(1));
        QCOMPARE(stats.misses, std::uint64_t(1));
        QCOMPARE(stats.stored, std::uint64_t(1));
        QCOMPARE(stats.saved_usd, *first.cost_usd);
        QCOMPARE(stats.store.entries, std::size_t(1));
        QCOMPARE(stats.top_questions.size(), std::size_t(1));
        QCOMPARE(stats.top_questions[0].hits, std::uint64_t(1));
    }

    void costMatchesThePriceTableToTheCent() {
        auto engine = make_engine();
        const auto result = ask(*engine, question("What are your support hours on Sundays?"));
        QVERIFY(result.ok());
        const auto* price = PriceTable::built_in().find("gpt-4o-mini");
        QVERIFY(price);
        const auto& usage = result.outcome->usage;
        const double expected = (double(usage.input_tokens - usage.cached_input_tokens) * price->input_per_million +
                                 double(usage.cached_input_tokens) * price->cached_input_per_million +
                                 double(usage.output_tokens) * price->output_per_million) / 1e6;
        QVERIFY(result.cost_usd.has_value());
        QVERIFY(std::abs(*result.cost_usd - expected) < 1e-12);
    }

    void differentQuestionsDoNotShareAnswers() {
        auto engine = make_engine();
        QCOMPARE(ask(*engine, question("Question one?")).cache, CacheStatus::Miss);
        QCOMPARE(ask(*engine, question("Question two?")).cache, CacheStatus::Miss);
        auto other_model = question("Question one?");
        other_model.provider = "anthropic";
        QCOMPARE(ask(*engine, other_model).cache, CacheStatus::Miss);  // another target, another key
        QCOMPARE(ask(*engine, question("Question one?")).cache, CacheStatus::Hit);
    }

    void neverCacheRuleSkipsPersonalData() {
        CacheRule pii;
        pii.name = "pii";
        pii.action = CacheAction::Never;
        pii.match = CacheMatch::PersonalData;
        auto engine = make_engine({pii});
        const auto before = upstream_calls();
        const auto text = "My card is 4111 1111 1111 1111, why was it declined?";
        const auto first = ask(*engine, question(text));
        const auto second = ask(*engine, question(text));
        QCOMPARE(first.cache, CacheStatus::Skip);
        QCOMPARE(second.cache, CacheStatus::Skip);
        QCOMPARE(second.cache_rule, std::string("pii"));
        QCOMPARE(upstream_calls() - before, std::uint64_t(2));
        QCOMPARE(engine->cache()->stats().store.entries, std::size_t(0));
    }

    void pinnedRuleStoresWithoutExpiry() {
        CacheRule pin;
        pin.name = "prices";
        pin.action = CacheAction::Pin;
        pin.keywords = {"price"};
        auto engine = make_engine({pin});
        QCOMPARE(ask(*engine, question("What is the price of the lamp?")).cache_rule, std::string("prices"));
        const auto hit = ask(*engine, question("What is the price of the lamp?"));
        QCOMPARE(hit.cache, CacheStatus::Hit);
        QCOMPARE(hit.cache_rule, std::string("prices"));
        QCOMPARE(engine->cache()->purge_rule("prices"), std::size_t(1));
        QCOMPARE(ask(*engine, question("What is the price of the lamp?")).cache, CacheStatus::Miss);
    }

    void requestControlNoCacheAndNoStore() {
        auto engine = make_engine();
        const auto before = upstream_calls();
        auto no_store = question("no-store question");
        no_store.cache_policy = CachePolicy::NoStore;
        QCOMPARE(ask(*engine, no_store).cache, CacheStatus::Skip);
        QCOMPARE(ask(*engine, question("no-store question")).cache, CacheStatus::Miss);  // nothing was stored
        auto no_cache = question("no-store question");
        no_cache.cache_policy = CachePolicy::NoCache;
        QCOMPARE(ask(*engine, no_cache).cache, CacheStatus::Miss);  // not read, although it is there
        QCOMPARE(ask(*engine, question("no-store question")).cache, CacheStatus::Hit);
        QCOMPARE(upstream_calls() - before, std::uint64_t(3));
    }

    void onlyCompleteSuccessfulAnswersAreStored() {
        auto engine = make_engine();
        auto truncated = question("Tell me a long story");
        truncated.max_tokens = 3;  // the simulator stops at 3 tokens: finish_reason "length"
        const auto cut = ask(*engine, truncated);
        QVERIFY(cut.ok());
        QCOMPARE(cut.outcome->finish_reason, std::string("length"));
        QCOMPARE(ask(*engine, truncated).cache, CacheStatus::Miss);

        auto failing = question("This one fails");
        failing.extra_headers.emplace_back("x-sim-fault", "bad_request");
        failing.extra_headers.emplace_back("x-sim-fault", "context_length");
        QVERIFY(!ask(*engine, failing).ok());
        auto again = question("This one fails");
        QCOMPARE(ask(*engine, again).cache, CacheStatus::Miss);
        QCOMPARE(engine->cache()->stats().stored, std::uint64_t(1));  // only the good answer
    }

    void singleFlightMakesOneUpstreamCall() {
        auto engine = make_engine();
        const auto before = upstream_calls();
        std::vector<std::future<RequestResult>> futures;
        for (int i = 0; i < 50; ++i) {
            auto request = question("Fifty people ask this at once");
            request.extra_headers.emplace_back("x-sim-latency-ms", "300");
            futures.push_back(engine->submit(std::move(request)));
        }
        int coalesced = 0, missed = 0;
        std::string content;
        for (auto& future : futures) {
            const auto result = wait_for(future);
            QVERIFY(result.ok());
            if (content.empty()) content = result.outcome->content;
            QCOMPARE(result.outcome->content, content);
            if (result.cache == CacheStatus::Coalesced) ++coalesced;
            if (result.cache == CacheStatus::Miss) ++missed;
        }
        QCOMPARE(upstream_calls() - before, std::uint64_t(1));
        QCOMPARE(missed, 1);
        QCOMPARE(coalesced, 49);
        QCOMPARE(engine->cache()->stats().coalesced, std::uint64_t(49));
    }

    // cache.coalesce_in_flight with the cache off: identical requests in flight share one
    // call, nothing is stored, a "never" rule still keeps its requests apart.
    void coalescingWithTheCacheOff_data() {
        QTest::addColumn<bool>("coalesce");
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("calls");
        QTest::newRow("on") << true << "Twenty people ask this at once" << 1;
        QTest::newRow("off") << false << "Twenty people ask this at once too" << 20;
        QTest::newRow("never rule") << true << "Twenty people ask about my account" << 20;
    }
    void coalescingWithTheCacheOff() {
        QFETCH(bool, coalesce);
        QFETCH(QString, text);
        QFETCH(int, calls);
        EngineOptions options;
        options.config = test::simulator_config(m_port);
        options.config.cache.enabled = false;
        options.config.cache.coalesce_in_flight = coalesce;
        CacheRule never;
        never.name = "account";
        never.action = CacheAction::Never;
        never.keywords = {"my account"};
        options.config.cache.rules = {never};
        options.history = false;
        auto created = Engine::create(std::move(options));
        QVERIFY2(created, created ? "" : created.error().c_str());
        auto& engine = **created;
        QVERIFY(!engine.cache());
        const auto before = upstream_calls();
        std::vector<std::future<RequestResult>> futures;
        for (int i = 0; i < 20; ++i) {
            auto request = question(text.toStdString());
            request.extra_headers.emplace_back("x-sim-latency-ms", "300");
            futures.push_back(engine.submit(std::move(request)));
        }
        int coalesced = 0;
        for (auto& future : futures) {
            const auto result = wait_for(future);
            QVERIFY(result.ok());
            if (result.cache == CacheStatus::Coalesced) {
                ++coalesced;
                QCOMPARE(result.cost_usd.value_or(-1), 0.0);
            } else {
                QCOMPARE(result.cache, CacheStatus::Off);
            }
        }
        QCOMPARE(int(upstream_calls() - before), calls);
        QCOMPARE(coalesced, 20 - calls);
        // Nothing was kept: the same question once more goes upstream again.
        const auto before_again = upstream_calls();
        const auto again = ask(engine, question(text.toStdString()));
        QVERIFY(again.ok());
        QCOMPARE(again.cache, CacheStatus::Off);
        QCOMPARE(upstream_calls() - before_again, std::uint64_t(1));
    }

    void streamingCallerGetsTheCachedAnswerAsAStream() {
        auto engine = make_engine();
        QVERIFY(ask(*engine, question("stream me")).ok());
        auto request = question("stream me");
        request.stream = true;
        std::string streamed;
        std::string finish;
        std::promise<RequestResult> done;
        engine->submit(
            std::move(request), [&](RequestResult&& r) { done.set_value(std::move(r)); },
            [&](const StreamDelta& d) {
                streamed += d.content;
                if (!d.finish_reason.empty()) finish = d.finish_reason;
            });
        auto future = done.get_future();
        const auto result = wait_for(future);
        QCOMPARE(result.cache, CacheStatus::Hit);
        QCOMPARE(streamed, result.outcome->content);
        QCOMPARE(finish, std::string("stop"));
    }

    void rulesChangeLiveAndInvalidRulesAreRefused() {
        auto engine = make_engine();
        QVERIFY(ask(*engine, question("warranty question")).ok());
        CacheRule never;
        never.name = "warranty";
        never.action = CacheAction::Never;
        never.keywords = {"warranty"};
        QVERIFY(engine->cache()->set_rules({never}).has_value());
        const auto result = ask(*engine, question("warranty question"));
        QCOMPARE(result.cache, CacheStatus::Skip);  // stored before, but never served to it now

        CacheRule bad;
        bad.name = "bad";
        bad.match = CacheMatch::Regex;
        bad.pattern = "(unclosed";
        const auto refused = engine->cache()->set_rules({never, bad});
        QVERIFY(!refused);
        QVERIFY2(refused.error().find("rules[1].pattern") != std::string::npos, refused.error().c_str());
        QCOMPARE(engine->cache()->rules().size(), std::size_t(1));
    }

    void purgeAllEmptiesTheCache() {
        auto engine = make_engine();
        QVERIFY(ask(*engine, question("a")).ok());
        QVERIFY(ask(*engine, question("b")).ok());
        QCOMPARE(engine->cache()->purge_all(), std::size_t(2));
        QCOMPARE(ask(*engine, question("a")).cache, CacheStatus::Miss);
    }

    void historyRowsMarkHitsAndCostNothing() {
        auto engine = make_engine({}, true);
        QVERIFY(ask(*engine, question("history question")).ok());
        QVERIFY(ask(*engine, question("history question")).ok());
        const auto path = engine->database_path();
        engine.reset();  // flushes the writer
        auto reader = HistoryReader::open(path);
        QVERIFY(reader.has_value());
        const auto page = reader->page(HistoryFilter{}, std::nullopt, 10);
        QVERIFY(page.has_value());
        QCOMPARE(page->rows.size(), std::size_t(2));
        int hits = 0;
        for (const auto& row : page->rows) {
            if (row.cache_hit) {
                ++hits;
                QCOMPARE(row.cost_usd, 0.0);
                QCOMPARE(row.tokens_out, std::int64_t(0));
            } else {
                QVERIFY(row.cost_usd > 0);
            }
        }
        QCOMPARE(hits, 1);
    }

    void cacheFirstTierSharesAnswersAcrossItsTargets() {
        EngineOptions options;
        options.config = test::simulator_config(m_port);
        options.config.cache.enabled = true;
        TierConfig tier;
        tier.name = "simple";
        tier.cache_first = true;
        tier.targets = {RouteTarget{"openai", "gpt-4o-mini", 50, true}, RouteTarget{"anthropic", "claude-haiku-4-5", 50, true}};
        options.config.routing.tiers = {tier};
        options.config.routing.default_tier = "simple";
        options.history = false;
        auto engine = Engine::create(std::move(options));
        QVERIFY(engine.has_value());
        auto routed = [] {
            auto request = question("routed question");
            request.provider.clear();
            return request;
        };
        const auto first = ask(**engine, routed());
        QCOMPARE(first.cache, CacheStatus::Miss);
        const auto preview = (*engine)->preview_cache(routed());
        QVERIFY(preview.has_value());
        QCOMPARE(preview->target, std::string("tier:simple"));
        for (int i = 0; i < 10; ++i) QCOMPARE(ask(**engine, routed()).cache, CacheStatus::Hit);
    }
};

QTEST_GUILESS_MAIN(TestEngineCache)
#include "tst_engine_cache.moc"
