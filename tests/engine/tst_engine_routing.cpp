// Routing through the real engine over loopback HTTP, one simulator per provider so each can
// fail or slow down on its own: weights applied live, latency-aware shifting and recovery, a
// provider down with circuits opening and closing, a bad key moving traffic on, a multi-turn
// conversation failing over from the OpenAI format to Anthropic's with every turn intact (tool
// calls and results too), targets skipped for a part they cannot take, and config versions
// stored in the history database.
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <map>
#include <thread>

#include "../support/engine_fixture.h"
#include "engine/engine.h"
#include "cost/price_table.h"
#include "metrics/metrics_registry.h"
#include "providers/embeddings_wire.h"
#include "store/config_version_store.h"
#include "store/history_query.h"

using namespace sb;
using namespace std::chrono_literals;

namespace {

ChatRequest question(std::string text = "What is the price of the desk lamp?") {
    ChatRequest request;
    request.messages = {{Role::System, "You are terse."}, {Role::User, std::move(text)}};
    request.source = "test";
    return request;
}

RouteTarget target(std::string provider, double weight) { return RouteTarget{std::move(provider), "", weight, true}; }

RoutingConfig one_tier(std::vector<RouteTarget> targets, Balancing balancing = Balancing::Weighted) {
    RoutingConfig routing;
    TierConfig tier;
    tier.name = "standard";
    tier.balancing = balancing;
    tier.targets = std::move(targets);
    routing.tiers.push_back(std::move(tier));
    routing.default_tier = "standard";
    routing.circuit.cooldown = 300ms;
    return routing;
}

SimulatorProfile with_latency(double median_ms) {
    SimulatorProfile profile;
    profile.latency_median_ms = median_ms;
    profile.latency_p99_ms = median_ms * 1.2;
    return profile;
}

RequestResult wait_for(std::future<RequestResult>& future) {
    if (future.wait_for(30s) != std::future_status::ready) qFatal("request did not finish in time");
    return future.get();
}

}  // namespace

class TestEngineRouting : public QObject {
    Q_OBJECT

    std::map<std::string, std::unique_ptr<Simulator>> m_sims;  // provider → its own upstream
    QTemporaryDir m_dir;

    Config config_with(RoutingConfig routing) {
        auto config = test::simulator_config(0);
        for (auto& provider : config.providers)
            provider.base_url = "http://127.0.0.1:" + std::to_string(m_sims.at(provider.name)->port()) + "/v1";
        config.routing = std::move(routing);
        return config;
    }

    std::unique_ptr<Engine> make_engine(Config config, bool history = false) {
        EngineOptions options;
        options.config = std::move(config);
        options.history = history;
        options.database = m_dir.filePath("routing.db").toStdString();
        options.retry_uniform = [] { return 0.0; };
        auto engine = Engine::create(std::move(options));
        if (!engine) qFatal("engine: %s", engine.error().c_str());
        return std::move(*engine);
    }

    // Sends `count` requests, at most `parallel` in flight; returns how many each provider served.
    static std::map<std::string, int> send(Engine& engine, int count, int parallel, int* failures = nullptr) {
        std::map<std::string, int> served;
        std::vector<std::future<RequestResult>> window;
        auto drain = [&](std::size_t keep) {
            while (window.size() > keep) {
                auto result = wait_for(window.front());
                window.erase(window.begin());
                if (result.ok()) ++served[result.provider];
                else if (failures) ++*failures;
            }
        };
        for (int i = 0; i < count; ++i) {
            window.push_back(engine.submit(question("question " + std::to_string(i))));
            drain(static_cast<std::size_t>(parallel));
        }
        drain(0);
        return served;
    }

    static const TargetState* state_of(const std::vector<TargetState>& states, const std::string& provider) {
        for (const auto& state : states)
            if (state.target.provider == provider) return &state;
        return nullptr;
    }

private slots:
    void init() {
        for (const char* name : {"openai", "anthropic", "local"}) {
            std::uint16_t port = 0;
            m_sims[name] = test::start_simulator({}, &port);
            QVERIFY(m_sims[name]);
        }
    }
    void cleanup() { m_sims.clear(); }

    void weightChangeTakesEffectOnTheNextRequest() {
        auto engine = make_engine(config_with(one_tier({target("openai", 100), target("anthropic", 0)})), true);
        QCOMPARE(send(*engine, 20, 4)["openai"], 20);

        auto routing = engine->routing();
        routing.tiers[0].targets[0].weight = 0;
        routing.tiers[0].targets[1].weight = 100;
        const auto version = engine->apply_routing(routing, "test");
        QVERIFY2(version.has_value(), version ? "" : version.error().c_str());
        QVERIFY2(version->summary.find("weight 100 → 0") != std::string::npos, version->summary.c_str());

        auto future = engine->submit(question());
        QCOMPARE(wait_for(future).provider, std::string("anthropic"));
        QCOMPARE(send(*engine, 20, 4)["anthropic"], 20);

        // Stored in the history database, readable from another connection.
        QCOMPARE(engine->config_versions().size(), std::size_t(1));
        engine.reset();
        auto store = ConfigVersionStore::open(m_dir.filePath("routing.db").toStdString());
        QVERIFY(store.has_value());
        const auto stored = store->list(10);
        QVERIFY(stored.has_value());
        QCOMPARE(stored->size(), std::size_t(1));
        QCOMPARE(stored->front().author, std::string("test"));
        QCOMPARE(stored->front().summary, version->summary);
    }

    void invalidRoutingIsRefusedAndNothingChanges() {
        auto engine = make_engine(config_with(one_tier({target("openai", 1)})));
        auto routing = engine->routing();
        routing.tiers[0].targets[0].provider = "nobody";
        const auto refused = engine->apply_routing(routing, "test");
        QVERIFY(!refused.has_value());
        QVERIFY2(refused.error().find("routing.tiers[0].targets[0].provider") != std::string::npos, refused.error().c_str());
        QCOMPARE(engine->routing().tiers[0].targets[0].provider, std::string("openai"));
        QVERIFY(engine->config_versions().empty());
    }

    void latencyAwareModeMovesTrafficOffASlowTargetAndBack() {
        m_sims["openai"]->set_profile(with_latency(15));
        m_sims["anthropic"]->set_profile(with_latency(15));
        auto engine = make_engine(config_with(
            one_tier({target("openai", 50), target("anthropic", 50)}, Balancing::LatencyAware)));

        // Steady traffic from a client thread; each result remembered with the time it finished.
        std::mutex mutex;
        std::vector<std::pair<std::chrono::steady_clock::time_point, std::string>> served;
        std::atomic<bool> running{true};
        std::thread client([&] {
            std::vector<std::future<RequestResult>> window;
            while (running) {
                window.push_back(engine->submit(question()));
                if (window.size() >= 8) {
                    auto result = wait_for(window.front());
                    window.erase(window.begin());
                    std::lock_guard lock(mutex);
                    served.emplace_back(std::chrono::steady_clock::now(), result.provider);
                }
                std::this_thread::sleep_for(5ms);
            }
            for (auto& f : window) wait_for(f);
        });
        auto share_since = [&](std::chrono::steady_clock::time_point since) {
            std::lock_guard lock(mutex);
            int openai = 0, total = 0;
            for (const auto& [at, provider] : served)
                if (at >= since) {
                    ++total;
                    openai += provider == "openai";
                }
            return total == 0 ? -1.0 : double(openai) / total;
        };

        std::this_thread::sleep_for(2s);
        const double before = share_since(std::chrono::steady_clock::now() - 2s);
        m_sims["openai"]->set_profile(with_latency(150));  // ten times slower
        const auto slowed = std::chrono::steady_clock::now();
        double during = 1;
        while (std::chrono::steady_clock::now() - slowed < 10s) {
            std::this_thread::sleep_for(500ms);
            during = share_since(std::chrono::steady_clock::now() - 2s);
            if (std::chrono::steady_clock::now() - slowed > 3s && during >= 0 && during < 0.2) break;
        }
        m_sims["openai"]->set_profile(with_latency(15));
        const auto recovered = std::chrono::steady_clock::now();
        double after = 0;
        while (std::chrono::steady_clock::now() - recovered < 15s) {
            std::this_thread::sleep_for(500ms);
            after = share_since(std::chrono::steady_clock::now() - 2s);
            if (std::chrono::steady_clock::now() - recovered > 3s && after > 0.35) break;
        }
        running = false;
        client.join();
        qInfo("openai share: %.2f before, %.2f while 10x slower, %.2f after recovery", before, during, after);
        QVERIFY2(before > 0.3 && before < 0.7, qPrintable(QString::number(before)));
        QVERIFY2(during >= 0 && during < 0.2, qPrintable(QString::number(during)));
        QVERIFY2(after > 0.35, qPrintable(QString::number(after)));
    }

    void oneProviderDownStillServesAndItsCircuitOpensThenCloses() {
        SimulatorProfile down;
        down.errors.unavailable = 1.0;
        m_sims["openai"]->set_profile(down);
        auto engine = make_engine(config_with(
            one_tier({target("openai", 60), target("anthropic", 30), target("local", 10)})));

        int failures = 0;
        const auto served = send(*engine, 2000, 64, &failures);
        qInfo("2000 requests with openai down: %d failed, anthropic %d, local %d; failovers %llu", failures,
              served.count("anthropic") ? served.at("anthropic") : 0, served.count("local") ? served.at("local") : 0,
              static_cast<unsigned long long>(engine->stats().failovers));
        QVERIFY2(failures <= 2, qPrintable(QString::number(failures)));  // ≥ 99.9% succeed
        const auto open = state_of(engine->target_states(), "openai");
        QVERIFY(open);
        QVERIFY2(open->circuit == CircuitState::Open || open->circuit == CircuitState::HalfOpen,
                 std::string(to_string(open->circuit)).c_str());
        // Far fewer attempts reached it than requests were sent: the open circuit shed them.
        const auto reached = m_sims["openai"]->stats().requests_to(SimEndpoint::chat_completions);
        QVERIFY2(reached < 600, qPrintable(QString::number(reached)));

        m_sims["openai"]->set_profile({});  // recovered
        std::this_thread::sleep_for(400ms);  // past the cooldown: the next pick is a probe
        const auto after = send(*engine, 200, 4);
        QVERIFY2(after.count("openai") && after.at("openai") > 60, "openai did not win its traffic back");
        QCOMPARE(state_of(engine->target_states(), "openai")->circuit, CircuitState::Closed);
    }

    void badKeyIsNotRetriedAndTrafficMovesOn() {
        auto config = config_with(one_tier({target("openai", 100), target("anthropic", 0)}));
        config.providers[0].api_key = "sk-wrong-key";
        auto scheduler = std::make_shared<test::ManualScheduler>();
        EngineOptions options;
        options.config = config;
        options.history = false;
        options.scheduler = scheduler;
        auto engine = std::move(*Engine::create(std::move(options)));

        auto future = engine->submit(question());
        const auto result = wait_for(future);
        QVERIFY(result.ok());
        QCOMPARE(result.provider, std::string("anthropic"));
        QCOMPARE(result.attempts.size(), std::size_t(2));
        QCOMPARE(result.attempts[0].error, ErrorClass::Auth);
        QVERIFY(scheduler->delays().empty());  // no backoff: a bad key does not get better
        QCOMPARE(state_of(engine->target_states(), "openai")->circuit, CircuitState::AuthFailed);

        auto next = engine->submit(question());
        const auto second = wait_for(next);
        QCOMPARE(second.attempts.size(), std::size_t(1));  // straight to anthropic
        QCOMPARE(second.provider, std::string("anthropic"));
    }

    void multiTurnConversationFailsOverToAnthropicWithEveryTurn() {
        SimulatorProfile down;
        down.errors.unavailable = 1.0;
        m_sims["openai"]->set_profile(down);
        auto config = config_with(one_tier({target("openai", 100), target("anthropic", 0)}));
        config.retry.max_attempts = 2;
        auto engine = make_engine(config);

        ChatRequest request;
        request.messages = {{Role::System, "You are the shop's assistant."},
                            {Role::User, "Do you sell desk lamps?"},
                            {Role::Assistant, "Yes, three models."},
                            {Role::User, "Which one is the brightest?"},
                            {Role::Assistant, "The Lumen 900."},
                            {Role::User, "How much is it?"}};
        request.extra_headers.emplace_back("x-sim-echo", "1");
        auto future = engine->submit(request);
        const auto result = wait_for(future);
        QVERIFY2(result.ok(), result.ok() ? "" : result.outcome.error().message.c_str());
        QCOMPARE(result.provider, std::string("anthropic"));
        QCOMPARE(result.attempts.front().provider, std::string("openai"));
        QCOMPARE(QString::fromStdString(result.outcome->content),
                 QString("system: You are the shop's assistant.\n"
                         "user: Do you sell desk lamps?\n"
                         "assistant: Yes, three models.\n"
                         "user: Which one is the brightest?\n"
                         "assistant: The Lumen 900.\n"
                         "user: How much is it?\n"));
        QVERIFY(result.route_reason.find("failed over to anthropic") != std::string::npos);
    }

    // Turn one is answered by OpenAI with a tool call; then OpenAI goes down, and the turn that
    // carries the tool's result fails over to Anthropic. The simulator echoes what arrived: the
    // call and its result in Anthropic's own blocks, the tools in Anthropic's shape.
    void toolConversationFailsOverMidwayWithEveryCallAndResult() {
        auto config = config_with(one_tier({target("openai", 100), target("anthropic", 0)}));
        config.retry.max_attempts = 2;
        auto engine = make_engine(config);

        ChatRequest request = question("Where is my order SO-4417?");
        request.tools = nlohmann::json::parse(R"([{"type":"function","function":{"name":"get_order_status",
            "description":"Look up an order","parameters":{"type":"object","properties":{"order_id":{"type":"string"}},
            "required":["order_id"]}}}])");
        auto first_future = engine->submit(request);
        const auto first = wait_for(first_future);
        QVERIFY2(first.ok(), first.ok() ? "" : first.outcome.error().message.c_str());
        QCOMPARE(first.provider, std::string("openai"));
        QCOMPARE(first.outcome->finish_reason, std::string("tool_calls"));
        QCOMPARE(first.outcome->tool_calls.size(), std::size_t(1));
        const auto call = first.outcome->tool_calls[0];
        QCOMPARE(call.name, std::string("get_order_status"));
        QVERIFY(nlohmann::json::parse(call.arguments_json).is_object());

        SimulatorProfile down;
        down.errors.unavailable = 1.0;
        m_sims["openai"]->set_profile(down);
        Message called{Role::Assistant, ""};
        called.tool_calls = {call};
        Message result{Role::Tool, "shipped on Monday"};
        result.tool_call_id = call.id;
        request.messages.push_back(called);
        request.messages.push_back(result);

        auto answer_future = engine->submit(request);
        const auto answer = wait_for(answer_future);
        QVERIFY2(answer.ok(), answer.ok() ? "" : answer.outcome.error().message.c_str());
        QCOMPARE(answer.provider, std::string("anthropic"));
        QCOMPARE(answer.attempts.front().provider, std::string("openai"));
        QVERIFY2(answer.outcome->content.find("shipped on Monday") != std::string::npos, answer.outcome->content.c_str());

        request.extra_headers.emplace_back("x-sim-echo", "1");
        auto echo_future = engine->submit(request);
        const auto echo = wait_for(echo_future);
        QVERIFY2(echo.ok(), echo.ok() ? "" : echo.outcome.error().message.c_str());
        QCOMPARE(echo.provider, std::string("anthropic"));
        const auto expected = "system: You are terse.\n"
                              "user: Where is my order SO-4417?\n"
                              "assistant: [tool_use id=" + call.id + " get_order_status " +
                              nlohmann::json::parse(call.arguments_json).dump() + "]\n"
                              "user: [tool_result " + call.id + ": shipped on Monday]\n";
        QCOMPARE(QString::fromStdString(echo.outcome->content), QString::fromStdString(expected));
    }

    // A voice note: OpenAI takes input_audio, Anthropic does not.
    static ChatRequest with_audio() {
        ChatRequest request = question("What does this voice note say?");
        ContentPart text;
        text.text = request.messages[1].content;
        ContentPart audio;
        audio.kind = ContentPart::Kind::Audio;
        audio.media_type = "audio/wav";
        audio.data_base64 = "UklGRiQAAABXQVZF";
        request.messages[1].parts = {text, audio};
        return request;
    }

    void targetThatCannotTakeAPartIsSkippedWithTheReason() {
        auto engine = make_engine(config_with(one_tier({target("anthropic", 50), target("openai", 50)})), true);
        RequestResult result;
        for (int i = 0; i < 6; ++i) {  // a weighted pick would send some to anthropic
            auto future = engine->submit(with_audio());
            result = wait_for(future);
            QVERIFY2(result.ok(), result.ok() ? "" : result.outcome.error().message.c_str());
            QCOMPARE(result.provider, std::string("openai"));
            QCOMPARE(result.attempts.size(), std::size_t(1));
            QVERIFY2(result.route_reason.find("skipped anthropic/") != std::string::npos &&
                         result.route_reason.find("messages[1].content[1]") != std::string::npos &&
                         result.route_reason.find("input_audio") != std::string::npos,
                     result.route_reason.c_str());
        }
        // The reason stays with the request in the history.
        const auto database = engine->database_path();
        engine.reset();
        auto reader = HistoryReader::open(database);
        QVERIFY(reader.has_value());
        const auto page = reader->page(HistoryFilter{}, std::nullopt, 1);
        QVERIFY(page.has_value() && page->rows.size() == 1);
        QCOMPARE(page->rows.front().request_id, result.request_id);
        QCOMPARE(page->rows.front().route_reason, result.route_reason);
    }

    void partNoTargetCanTakeIsRefusedNamingIt() {
        auto engine = make_engine(config_with(one_tier({target("anthropic", 1)})));
        auto future = engine->submit(with_audio());
        const auto result = wait_for(future);
        QVERIFY(!result.ok());
        QCOMPARE(result.outcome.error().cls, ErrorClass::BadRequest);
        const auto& message = result.outcome.error().message;
        QVERIFY2(message.starts_with("messages[1].content[1]") && message.find("input_audio") != std::string::npos &&
                     message.find("no target of tier standard can take it") != std::string::npos,
                 message.c_str());
        QVERIFY(result.attempts.empty());  // nothing was sent

        auto pinned = with_audio();
        pinned.provider = "anthropic";
        auto pinned_future = engine->submit(pinned);
        const auto refused = wait_for(pinned_future);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.outcome.error().cls, ErrorClass::BadRequest);
        QVERIFY2(refused.outcome.error().message.find("pinned to provider anthropic") != std::string::npos,
                 refused.outcome.error().message.c_str());
    }

    static ChatRequest embeddings_of(std::string model, nlohmann::json input) {
        auto request = chat_request_from_embeddings({{"model", std::move(model)}, {"input", std::move(input)}});
        if (!request) qFatal("embeddings request: %s", request.error().message.c_str());
        request->source = "test";
        return std::move(*request);
    }

    void embeddingsStayWithProvidersOfTheirModel() {
        // The tier holds only Anthropic: embeddings must never fail over to it, only to another
        // provider listing the same embedding model.
        auto config = config_with(one_tier({target("anthropic", 1)}));
        for (auto& provider : config.providers)
            if (provider.name != "anthropic") provider.models.push_back("text-embedding-3-small");
        auto engine = make_engine(std::move(config), true);

        auto future = engine->submit(embeddings_of("text-embedding-3-small", {"refund my order", "where is my parcel"}));
        const auto result = wait_for(future);
        QVERIFY2(result.ok(), result.ok() ? "" : result.outcome.error().message.c_str());
        QCOMPARE(result.provider, std::string("openai"));
        QVERIFY(result.tier.empty());
        const auto body = nlohmann::json::parse(result.outcome->passthrough_body);
        QCOMPARE(body["data"].size(), std::size_t(2));
        const auto tokens = body["usage"]["prompt_tokens"].get<std::int64_t>();
        QCOMPARE(result.outcome->usage.input_tokens, tokens);
        QCOMPARE(result.outcome->content, std::string("2 embeddings × 256 dimensions, float"));
        QVERIFY(result.cost_usd && std::abs(*result.cost_usd - tokens * 0.02 / 1e6) < 1e-15);

        m_sims["openai"].reset();  // OpenAI goes away: the local server of the same model answers
        auto moved_future = engine->submit(embeddings_of("text-embedding-3-small", "where is my parcel"));
        const auto moved = wait_for(moved_future);
        QVERIFY2(moved.ok(), moved.ok() ? "" : moved.outcome.error().message.c_str());
        QCOMPARE(moved.provider, std::string("local"));
        QVERIFY2(moved.route_reason.find("failed over to local") != std::string::npos, moved.route_reason.c_str());

        auto refused_future = engine->submit(embeddings_of("claude-haiku-4-5", "where is my parcel"));
        const auto refused = wait_for(refused_future);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.outcome.error().cls, ErrorClass::BadRequest);
        QVERIFY2(refused.outcome.error().message.find("Anthropic has no embeddings API") != std::string::npos,
                 refused.outcome.error().message.c_str());
        QVERIFY(refused.attempts.empty());

        // The history keeps the inputs as text and the answer as its summary, priced.
        const auto database = engine->database_path();
        engine.reset();
        auto reader = HistoryReader::open(database);
        QVERIFY(reader.has_value());
        auto page = reader->page(HistoryFilter{}, std::nullopt, 10);
        QVERIFY(page.has_value());
        const auto row = std::find_if(page->rows.begin(), page->rows.end(),
                                      [&](const HistoryRecord& r) { return r.request_id == result.request_id; });
        QVERIFY(row != page->rows.end());
        QCOMPARE(row->model, std::string("text-embedding-3-small"));
        QCOMPARE(row->tokens_in, tokens);
        QCOMPARE(row->tokens_out, std::int64_t(0));
        QCOMPARE(row->prompt_text, std::string("user: refund my order\n\nuser: where is my parcel"));
        QCOMPARE(row->response_text, std::string("2 embeddings × 256 dimensions, float"));
        QVERIFY(std::abs(row->cost_usd - tokens * 0.02 / 1e6) < 1e-15);
    }

    void everyAnswerIsPricedFromThePriceTable() {
        auto engine = make_engine(config_with(one_tier({target("openai", 1)})), true);
        auto future = engine->submit(question());
        const auto result = wait_for(future);
        QVERIFY(result.ok());
        const auto& usage = result.outcome->usage;
        QVERIFY(usage.input_tokens > 0 && usage.output_tokens > 0);
        // gpt-4o-mini: $0.15 in, $0.60 out per million tokens.
        const double expected = (usage.input_tokens * 0.15 + usage.output_tokens * 0.60) / 1e6;
        QVERIFY(result.cost_usd.has_value());
        QVERIFY2(std::abs(*result.cost_usd - expected) < 1e-12, qPrintable(QString::number(*result.cost_usd)));
        QVERIFY(std::abs(engine->metrics().recent(std::chrono::minutes(1), std::chrono::seconds(1)).cost_usd - expected) < 1e-12);

        // And stored on the history row.
        const auto database = engine->database_path();
        engine.reset();
        auto reader = HistoryReader::open(database);
        QVERIFY(reader.has_value());
        const auto page = reader->page(HistoryFilter{}, std::nullopt, 1);  // the newest row
        QVERIFY(page.has_value() && page->rows.size() == 1);
        QCOMPARE(page->rows.front().request_id, result.request_id);
        QVERIFY(std::abs(page->rows.front().cost_usd - expected) < 1e-12);
    }

    void classifierTierDecidesTheTarget() {
        auto routing = one_tier({target("openai", 1)});
        TierConfig advanced;
        advanced.name = "advanced";
        advanced.targets = {RouteTarget{"anthropic", "claude-haiku-4-5", 1, true}};
        routing.tiers.push_back(advanced);
        ClassifierRule rule;
        rule.name = "hard-work";
        rule.kind = RuleKind::Regex;
        rule.pattern = "\\b(refactor|prove)\\b";
        rule.tier = "advanced";
        routing.rules.push_back(rule);
        auto engine = make_engine(config_with(routing));

        auto hard = engine->submit(question("Please refactor this function for me."));
        const auto hard_result = wait_for(hard);
        QCOMPARE(hard_result.tier, std::string("advanced"));
        QCOMPARE(hard_result.provider, std::string("anthropic"));
        QVERIFY2(hard_result.route_reason.find("hard-work") != std::string::npos, hard_result.route_reason.c_str());

        auto easy = engine->submit(question("Hello there"));
        const auto easy_result = wait_for(easy);
        QCOMPARE(easy_result.tier, std::string("standard"));
        QCOMPARE(easy_result.provider, std::string("openai"));

        const auto preview = engine->preview_route(question("Can you prove it?"));
        QCOMPARE(preview.classification.tier, std::string("advanced"));
        QVERIFY(preview.choice.has_value());
        QCOMPARE(preview.choice->target.provider, std::string("anthropic"));
    }
};

QTEST_APPLESS_MAIN(TestEngineRouting)
#include "tst_engine_routing.moc"
