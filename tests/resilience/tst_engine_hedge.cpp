// Hedged requests inside the engine, over real loopback HTTP to the simulator. The default
// routing puts every request on OpenAI first with Anthropic as its failover, so a hedge goes to
// Anthropic; a provider's static x-sim-latency-ms header makes it slow. Checked: a slow
// primary is overtaken by its hedge and cancelled; a fast one is never hedged; a hedge that
// loses is cancelled; either way the losing attempt is billed its prompt, on the request and
// in the metrics; a hedged stream reaches the caller once; hedges stay within their share;
// the delay follows the target's latency quantile.
#include <QtTest>

#include <future>
#include <thread>

#include "../support/engine_fixture.h"
#include "cost/price_table.h"
#include "engine/engine.h"
#include "metrics/metrics_registry.h"
#include "resilience/hedge_policy.h"

using namespace sb;
using namespace std::chrono_literals;
using sb::test::ask;

namespace {

ChatRequest question(std::string text) {
    ChatRequest request;
    request.messages = {{Role::System, "You answer questions about routers."}, {Role::User, std::move(text)}};
    request.source = "test";
    return request;
}

void slow_down(Config& config, const std::string& provider, int first_byte_ms) {
    for (auto& p : config.providers)
        if (p.name == provider) p.headers.emplace_back("x-sim-latency-ms", std::to_string(first_byte_ms));
}

double price(const std::string& model, const Usage& usage) {
    auto prices = PriceTable::load(SB_RESOURCES_DIR "/pricing.json");
    if (!prices) qFatal("pricing.json: %s", prices.error().c_str());
    return prices->cost_usd(model, usage).value_or(-1);
}

const ProviderStatus* provider_status(const EngineStats& stats, const std::string& name) {
    for (const auto& p : stats.providers)
        if (p.name == name) return &p;
    return nullptr;
}

// The losing attempt's transfer is cancelled: its provider has nothing in flight within a
// moment, long before its slow answer would have come.
bool nothing_in_flight_soon(Engine& engine, const std::string& provider) {
    for (int i = 0; i < 100; ++i) {
        const auto* status = provider_status(engine.stats(), provider);
        if (status && status->in_flight == 0) return true;
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

}  // namespace

class TestEngineHedge : public QObject {
    Q_OBJECT

    std::unique_ptr<Simulator> m_simulator;
    std::uint16_t m_port = 0;

    std::unique_ptr<Engine> make_engine(std::function<void(Config&)> adjust) {
        EngineOptions options;
        options.config = test::simulator_config(m_port);
        options.config.retry.hedge.enabled = true;
        options.config.retry.hedge.quantile = 0;  // a fixed delay: the test knows when the hedge goes
        options.config.retry.hedge.after = 100ms;
        options.config.retry.hedge.max_share = 1.0;
        options.config.cost.pricing = SB_RESOURCES_DIR "/pricing.json";
        adjust(options.config);
        options.history = false;
        return test::create_engine(std::move(options));
    }


private slots:
    void initTestCase() {
        m_simulator = test::start_simulator({}, &m_port);
        QVERIFY(m_simulator);
    }

    void slowPrimaryIsOvertakenByItsHedge() {
        auto engine = make_engine([](Config& c) { slow_down(c, "openai", 3000); });
        const auto result = ask(*engine, question("How do I reset my router?"));
        QVERIFY2(result.ok(), result.ok() ? "" : result.outcome.error().message.c_str());
        QCOMPARE(result.provider, std::string("anthropic"));
        QVERIFY(result.total_ms < 2000);  // not the primary's 3 s
        QVERIFY(result.hedge.has_value());
        QVERIFY(result.hedge->won);
        QCOMPARE(result.hedge->provider, std::string("anthropic"));
        QVERIFY(result.hedge->sent_after_ms >= 95 && result.hedge->sent_after_ms < 1000);
        QVERIFY(result.route_reason.find("hedged after") != std::string::npos);
        QVERIFY(result.route_reason.find("which answered first") != std::string::npos);

        // The primary was on the wire when it lost: billed its prompt, at its own model's price.
        QVERIFY(result.hedge->loser_cost_usd && *result.hedge->loser_cost_usd > 0);
        const double answer = price(result.model, result.outcome->usage);
        QVERIFY(answer > 0);
        QVERIFY(result.cost_usd);
        QVERIFY(std::abs(*result.cost_usd - (answer + *result.hedge->loser_cost_usd)) < 1e-9);
        const double prompt_only = price("gpt-4o-mini", Usage{.input_tokens = 1'000'000});
        QVERIFY(*result.hedge->loser_cost_usd < prompt_only / 1000);  // a prompt's worth, not an answer's

        QCOMPARE(result.attempts.size(), std::size_t(2));
        QVERIFY(!result.attempts[0].hedge);
        QVERIFY(result.attempts[1].hedge);
        QCOMPARE(result.attempts[1].error, ErrorClass::None);
        QVERIFY(nothing_in_flight_soon(*engine, "openai"));

        const auto stats = engine->stats();
        QCOMPARE(stats.hedges, std::uint64_t(1));
        QCOMPARE(stats.hedges_won, std::uint64_t(1));
        QCOMPARE(stats.retries, std::uint64_t(0));
        const auto window = engine->metrics().recent(60s, 1s);
        QCOMPARE(window.hedges, std::uint64_t(1));
        QCOMPARE(window.hedges_won, std::uint64_t(1));
        QVERIFY(std::abs(window.hedge_cost_usd - *result.hedge->loser_cost_usd) < 1e-12);
        const std::string scrape = engine->prometheus_text();
        QVERIFY(scrape.find("switchboard_hedges_total{provider=\"anthropic\",outcome=\"won\"} 1") != std::string::npos);
        QVERIFY(scrape.find("switchboard_hedge_cost_usd_total") != std::string::npos);
        QVERIFY(scrape.find("switchboard_failovers_total 0") != std::string::npos);  // a hedge is not a failover
    }

    void fastPrimaryIsNotHedged() {
        auto engine = make_engine([](Config& c) { c.retry.hedge.after = 2000ms; });
        const auto result = ask(*engine, question("How do I reset my router?"));
        QVERIFY(result.ok());
        QCOMPARE(result.provider, std::string("openai"));
        QVERIFY(!result.hedge.has_value());
        QCOMPARE(result.attempts.size(), std::size_t(1));
        QCOMPARE(engine->stats().hedges, std::uint64_t(0));
    }

    void losingHedgeIsCancelledAndBilled() {
        auto engine = make_engine([](Config& c) {
            slow_down(c, "openai", 400);
            slow_down(c, "anthropic", 3000);
        });
        const auto result = ask(*engine, question("How do I reset my router?"));
        QVERIFY(result.ok());
        QCOMPARE(result.provider, std::string("openai"));
        QVERIFY(result.total_ms < 2000);
        QVERIFY(result.hedge.has_value());
        QVERIFY(!result.hedge->won);
        QVERIFY(result.route_reason.find("which lost") != std::string::npos);
        QVERIFY(result.hedge->loser_cost_usd && *result.hedge->loser_cost_usd > 0);  // on the wire: its prompt
        const double answer = price(result.model, result.outcome->usage);
        QVERIFY(std::abs(*result.cost_usd - (answer + *result.hedge->loser_cost_usd)) < 1e-9);
        QCOMPARE(result.attempts.size(), std::size_t(2));
        QVERIFY(result.attempts[1].hedge);
        QCOMPARE(result.attempts[1].error, ErrorClass::Cancelled);
        QVERIFY(nothing_in_flight_soon(*engine, "anthropic"));
        QCOMPARE(engine->stats().hedges_won, std::uint64_t(0));
        QVERIFY(engine->prometheus_text().find("switchboard_hedges_total{provider=\"anthropic\",outcome=\"lost\"} 1") !=
                std::string::npos);
    }

    void hedgedStreamReachesTheCallerOnce() {
        auto engine = make_engine([](Config& c) { slow_down(c, "openai", 3000); });
        auto request = question("Tell me how to reset my router.");
        request.stream = true;
        std::mutex mutex;
        std::string streamed;
        int usage_pieces = 0;
        std::promise<RequestResult> done;
        auto future = done.get_future();
        engine->submit(
            std::move(request), [&done](RequestResult&& result) { done.set_value(std::move(result)); },
            [&](const StreamDelta& delta) {
                std::lock_guard lock(mutex);
                streamed += delta.content;
                if (delta.usage) ++usage_pieces;
            });
        const auto result = test::wait_for(future);
        QVERIFY(result.ok());
        QCOMPARE(result.provider, std::string("anthropic"));
        QVERIFY(result.hedge && result.hedge->won);
        std::lock_guard lock(mutex);
        QCOMPARE(streamed, result.outcome->content);  // every piece once, from the winner alone
        QCOMPARE(usage_pieces, 1);
        QVERIFY(nothing_in_flight_soon(*engine, "openai"));
    }

    void failedPrimaryLeavesTheCallToItsHedge() {
        // The primary fails fast after the hedge went (a 503 at 300 ms): no retry races the hedge,
        // whose answer is the request's.
        auto engine = make_engine([](Config& c) {
            slow_down(c, "openai", 300);
            c.providers[0].headers.emplace_back("x-sim-fault", "unavailable");
            slow_down(c, "anthropic", 600);
        });
        const auto result = ask(*engine, question("How do I reset my router?"));
        QVERIFY(result.ok());
        QCOMPARE(result.provider, std::string("anthropic"));
        QVERIFY(result.hedge && result.hedge->won);
        QCOMPARE(engine->stats().retries, std::uint64_t(0));
        QCOMPARE(*result.hedge->loser_cost_usd, 0.0);  // the primary's attempt failed: nothing to bill
    }

    void hedgesStayWithinTheirShare() {
        auto engine = make_engine([](Config& c) {
            slow_down(c, "openai", 300);
            c.retry.hedge.max_share = 0.1;
        });
        for (int i = 0; i < 20; ++i) QVERIFY(ask(*engine, question("Question " + std::to_string(i))).ok());
        const auto hedges = engine->stats().hedges;
        QVERIFY2(hedges >= 1 && hedges <= 3, std::to_string(hedges).c_str());  // 1 banked + 20 × 0.1
    }

    void delayFollowsTheTargetsQuantile() {
        HedgeConfig config;
        config.enabled = true;
        config.quantile = 0.9;
        config.min_after = 5ms;
        HedgePolicy policy(config);
        QVERIFY(!policy.delay_for("openai/gpt-4o-mini"));  // nothing learnt yet
        for (int ms = 1; ms <= 100; ++ms) policy.observe("openai/gpt-4o-mini", std::chrono::milliseconds(ms));
        const auto delay = policy.delay_for("openai/gpt-4o-mini");
        QVERIFY(delay);
        QVERIFY2(delay->count() >= 88 && delay->count() <= 92, std::to_string(delay->count()).c_str());
        QVERIFY(!policy.delay_for("anthropic/claude-haiku-4-5"));  // per target

        config.min_after = 200ms;
        HedgePolicy floored(config);
        for (int ms = 1; ms <= 100; ++ms) floored.observe("t", std::chrono::milliseconds(ms));
        QCOMPARE(floored.delay_for("t")->count(), 200LL);
    }
};

QTEST_GUILESS_MAIN(TestEngineHedge)
#include "tst_engine_hedge.moc"
