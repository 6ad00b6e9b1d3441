// LocalConsole, the console's view of an engine in this process: each reply comes exactly once
// with the outcome as a value, changes bump their setting's version, a refused change names
// its fields and changes nothing, purges run off the caller's thread, and key operations work
// on the gateway's store (or say why there is none), and history queries come from a source
// each worker thread opens.
#include <QTemporaryDir>
#include <QtTest>

#include <optional>
#include <thread>

#include "../support/console_replies.h"
#include "../support/engine_fixture.h"
#include "console/local_console.h"
#include "engine/engine.h"
#include "gateway/gateway_key_store.h"
#include "store/history_writer.h"

using namespace std::chrono_literals;
using sb::test::Replies;

namespace {

sb::ChatRequest question(const std::string& text) {
    sb::ChatRequest request;
    request.messages = {{sb::Role::User, text}};
    request.provider = "openai";
    request.source = "test";
    return request;
}

}  // namespace

class TestLocalConsole : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<sb::Simulator> m_simulator;
    std::uint16_t m_port = 0;
    std::unique_ptr<sb::Engine> m_engine;
    std::unique_ptr<sb::LocalConsole> m_console;

    void start(sb::Config config, bool history = false) {
        m_console.reset();
        m_engine.reset();
        sb::EngineOptions options;
        options.config = std::move(config);
        options.history = history;
        options.database = m_dir.filePath(QStringLiteral("history.db")).toStdString();
        auto engine = sb::Engine::create(std::move(options));
        QVERIFY2(engine.has_value(), engine ? "" : engine.error().c_str());
        m_engine = std::move(*engine);
        m_console = std::make_unique<sb::LocalConsole>(*m_engine);
    }

    sb::Config cachingConfig() {
        auto config = sb::test::simulator_config(m_port);
        config.cache.enabled = true;
        return config;
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_simulator = sb::test::start_simulator({}, &m_port);
        QVERIFY(m_simulator);
    }

    void cleanup() {
        m_console.reset();
        m_engine.reset();
    }

    void routingChangesReplyWithTheVersionAndARefusalChangesNothing() {
        start(sb::test::simulator_config(m_port));
        const auto before = m_console->versions();
        auto routing = m_console->routing();
        QVERIFY(!routing.tiers.empty());

        routing.tiers[0].description = "changed by the test";
        Replies<sb::ConfigVersion> applied;
        m_console->apply_routing(routing, {before.routing, "test"}, applied.reply());
        QCOMPARE(applied.count, 1);  // in memory: before returning
        QVERIFY2(applied.result->has_value(), applied.result->error().message.c_str());
        QCOMPARE((*applied.result)->author, std::string("test"));
        QCOMPARE(m_console->versions().routing, before.routing + 1);
        QCOMPARE(m_console->routing().tiers[0].description, std::string("changed by the test"));

        auto broken = m_console->routing();
        broken.tiers[0].targets[0].provider = "nobody";
        Replies<sb::ConfigVersion> refused;
        m_console->apply_routing(broken, {{}, "test"}, refused.reply());
        QCOMPARE(refused.count, 1);
        QVERIFY(!refused.result->has_value());
        QVERIFY2(refused.result->error().message.contains("routing.tiers[0].targets[0].provider"),
                 refused.result->error().message.c_str());
        QCOMPARE(m_console->versions().routing, before.routing + 1);
        QCOMPARE(m_console->routing().tiers[0].targets[0].provider, routing.tiers[0].targets[0].provider);
    }

    void aChangeOnAVersionNoLongerLiveIsRefusedWithTheLiveOne() {
        start(sb::test::simulator_config(m_port));
        const auto loaded = m_console->versions();
        auto mine = m_console->routing();
        mine.tiers[0].description = "mine";
        auto theirs = m_console->routing();
        theirs.tiers[0].description = "theirs";

        Replies<sb::ConfigVersion> first;
        m_console->apply_routing(theirs, {loaded.routing, "alice"}, first.reply());
        QVERIFY(first.result->has_value());
        Replies<sb::ConfigVersion> stale;
        m_console->apply_routing(mine, {loaded.routing, "bob"}, stale.reply());
        QVERIFY(!stale.result->has_value());
        QCOMPARE(stale.result->error().current_version, std::optional<std::uint64_t>(loaded.routing + 1));
        QVERIFY2(stale.result->error().message.contains("changed since you loaded"), stale.result->error().message.c_str());
        QCOMPARE(m_console->routing().tiers[0].description, std::string("theirs"));

        QCOMPARE(m_console->changes().routing.author, std::string("alice"));  // bob's was refused
        QCOMPARE(m_console->changes().routing.version, loaded.routing + 1);

        Replies<void> prices;
        m_console->apply_prices(*sb::PriceTable::from_sheet(m_console->prices()->sheet()), {loaded.prices + 7, {}},
                                prices.reply());
        QVERIFY(!prices.result->has_value());
        QCOMPARE(m_console->versions().prices, loaded.prices);
        QVERIFY(m_console->changes().prices.author.empty());
        Replies<void> pricesApplied;
        m_console->apply_prices(*sb::PriceTable::from_sheet(m_console->prices()->sheet()), {loaded.prices, "carol"},
                                pricesApplied.reply());
        QVERIFY(pricesApplied.result->has_value());
        QCOMPARE(m_console->changes().prices.author, std::string("carol"));
        QVERIFY(m_console->changes().prices.at_ms > 0);
    }

    void alertRulesRefusedNameTheirFieldsAndAppliedOnesBumpTheVersion() {
        start(sb::test::simulator_config(m_port));
        auto rules = m_console->alert_rules();
        QVERIFY(!rules.empty());
        const auto version = m_console->versions().alert_rules;

        auto broken = rules;
        broken[0].threshold = -1;
        Replies<void> refused;
        m_console->apply_alert_rules(broken, {}, refused.reply());
        QCOMPARE(refused.count, 1);
        QVERIFY(!refused.result->has_value());
        QVERIFY(!refused.result->error().fields.empty());
        QCOMPARE(refused.result->error().fields[0].path, std::string("[0].threshold"));
        QCOMPARE(m_console->versions().alert_rules, version);

        rules.pop_back();
        Replies<void> applied;
        m_console->apply_alert_rules(rules, {version, {}}, applied.reply());
        QVERIFY(applied.result->has_value());
        QCOMPARE(m_console->alert_rules().size(), rules.size());
        QCOMPARE(m_console->versions().alert_rules, version + 1);
    }

    void pricesAndProvidersBumpTheirVersions() {
        start(sb::test::simulator_config(m_port));
        const auto before = m_console->versions();

        Replies<void> prices;
        m_console->apply_prices(*sb::PriceTable::from_sheet(m_console->prices()->sheet()), {}, prices.reply());
        QVERIFY(prices.result->has_value());
        QCOMPARE(m_console->versions().prices, before.prices + 1);

        auto providers = m_console->providers();
        providers[2].timeouts.total = 20000ms;
        Replies<void> applied;
        m_console->apply_providers(providers, applied.reply());
        QVERIFY2(applied.result->has_value(), applied.result->error().message.c_str());
        QCOMPARE(m_console->versions().providers, before.providers + 1);
        QCOMPARE(m_console->providers()[2].timeouts.total, 20000ms);

        Replies<void> refused;
        m_console->apply_providers({}, refused.reply());
        QVERIFY(!refused.result->has_value());
        QCOMPARE(refused.result->error().fields[0].path, std::string("providers"));
        QCOMPARE(m_console->versions().providers, before.providers + 1);
        QCOMPARE(m_console->providers().size(), std::size_t(3));
    }

    void cacheRulesAndAPurgeThatRepliesFromTheWorkerThread() {
        start(cachingConfig());
        QVERIFY(m_console->cache_rules().has_value());
        QCOMPARE(sb::test::ask(*m_engine, question("Where is my parcel?")).cache, sb::CacheStatus::Miss);
        QCOMPARE(sb::test::ask(*m_engine, question("Where is my parcel?")).cache, sb::CacheStatus::Hit);
        QCOMPARE(m_console->cache_stats()->store.entries, std::size_t(1));

        sb::CacheRule rule;
        rule.name = "broken";
        rule.match = sb::CacheMatch::Regex;
        rule.pattern = "([";
        Replies<void> refused;
        m_console->apply_cache_rules({rule}, {}, refused.reply());
        QVERIFY(!refused.result->has_value());
        QVERIFY2(refused.result->error().message.contains("rules[0].pattern"), refused.result->error().message.c_str());
        QCOMPARE(m_console->versions().cache_rules, std::uint64_t(0));

        Replies<std::size_t> purged;
        m_console->purge_cache("", purged.reply());
        QTRY_VERIFY(purged.arrived());
        QCOMPARE(purged.count, 1);
        QVERIFY(purged.thread != std::this_thread::get_id());
        QCOMPARE(**purged.result, std::size_t(1));
        QCOMPARE(m_console->cache_stats()->store.entries, std::size_t(0));
    }

    void withCachingOffTheCacheOperationsSaySo() {
        start(sb::test::simulator_config(m_port));
        QVERIFY(!m_console->cache_rules());
        QVERIFY(!m_console->cache_stats());
        Replies<std::size_t> purged;
        m_console->purge_cache("", purged.reply());
        QTRY_VERIFY(purged.arrived());
        QVERIFY(!purged.result->has_value());
        QVERIFY(purged.result->error().message.contains("cache.enabled"));
    }

    void keyOperationsWorkOnTheGatewaysStoreOrSayWhyNot() {
        start(sb::test::simulator_config(m_port), true);
        Replies<std::vector<sb::GatewayKeyInfo>> none;
        m_console->list_keys(none.reply());
        QVERIFY(!none.result->has_value());
        QVERIFY(none.result->error().message.contains("history"));

        auto store = sb::GatewayKeyStore::open(m_engine->database_path());
        QVERIFY2(store.has_value(), store ? "" : store.error().c_str());
        m_console->set_key_store(std::move(*store));
        Replies<sb::NewGatewayKey> created;
        m_console->create_key("checkout", sb::GatewayKeyLimits{60, 0, 0}, created.reply());
        QVERIFY2(created.result->has_value(), created.result->error().message.c_str());
        QVERIFY((*created.result)->secret.starts_with("sk-sb-"));
        const std::string id = (*created.result)->info.id;

        Replies<sb::GatewayKeyInfo> revoked;
        m_console->revoke_key(id, revoked.reply());
        QVERIFY(revoked.result->has_value() && (*revoked.result)->revoked());
        Replies<sb::GatewayKeyInfo> changed;
        m_console->change_key_limits(id, {.rpm = 5}, changed.reply());
        QVERIFY(!changed.result->has_value());
        QVERIFY2(changed.result->error().message.find("revoked") != std::string::npos,
                 changed.result->error().message.c_str());

        Replies<std::vector<sb::GatewayKeyInfo>> listed;
        m_console->list_keys(listed.reply());
        QCOMPARE((*listed.result)->size(), std::size_t(1));
        QCOMPARE((*listed.result)->front().name, std::string("checkout"));
    }

    void historyQueriesAnswerFromTheDatabaseOrSayItIsOff() {
        start(sb::test::simulator_config(m_port));  // history off
        auto off = m_console->open_history();
        const auto refused = off->count({});
        QVERIFY(!refused);
        QVERIFY2(refused.error().find("history is off") != std::string::npos, refused.error().c_str());

        start(sb::test::simulator_config(m_port), true);
        QVERIFY(sb::test::ask(*m_engine, question("Where is my parcel?")).ok());
        auto* writer = m_engine->history();
        QVERIFY(writer);
        QVERIFY(writer->flush(5000ms).has_value());
        std::expected<sb::HistoryPage, std::string> page = std::unexpected(std::string("not run"));
        std::thread worker([&] { page = m_console->open_history()->page({}, std::nullopt, 10); });  // a worker's own source
        worker.join();
        QVERIFY2(page.has_value(), page ? "" : page.error().c_str());
        QCOMPARE(page->rows.size(), std::size_t(1));
        QCOMPARE(page->rows[0].prompt_text.find("Where is my parcel?") != std::string::npos, true);
    }

    void alertEventsComeOnlyWhenTheyChanged() {
        start(sb::test::error_storm_config(m_port));
        std::vector<std::future<sb::RequestResult>> storm;  // enough requests for the error-rate rule to judge
        for (std::uint64_t i = 0; i < sb::AlertEvaluator::kMinRequests + 5; ++i) {
            auto request = question("Is my parcel on its way? " + std::to_string(i));
            request.extra_headers.emplace_back("x-sim-fault", "unavailable");
            storm.push_back(m_engine->submit(std::move(request)));
        }
        for (auto& future : storm) QVERIFY(!sb::test::wait_for(future).ok());
        m_engine->evaluate_alerts();
        const auto first = m_console->alerts(~std::uint64_t{0});
        QVERIFY(first.firing > 0);
        QVERIFY(!first.events.empty());
        const auto again = m_console->alerts(first.generation);
        QCOMPARE(again.generation, first.generation);
        QVERIFY(again.events.empty());  // nothing new: nothing copied
        QCOMPARE(again.firing, first.firing);
    }
};

QTEST_MAIN(TestLocalConsole)
#include "tst_local_console.moc"
