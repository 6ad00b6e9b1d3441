// The semantic cache inside the engine, over real loopback HTTP to the simulator, whose
// embeddings are bags of words (lower-cased, punctuation dropped): a question reworded with
// the same words is served the stored answer; a near miss ("cancel my order" / "cancel my
// subscription") is not; "never" rules and personal data never reach the embedder; opt-in by
// rule or tier; the scope keeps system prompts apart; an embedder that fails sends the
// question upstream; the Cache page's preview finds the nearest stored question.
#include <QtTest>

#include <future>

#include "../support/engine_fixture.h"
#include "engine/engine.h"

using namespace sb;
using namespace std::chrono_literals;
using sb::test::ask;

namespace {

constexpr const char* kSupport = "You are a support agent.";

ChatRequest question(std::string text, std::string system = kSupport) {
    ChatRequest request;
    request.provider = "openai";
    request.messages = {{Role::System, std::move(system)}, {Role::User, std::move(text)}};
    request.source = "test";
    return request;
}

CacheRule rule(std::string name, CacheAction action, CacheMatch match, std::vector<std::string> keywords = {},
               bool semantic = false) {
    CacheRule r;
    r.name = std::move(name);
    r.action = action;
    r.match = match;
    r.keywords = std::move(keywords);
    r.semantic = semantic;
    return r;
}

// The shipped rules' shape: personal data and accounts never; everything else may be matched
// semantically (a regex rule that matches any question opts it in).
std::vector<CacheRule> support_rules() {
    auto any = rule("faq", CacheAction::Ttl, CacheMatch::Regex, {}, true);
    any.pattern = ".";
    return {rule("personal data", CacheAction::Never, CacheMatch::PersonalData),
            rule("account", CacheAction::Never, CacheMatch::Keywords, {"my account"}), any};
}

std::optional<CachePreview> preview(Engine& engine, const ChatRequest& request) {
    std::promise<std::optional<CachePreview>> promise;
    auto future = promise.get_future();
    engine.preview_cache(request, [&promise](std::optional<CachePreview> p) { promise.set_value(std::move(p)); });
    if (future.wait_for(30s) != std::future_status::ready) qFatal("the cache preview did not finish");
    return future.get();
}

}  // namespace

class TestEngineSemanticCache : public QObject {
    Q_OBJECT

    std::unique_ptr<Simulator> m_simulator;
    std::uint16_t m_port = 0;

    std::uint64_t chat_calls() const { return m_simulator->stats().requests_to(SimEndpoint::chat_completions); }
    std::uint64_t embedding_calls() const { return m_simulator->stats().requests_to(SimEndpoint::embeddings); }

    std::unique_ptr<Engine> make_engine(std::vector<CacheRule> rules, std::function<void(Config&)> adjust = {}) {
        EngineOptions options;
        options.config = test::simulator_config(m_port);
        options.config.cache.enabled = true;
        options.config.cache.rules = std::move(rules);
        options.config.cache.semantic.enabled = true;
        if (adjust) adjust(options.config);
        options.history = false;
        return test::create_engine(std::move(options));
    }

private slots:
    void initTestCase() {
        m_simulator = test::start_simulator({}, &m_port);
        QVERIFY(m_simulator);
    }

    void rewordedQuestionIsServedTheStoredAnswer() {
        auto engine = make_engine(support_rules());
        const auto chats = chat_calls();
        const auto embeddings = embedding_calls();
        const auto first = ask(*engine, question("How do I reset my router?"));
        QVERIFY(first.ok());
        QCOMPARE(first.cache, CacheStatus::Miss);
        QCOMPARE(chat_calls(), chats + 1);
        QCOMPARE(embedding_calls(), embeddings + 1);  // the question, embedded on its way upstream
        QVERIFY(first.cost_usd && *first.cost_usd > 0);

        const auto reworded = ask(*engine, question("reset my router: how do I?"));
        QVERIFY(reworded.ok());
        QCOMPARE(reworded.cache, CacheStatus::SemanticHit);
        QCOMPARE(chat_calls(), chats + 1);  // no upstream chat call
        QCOMPARE(reworded.outcome->content, first.outcome->content);
        QVERIFY(reworded.saved_usd && *first.cost_usd - *reworded.saved_usd < 1e-6);  // what the answer had cost
        QVERIFY(reworded.cost_usd && *reworded.cost_usd < *first.cost_usd);         // only the embedding
        QVERIFY(reworded.route_reason.find("semantic cache: 1.000 similar") != std::string::npos);

        const auto stats = engine->cache()->stats();
        QVERIFY(stats.semantic.has_value());
        QCOMPARE(stats.semantic->hits, std::uint64_t(1));
        QCOMPARE(stats.semantic->lookups, std::uint64_t(2));
        QCOMPARE(stats.semantic->entries, std::size_t(1));
        QCOMPARE(stats.hits, std::uint64_t(0));  // exact hits are counted apart
        QCOMPARE(stats.misses, std::uint64_t(2));
    }

    void nearMissIsNotServed() {
        auto engine = make_engine(support_rules());
        QCOMPARE(ask(*engine, question("How do I cancel my order?")).cache, CacheStatus::Miss);
        const auto chats = chat_calls();
        const auto other = ask(*engine, question("How do I cancel my subscription?"));
        QVERIFY(other.ok());
        QCOMPARE(other.cache, CacheStatus::Miss);
        QCOMPARE(chat_calls(), chats + 1);
        // Both are stored now; each serves its own rewording only.
        QCOMPARE(ask(*engine, question("my subscription: how do I cancel")).outcome->content, other.outcome->content);
        QCOMPARE(engine->cache()->stats().semantic->hits, std::uint64_t(1));

        // The preview shows how near the near miss was, and that it stays below the threshold.
        const auto seen = preview(*engine, question("How do I cancel my membership?"));
        QVERIFY(seen && seen->nearest && seen->threshold);
        QVERIFY(seen->nearest->similarity > 0.5);
        QVERIFY(seen->nearest->similarity < *seen->threshold);
        QVERIFY(seen->nearest->question == "How do I cancel my order?" ||
                seen->nearest->question == "How do I cancel my subscription?");
        QCOMPARE(engine->cache()->stats().semantic->lookups, std::uint64_t(3));  // the preview counted nothing
    }

    void neverRulesAndPersonalDataNeverReachTheEmbedder() {
        auto engine = make_engine(support_rules());
        const auto embeddings = embedding_calls();
        const auto account = ask(*engine, question("How do I close my account?"));
        QCOMPARE(account.cache, CacheStatus::Skip);
        QCOMPARE(ask(*engine, question("my account: how do I close it")).cache, CacheStatus::Skip);
        const auto personal = ask(*engine, question("Reset my router, I am jane.doe@example.com"));
        QCOMPARE(personal.cache, CacheStatus::Skip);
        QCOMPARE(embedding_calls(), embeddings);
        QCOMPARE(engine->cache()->stats().semantic->lookups, std::uint64_t(0));
        const auto seen = preview(*engine, question("Reset my router, I am jane.doe@example.com"));
        QVERIFY(seen && !seen->nearest);
        QVERIFY(seen->semantic_note.find("personal data") != std::string::npos);
    }

    void onlyOptedInConversationsTakePart() {
        // No rule opts in and the request has no tier: the exact cache only.
        auto engine = make_engine({rule("faq", CacheAction::Ttl, CacheMatch::Keywords, {"router"})});
        const auto embeddings = embedding_calls();
        QCOMPARE(ask(*engine, question("How do I reset my router?")).cache, CacheStatus::Miss);
        QCOMPARE(ask(*engine, question("reset my router: how do I?")).cache, CacheStatus::Miss);
        QCOMPARE(embedding_calls(), embeddings);

        // A listed tier opts its conversations in.
        auto tiered = make_engine({}, [](Config& config) {
            TierConfig tier;
            tier.name = "simple";
            tier.cache_first = true;
            tier.targets = {RouteTarget{"openai", "gpt-4o-mini", 100, true}};
            config.routing.tiers = {tier};
            config.routing.default_tier = "simple";
            config.cache.semantic.tiers = {"simple"};
        });
        auto routed = [](std::string text) {
            auto request = question(std::move(text));
            request.provider.clear();
            return request;
        };
        QCOMPARE(ask(*tiered, routed("Where is my parcel now?")).cache, CacheStatus::Miss);
        QCOMPARE(ask(*tiered, routed("my parcel: where is it now")).cache, CacheStatus::Miss);  // another word, "it"
        QCOMPARE(ask(*tiered, routed("where is my PARCEL now")).cache, CacheStatus::SemanticHit);
    }

    void scopeKeepsSystemPromptsAndEarlierTurnsApart() {
        auto engine = make_engine(support_rules());
        QCOMPARE(ask(*engine, question("How do I reset my router?")).cache, CacheStatus::Miss);
        QCOMPARE(ask(*engine, question("reset my router: how do I?", "You are a translator.")).cache, CacheStatus::Miss);
        auto later = question("reset my router: how do I?");
        later.messages.insert(later.messages.begin() + 1, {Message{Role::User, "Hello"}, Message{Role::Assistant, "Hi!"}});
        QCOMPARE(ask(*engine, later).cache, CacheStatus::Miss);
        QCOMPARE(ask(*engine, question("reset my router: how do I?")).cache, CacheStatus::SemanticHit);
    }

    void failingEmbedderSendsTheQuestionUpstream() {
        // Anthropic has no embeddings API: every embedding request is refused.
        auto engine = make_engine(support_rules(), [](Config& config) { config.cache.semantic.model = "claude-haiku-4-5"; });
        const auto chats = chat_calls();
        const auto answer = ask(*engine, question("How do I reset my router?"));
        QVERIFY(answer.ok());
        QCOMPARE(answer.cache, CacheStatus::Miss);
        QCOMPARE(chat_calls(), chats + 1);
        const auto stats = engine->cache()->stats().semantic;
        QCOMPARE(stats->errors, std::uint64_t(1));
        QVERIFY2(stats->last_error.find("claude-haiku-4-5") != std::string::npos, stats->last_error.c_str());
        QCOMPARE(ask(*engine, question("How do I reset my router?")).cache, CacheStatus::Hit);  // the exact cache still works
    }

    void purgeForgetsTheQuestions() {
        auto engine = make_engine(support_rules());
        QCOMPARE(ask(*engine, question("How do I reset my router?")).cache, CacheStatus::Miss);
        engine->cache()->purge_all();
        QCOMPARE(engine->cache()->stats().semantic->entries, std::size_t(0));
        QCOMPARE(ask(*engine, question("reset my router: how do I?")).cache, CacheStatus::Miss);
    }
};

QTEST_GUILESS_MAIN(TestEngineSemanticCache)
#include "tst_engine_semantic_cache.moc"
