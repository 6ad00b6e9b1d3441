// The baseline replay's logic: the workload files parse (and bad ones are named), the
// generator is deterministic from its seed, its difficulty mix, one-off share, conversation
// length and Zipf repetition match the parameters, the half-repetition file has about half the
// reference-case workload's repetition, requests carry the conversation so far, and a tiny
// replay over loopback (fast simulator, injected errors) gives sane figures: raw calls fail
// some requests, the SDK's default retries and the engine's retries answer more of them, cache +
// tiers pays less per answer, and the warm-up is reported apart; the SDK client's retry schedule
// is the OpenAI SDKs' default; tier accuracy counts each judged question once.
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "cost/price_table.h"
#include "replay/replay.h"
#include "replay/sdk_retry.h"
#include "replay/tier_accuracy.h"
#include "replay/workload.h"
#include "simulator/simulator_profile.h"

using namespace sb;
using namespace sb::replay;

namespace {

const std::filesystem::path kReplayDir = SB_RESOURCES_DIR "/replay";

QuestionPool pool() {
    auto loaded = load_question_pool(kReplayDir / "questions.json");
    if (!loaded) qFatal("%s", loaded.error().c_str());
    return *loaded;
}

WorkloadParams params(int conversations) {
    WorkloadParams p;
    p.name = "test";
    p.seed = 99;
    p.conversations = conversations;
    p.arrival_per_s = 1000;
    p.turns_mean = 2.0;
    p.turns_max = 6;
    p.think_time_ms = 10;
    p.zipf_s = 1.0;
    p.one_off_share = 0.2;
    return p;
}

// E[min(1 + Geometric, max)] = Σ_{k<max} q^k with q = 1 − 1/mean.
double expected_turns(double mean, int max) {
    const double q = 1.0 - 1.0 / mean;
    double sum = 0;
    for (int k = 0; k < max; ++k) sum += std::pow(q, k);
    return sum;
}

Config fast_engine_config() {
    auto config = default_config([](const std::string&) { return std::optional<std::string>(); });
    if (!config) qFatal("default config does not load");
    config->retry.initial_delay = std::chrono::milliseconds(5);
    config->retry.jitter = std::chrono::milliseconds(5);
    config->retry.max_delay = std::chrono::milliseconds(40);
    config->retry.retry_after_cap = std::chrono::milliseconds(100);
    return *config;
}

const ModeSummary& summary_of(const std::vector<ModeSummary>& summaries, Mode mode) {
    for (const auto& s : summaries)
        if (s.mode == mode) return s;
    qFatal("no summary of mode %s", to_string(mode));
}

}  // namespace

class TestReplay : public QObject {
    Q_OBJECT

private slots:
    void shippedFilesLoad() {
        for (const char* name : {"workload-reference-case.json", "workload-half-repetition.json"}) {
            auto workload = load_and_generate(kReplayDir / name);
            QVERIFY2(workload.has_value(), workload ? "" : workload.error().c_str());
            QVERIFY(workload->request_count() > 1000);
            QCOMPARE(workload->params.client.strong_model, std::string("gpt-4o"));
        }
        auto upstream = load_simulator_profile(kReplayDir / "upstream-reference-case.json");
        QVERIFY2(upstream.has_value(), upstream ? "" : upstream.error().c_str());
        QVERIFY(std::abs(upstream->errors.total() - 0.08) < 1e-9);
        // Log-normal mean = median · exp(σ²/2): about the reference case's 1,200 ms.
        const double sigma = std::log(upstream->latency_p99_ms / upstream->latency_median_ms) / 2.326;
        const double mean = upstream->latency_median_ms * std::exp(sigma * sigma / 2);
        QVERIFY2(mean > 1150 && mean < 1250, qPrintable(QString::number(mean)));
    }

    void badParametersAreNamed_data() {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("error");
        QTest::newRow("unknown key") << R"({"zipf": 1})"
                                     << "zipf: unknown key";
        QTest::newRow("mix sum") << R"({"tier_mix": {"simple": 0.5, "medium": 0.3, "hard": 0.1}})"
                                 << "tier_mix: shares must sum to 1";
        QTest::newRow("share range") << R"({"one_off_share": 1.5})"
                                     << "one_off_share: must be a number in [0, 1]";
        QTest::newRow("warm-up") << R"({"conversations": 10, "warmup_conversations": 10})"
                                 << "warmup_conversations: must be less than conversations";
        QTest::newRow("turns") << R"({"turns": {"mean": 4, "max": 3}})"
                               << "turns.mean: must not exceed turns.max";
        QTest::newRow("client") << R"({"client": {"strong_model": ""}})"
                                << "client.strong_model: must not be empty";
    }
    void badParametersAreNamed() {
        QFETCH(QString, json);
        QFETCH(QString, error);
        auto parsed = parse_workload(nlohmann::json::parse(json.toStdString()), ".");
        QVERIFY(!parsed);
        QCOMPARE(QString::fromStdString(parsed.error()), error);
    }

    void badPoolIsNamed() {
        auto json = nlohmann::json::parse(R"({"system_prompt": "s", "topics": [{"name": "t", "openers": [
            {"tier": "simple", "text": "Do you ship to {planet}?"}]}]})");
        auto parsed = parse_question_pool(json);
        QVERIFY(!parsed);
        QCOMPARE(QString::fromStdString(parsed.error()),
                 QString("topics[0].openers[0].text: unknown placeholder {planet}"));
    }

    void poolExpandsPlaceholders() {
        const auto p = pool();
        QVERIFY(p.openers.size() > 300);  // templates × products, countries…
        bool chinese = false, braces = false;
        for (const auto& q : p.openers) {
            chinese = chinese || q.text.find("退货") != std::string::npos;
            braces = braces || q.text.find('{') != std::string::npos;
        }
        QVERIFY(chinese);
        QVERIFY(!braces);
        for (const auto& q : p.one_offs) QVERIFY(q.text.find("{order}") != std::string::npos);
    }

    void deterministicFromSeed() {
        const auto p = pool();
        const auto a = generate_workload(params(300), p);
        const auto b = generate_workload(params(300), p);
        QCOMPARE(a.conversations.size(), b.conversations.size());
        for (std::size_t c = 0; c < a.conversations.size(); ++c) {
            QCOMPARE(a.conversations[c].start_ms, b.conversations[c].start_ms);
            QCOMPARE(a.conversations[c].turns.size(), b.conversations[c].turns.size());
            for (std::size_t k = 0; k < a.conversations[c].turns.size(); ++k) {
                QCOMPARE(a.conversations[c].turns[k].user_text, b.conversations[c].turns[k].user_text);
                QCOMPARE(a.conversations[c].turns[k].think_time_ms,
                         b.conversations[c].turns[k].think_time_ms);
            }
        }
        auto other = params(300);
        other.seed = 100;
        const auto c = generate_workload(other, p);
        int same = 0;
        for (std::size_t i = 0; i < c.conversations.size(); ++i)
            same += c.conversations[i].turns[0].user_text == a.conversations[i].turns[0].user_text;
        QVERIFY(same < 100);
    }

    void oneOffShareLeavesOtherDrawsInPlace() {
        // Only which turns are one-offs changes: arrivals, lengths and difficulties stay.
        const auto p = pool();
        auto more = params(300);
        more.one_off_share = 0.6;
        const auto a = generate_workload(params(300), p), b = generate_workload(more, p);
        for (std::size_t c = 0; c < a.conversations.size(); ++c) {
            QCOMPARE(a.conversations[c].start_ms, b.conversations[c].start_ms);
            QCOMPARE(a.conversations[c].turns.size(), b.conversations[c].turns.size());
            for (std::size_t k = 0; k < a.conversations[c].turns.size(); ++k)
                QCOMPARE(a.conversations[c].turns[k].difficulty, b.conversations[c].turns[k].difficulty);
        }
    }

    void mixLengthAndRepetitionMatchParameters() {
        const auto p = pool();
        auto wp = params(20000);
        wp.tier_mix[0] = 0.5;
        wp.tier_mix[1] = 0.35;
        wp.tier_mix[2] = 0.15;
        const auto workload = generate_workload(wp, p);
        const auto stats = describe(workload);
        for (int d = 0; d < kDifficultyCount; ++d)
            QVERIFY2(std::abs(stats.difficulty_share[d] - wp.tier_mix[d]) < 0.01,
                     qPrintable(QString("difficulty %1: %2").arg(d).arg(stats.difficulty_share[d])));
        QVERIFY2(std::abs(stats.one_off_share - wp.one_off_share) < 0.01,
                 qPrintable(QString::number(stats.one_off_share)));
        const double turns = expected_turns(wp.turns_mean, wp.turns_max);
        QVERIFY2(std::abs(stats.mean_turns - turns) < 0.03,
                 qPrintable(QString("%1 vs %2").arg(stats.mean_turns).arg(turns)));
        // Zipf: the share of first questions asked before matches its expectation.
        const double expected = expected_opener_repetition(wp, p);
        QVERIFY2(std::abs(stats.opener_repetition - expected) < 0.01,
                 qPrintable(QString("%1 vs %2").arg(stats.opener_repetition).arg(expected)));
        // …and, over fewer conversations (far from every question having been asked), a steeper
        // law repeats more and a flatter one less, each as expected.
        auto base = params(1000), steep = base, flat = base;
        steep.zipf_s = 1.4;
        flat.zipf_s = 0.5;
        const double at_base = describe(generate_workload(base, p)).opener_repetition;
        const double at_steep = describe(generate_workload(steep, p)).opener_repetition;
        const double at_flat = describe(generate_workload(flat, p)).opener_repetition;
        QVERIFY2(at_steep > at_base + 0.05 && at_flat < at_base - 0.05,
                 qPrintable(QString("%1 %2 %3").arg(at_flat).arg(at_base).arg(at_steep)));
        for (const auto& [wp_s, measured] : {std::pair{steep, at_steep}, std::pair{flat, at_flat}})
            QVERIFY2(std::abs(measured - expected_opener_repetition(wp_s, p)) < 0.03,
                     qPrintable(QString("%1 vs %2").arg(measured).arg(expected_opener_repetition(wp_s, p))));
    }

    void halfRepetitionFileHasHalfTheRepetition() {
        auto reference = load_and_generate(kReplayDir / "workload-reference-case.json");
        auto half = load_and_generate(kReplayDir / "workload-half-repetition.json");
        QVERIFY(reference && half);
        const auto a = describe(*reference), b = describe(*half);
        const double ratio = b.measured_repetition / a.measured_repetition;
        QVERIFY2(ratio > 0.45 && ratio < 0.55,
                 qPrintable(QString("%1 / %2").arg(b.measured_repetition).arg(a.measured_repetition)));
        // Everything else is the same traffic.
        QCOMPARE(half->params.tier_mix[0], reference->params.tier_mix[0]);
        QCOMPARE(half->params.turns_mean, reference->params.turns_mean);
        QCOMPARE(half->params.zipf_s, reference->params.zipf_s);
        QCOMPARE(half->params.conversations, reference->params.conversations);
    }

    void requestCarriesTheConversation() {
        const auto workload = generate_workload(params(200), pool());
        const Conversation* longest = &workload.conversations.front();
        for (const auto& c : workload.conversations)
            if (c.turns.size() > longest->turns.size()) longest = &c;
        QVERIFY(longest->turns.size() >= 3);
        const auto request = request_for(workload, *longest, 2, "auto");
        QCOMPARE(request.messages.size(), std::size_t(6));
        QCOMPARE(request.messages[0].role, Role::System);
        QCOMPARE(request.messages[1].content, longest->turns[0].user_text);
        QCOMPARE(request.messages[2].role, Role::Assistant);
        QCOMPARE(request.messages[2].content, logged_answer(longest->turns[0].user_text));
        QCOMPARE(request.messages[5].content, longest->turns[2].user_text);
        QCOMPARE(request.conversation_id, longest->id);
        QCOMPARE(request.model, std::string("auto"));
    }

    // The OpenAI SDKs' defaults: which answers are retried, and how long each retry waits.
    void sdkRetrySchedule() {
        for (const int status : {0, 408, 409, 429, 500, 502, 503, 504}) QVERIFY(sdk_should_retry(status, {}));
        for (const int status : {400, 401, 403, 404, 422}) QVERIFY(!sdk_should_retry(status, {}));
        QVERIFY(!sdk_should_retry(503, {{"x-should-retry", "false"}}));
        QVERIFY(sdk_should_retry(400, {{"x-should-retry", "true"}}));
        QCOMPARE(kSdkMaxRetries, 2);

        const auto now = std::chrono::system_clock::now();
        using std::chrono::milliseconds;
        // 0.5 s doubling, at most 8 s, shortened by up to a quarter.
        QCOMPARE(sdk_retry_delay(0, {}, 0.0, now), milliseconds(500));
        QCOMPARE(sdk_retry_delay(0, {}, 1.0, now), milliseconds(375));
        QCOMPARE(sdk_retry_delay(1, {}, 0.0, now), milliseconds(1000));
        QCOMPARE(sdk_retry_delay(1, {}, 0.5, now), milliseconds(875));
        QCOMPARE(sdk_retry_delay(4, {}, 0.0, now), milliseconds(8000));
        QCOMPARE(sdk_retry_delay(9, {}, 0.0, now), milliseconds(8000));
        // The server's word first: retry-after-ms, then retry-after in seconds or as a date.
        QCOMPARE(sdk_retry_delay(0, {{"retry-after-ms", "250"}, {"retry-after", "9"}}, 0.0, now), milliseconds(250));
        QCOMPARE(sdk_retry_delay(1, {{"retry-after", "3"}}, 0.0, now), milliseconds(3000));
        QCOMPARE(sdk_retry_delay(0, {{"retry-after", "0"}}, 0.0, now), milliseconds(0));
    }

    // The tier rules against judged difficulty: the matrix counts each question once, in its
    // judged row and its chosen column; agreement is tier i for difficulty i.
    void tierAccuracyCountsEachQuestion() {
        RoutingConfig routing;
        for (const char* name : {"simple", "standard", "advanced"}) routing.tiers.push_back(TierConfig{.name = name});
        routing.default_tier = "simple";
        routing.rules = {ClassifierRule{.name = "refunds", .kind = RuleKind::Keywords, .tier = "advanced", .values = {"refund"}}};
        JudgedSet set;
        set.name = "test";
        set.system_prompt = "You are a support agent.";
        set.questions = {{"Opening hours?", Difficulty::Simple},         // simple → simple: agrees
                         {"I want a refund", Difficulty::Simple},         // simple → advanced
                         {"Why was I charged twice?", Difficulty::Hard},  // hard → simple
                         {"Refund rules for gifts?", Difficulty::Hard}};  // hard → advanced: agrees
        const auto accuracy = measure_tier_accuracy(routing, set);
        QCOMPARE(accuracy.questions, std::size_t(4));
        QCOMPARE(accuracy.agreed, std::size_t(2));
        QCOMPARE(accuracy.matrix.at("simple").at("simple"), std::size_t(1));
        QCOMPARE(accuracy.matrix.at("simple").at("advanced"), std::size_t(1));
        QCOMPARE(accuracy.matrix.at("hard").at("simple"), std::size_t(1));
        QCOMPARE(accuracy.matrix.at("hard").at("advanced"), std::size_t(1));
        QVERIFY(format_tier_accuracy(accuracy).contains("agreement 2 of 4 (50.0%)"));

        // Both shipped sets load: the replay's pool one question per text, and the judged set.
        const auto pool_set = load_pool_as_judged_set(kReplayDir / "questions.json");
        QVERIFY2(pool_set.has_value(), pool_set ? "" : pool_set.error().c_str());
        QVERIFY(pool_set->questions.size() >= 100);
        const auto judged = load_judged_set(kReplayDir / "questions-judged.json");
        QVERIFY2(judged.has_value(), judged ? "" : judged.error().c_str());
        QVERIFY(judged->questions.size() >= 150);
        for (const Difficulty d : {Difficulty::Simple, Difficulty::Medium, Difficulty::Hard})
            QVERIFY(std::ranges::any_of(judged->questions, [d](const JudgedQuestion& q) { return q.difficulty == d; }));

        // A bad item is named.
        QTemporaryDir dir;
        const std::filesystem::path bad = dir.filePath("bad.json").toStdString();
        std::ofstream(bad) << R"({"questions": [{"text": "Hi", "difficulty": "simple"}, {"text": "Why?", "difficulty": "tricky"}]})";
        const auto refused = load_judged_set(bad);
        QVERIFY(!refused.has_value());
        QVERIFY2(refused.error().ends_with("questions[1].difficulty: must be simple, medium or hard"), refused.error().c_str());
    }

    void tinyReplayGivesSaneFigures() {
        // A few dozen requests, a fast upstream that fails a quarter of the attempts.
        auto wp = params(24);
        wp.arrival_per_s = 100;
        wp.one_off_share = 0.0;  // popular questions only: the cache has something to answer
        wp.zipf_s = 1.5;
        wp.client.timeout_ms = 2000;
        wp.warmup_conversations = 4;  // sent first, reported apart as the cold start
        const auto workload = generate_workload(wp, pool());
        QVERIFY(workload.request_count() >= 30);

        SimulatorProfile upstream;
        upstream.seed = 5;
        upstream.latency_median_ms = 2;
        upstream.latency_p99_ms = 10;
        upstream.reply_words = 60;
        upstream.retry_after_s = 0;
        upstream.errors.rate_limited = 0.10;
        upstream.errors.bad_gateway = 0.10;
        upstream.errors.unavailable = 0.05;

        const Config base = fast_engine_config();
        std::vector<ModeSummary> summaries;
        for (const Mode mode : kModes) {
            auto upstreams = Upstreams::start(base, upstream);
            QVERIFY2(upstreams.has_value(), upstreams ? "" : upstreams.error().c_str());
            const Config config = replay_config(base, upstreams->ports(), wp.client, mode);
            RunOptions options;
            options.guard = std::chrono::seconds(20);
            const ModeRun run = run_mode(workload, mode, config, PriceTable::built_in(), options);
            QVERIFY(run.complete);
            QCOMPARE(run.records.size(), workload.request_count());
            for (const auto& record : run.records) QVERIFY(record.finished);
            summaries.push_back(summarize(run));
            const auto warmup = summarize_warmup(run);
            QVERIFY(warmup.requests > 0);
            QCOMPARE(warmup.requests + summaries.back().requests, run.records.size());
            QVERIFY(warmup.mean_ms > 0);
        }
        compare_with_raw(summaries);
        const auto& raw = summary_of(summaries, Mode::Raw);
        const auto& sdk = summary_of(summaries, Mode::SdkRetries);
        const auto& batching = summary_of(summaries, Mode::Batching);
        const auto& cache = summary_of(summaries, Mode::CacheTiers);
        const auto& semantic = summary_of(summaries, Mode::Semantic);
        QVERIFY(semantic.cache_hit_ratio > 0.0);  // exact hits at least: the semantic cache adds to the cache
        QVERIFY(semantic.success >= cache.success - 0.05);
        QVERIFY2(raw.success < 1.0, qPrintable(QString::number(raw.success)));
        QVERIFY(raw.success > 0.5);
        // The SDK's two retries answer more than one attempt does, with at most three calls each.
        QVERIFY2(sdk.success > raw.success, qPrintable(QString("%1 vs %2").arg(sdk.success).arg(raw.success)));
        QVERIFY(sdk.upstream_calls_per_request > 1.0 && sdk.upstream_calls_per_request <= 3.0);
        QCOMPARE(sdk.model_share.size(), std::size_t(1));
        QVERIFY2(batching.success > raw.success,
                 qPrintable(QString("%1 vs %2").arg(batching.success).arg(raw.success)));
        QVERIFY(batching.upstream_calls_per_request > 1.0);  // retries happened
        QCOMPARE(raw.upstream_calls_per_request, 1.0);
        QCOMPARE(raw.model_share.size(), std::size_t(1));
        QVERIFY(raw.model_share.contains("gpt-4o"));
        QVERIFY(cache.cache_hit_ratio > 0.0);
        QVERIFY2(cache.cost_per_1k_answered < batching.cost_per_1k_answered,
                 qPrintable(
                     QString("%1 vs %2").arg(cache.cost_per_1k_answered).arg(batching.cost_per_1k_answered)));
        QVERIFY(cache.saved_vs_raw > 0.2);
        QVERIFY(raw.mean_ms > 0 && raw.p99_ms >= raw.p50_ms);
        QCOMPARE(raw.latency_quantiles.size(), std::size_t(101));
        const auto json = to_json(cache);
        QCOMPARE(json["mode"].get<std::string>(), std::string("cache"));
        QVERIFY(json.contains("tier_by_difficulty"));
    }

    void hedgingOvertakesHungCallsAndCountsTheirCost() {
        // A fifth of the calls hang (accepted, never answered): batching waits for the 2 s timeout
        // and retries; hedging sends a copy after the targets' shipped delay, which answers.
        auto wp = params(30);
        wp.arrival_per_s = 60;
        wp.client.timeout_ms = 2000;
        wp.warmup_conversations = 0;
        const auto workload = generate_workload(wp, pool());
        SimulatorProfile upstream;
        upstream.seed = 11;
        upstream.latency_median_ms = 5;
        upstream.latency_p99_ms = 20;
        upstream.retry_after_s = 0;
        upstream.errors.hang = 0.2;

        const Config base = fast_engine_config();
        QVERIFY(!base.retry.hedge.enabled);  // off unless the mode turns it on
        std::vector<ModeSummary> summaries;
        for (const Mode mode : {Mode::Batching, Mode::Hedging}) {
            auto upstreams = Upstreams::start(base, upstream);
            QVERIFY(upstreams.has_value());
            const Config config = replay_config(base, upstreams->ports(), wp.client, mode);
            QCOMPARE(config.retry.hedge.enabled, mode == Mode::Hedging);
            RunOptions options;
            options.guard = std::chrono::seconds(30);
            const ModeRun run = run_mode(workload, mode, config, PriceTable::built_in(), options);
            QVERIFY(run.complete);
            summaries.push_back(summarize(run));
        }
        const auto& batching = summaries[0];
        const auto& hedging = summaries[1];
        QCOMPARE(batching.hedge_share, 0.0);
        QVERIFY2(hedging.hedge_share > 0.05, qPrintable(QString::number(hedging.hedge_share)));
        QVERIFY2(hedging.hedge_won_share > 0.5, qPrintable(QString::number(hedging.hedge_won_share)));
        // A hung primary was on the wire when its hedge won: its prompt is billed, and counted.
        QVERIFY2(hedging.hedge_cost_share > 0.0 && hedging.hedge_cost_share < 0.5,
                 qPrintable(QString::number(hedging.hedge_cost_share)));
        QVERIFY2(hedging.mean_ms < batching.mean_ms,
                 qPrintable(QString("%1 vs %2 ms").arg(hedging.mean_ms).arg(batching.mean_ms)));
        QVERIFY(hedging.success >= batching.success);
        const auto json = to_json(hedging);
        QVERIFY(json["hedge_cost_share"].get<double>() > 0.0);
    }
};

QTEST_MAIN(TestReplay)
#include "tst_replay.moc"
