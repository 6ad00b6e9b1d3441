// The engine end to end over real loopback HTTP to the simulator: every provider format,
// streaming, retries (timing on virtual time), failover, timeouts, resets, malformed bodies,
// cancellation, shutdown, demo mode, one history row per request in a real SQLite file, and
// providers swapped live (apply_providers): refused whole with the path of what breaks,
// requests under way finishing on the old settings, learnt state kept where nothing changed.
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <condition_variable>
#include <set>
#include <thread>

#include "../support/engine_fixture.h"
#include "engine/engine.h"
#include "store/history_query.h"
#include "store/history_writer.h"

using namespace sb;
using namespace std::chrono_literals;

namespace {

ChatRequest question(std::string text = "What is the price of the desk lamp?") {
    ChatRequest request;
    request.messages = {{Role::System, "You are terse."}, {Role::User, std::move(text)}};
    request.source = "test";
    return request;
}

ChatRequest with_fault(ChatRequest request, std::string fault, int times = 0, std::string key = {}) {
    request.extra_headers.emplace_back("x-sim-fault", std::move(fault));
    if (times > 0) request.extra_headers.emplace_back("x-sim-fault-times", std::to_string(times));
    if (!key.empty()) request.extra_headers.emplace_back("x-sim-key", std::move(key));
    return request;
}

RequestResult wait_for(std::future<RequestResult>& future, std::chrono::seconds limit = 20s) {
    if (future.wait_for(limit) != std::future_status::ready) qFatal("request did not finish in time");
    return future.get();
}

}  // namespace

class TestEngine : public QObject {
    Q_OBJECT

    std::unique_ptr<Simulator> m_simulator;
    std::uint16_t m_port = 0;
    QTemporaryDir m_dir;

    std::unique_ptr<Engine> make_engine(std::shared_ptr<Scheduler> scheduler = {}, Config config = {},
                                        bool history = true) {
        EngineOptions options;
        options.config = config.providers.empty() ? test::simulator_config(m_port) : std::move(config);
        options.database = m_dir.filePath("history.db").toStdString();
        options.history = history;
        options.scheduler = std::move(scheduler);
        options.retry_uniform = [] { return 0.0; };
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

    void answersInEveryWireFormat_data() {
        QTest::addColumn<QString>("provider");
        QTest::addColumn<QString>("model");
        QTest::newRow("openai") << "openai" << "gpt-4o-mini";
        QTest::newRow("anthropic") << "anthropic" << "claude-haiku-4-5";
        QTest::newRow("local") << "local" << "llama3.2";
    }
    void answersInEveryWireFormat() {
        QFETCH(QString, provider);
        QFETCH(QString, model);
        auto engine = make_engine({}, {}, false);
        auto request = question();
        request.provider = provider.toStdString();
        auto future = engine->submit(std::move(request));
        const auto result = wait_for(future);
        QVERIFY2(result.ok(), result.ok() ? "" : result.outcome.error().message.c_str());
        QCOMPARE(QString::fromStdString(result.provider), provider);
        QCOMPARE(QString::fromStdString(result.model), model);
        QVERIFY(!result.outcome->content.empty());
        QVERIFY(result.outcome->usage.input_tokens > 0);
        QVERIFY(result.outcome->usage.output_tokens > 0);
        QCOMPARE(result.outcome->finish_reason, std::string("stop"));
        QCOMPARE(result.attempts.size(), std::size_t(1));
        QVERIFY(result.timings.total_ms > 0);
        QVERIFY(result.timings.first_byte_ms <= result.timings.total_ms);
    }

    void modelNameSelectsItsProvider() {
        auto engine = make_engine({}, {}, false);
        auto request = question();
        request.model = "claude-haiku-4-5";
        auto future = engine->submit(std::move(request));
        const auto result = wait_for(future);
        QVERIFY(result.ok());
        QCOMPARE(result.provider, std::string("anthropic"));
    }

    void streamingDeliversDeltasThatAddUpToTheAnswer_data() {
        QTest::addColumn<QString>("provider");
        QTest::newRow("openai") << "openai";
        QTest::newRow("anthropic") << "anthropic";
    }
    void streamingDeliversDeltasThatAddUpToTheAnswer() {
        QFETCH(QString, provider);
        auto engine = make_engine({}, {}, false);
        auto request = question();
        request.provider = provider.toStdString();
        request.stream = true;
        std::mutex mutex;
        std::string streamed;
        int pieces = 0;
        std::promise<RequestResult> done;
        auto future = done.get_future();
        engine->submit(
            std::move(request), [&](RequestResult&& result) { done.set_value(std::move(result)); },
            [&](const StreamDelta& delta) {
                std::lock_guard lock(mutex);
                streamed += delta.content;
                if (!delta.content.empty()) ++pieces;
            });
        const auto result = wait_for(future);
        QVERIFY2(result.ok(), result.ok() ? "" : result.outcome.error().message.c_str());
        std::lock_guard lock(mutex);
        QVERIFY(pieces > 3);
        QCOMPARE(streamed, result.outcome->content);
        QVERIFY(result.outcome->usage.output_tokens > 0);
    }

    void rateLimitHonoursRetryAfter() {
        auto scheduler = std::make_shared<test::ManualScheduler>();
        auto engine = make_engine(scheduler, {}, false);
        auto request = with_fault(question(), "rate_limited", 1, "retry-after-7");
        request.extra_headers.emplace_back("x-sim-retry-after", "7");
        auto future = engine->submit(std::move(request));
        const auto result = wait_for(future);
        QVERIFY(result.ok());
        QCOMPARE(result.attempts.size(), std::size_t(2));
        QCOMPARE(result.attempts[0].error, ErrorClass::RateLimited);
        QCOMPARE(result.attempts[0].http_status, 429);
        QCOMPARE(result.attempts[1].delay_before, 7000ms);
        QCOMPARE(scheduler->delays(), std::vector<std::chrono::milliseconds>{7000ms});
    }

    void unavailableIsRetriedWithDoublingDelay() {
        auto scheduler = std::make_shared<test::ManualScheduler>();
        auto engine = make_engine(scheduler, {}, false);
        auto future = engine->submit(with_fault(question(), "unavailable", 2, "503-twice"));
        const auto result = wait_for(future);
        QVERIFY(result.ok());
        QCOMPARE(result.attempts.size(), std::size_t(3));
        QCOMPARE(result.attempts[0].http_status, 503);
        // initial 10 ms · 2^n · factor 2 (+ jitter pinned to 0)
        QCOMPARE(scheduler->delays(), (std::vector<std::chrono::milliseconds>{20ms, 40ms}));
    }

    void authErrorIsNotRetried() {
        auto scheduler = std::make_shared<test::ManualScheduler>();
        auto engine = make_engine(scheduler, {}, false);
        auto request = with_fault(question(), "auth");
        request.provider = "openai";  // pinned: no failover either
        auto future = engine->submit(std::move(request));
        const auto result = wait_for(future);
        QVERIFY(!result.ok());
        QCOMPARE(result.outcome.error().cls, ErrorClass::Auth);
        QCOMPARE(result.outcome.error().http_status, 401);
        QCOMPARE(result.attempts.size(), std::size_t(1));
        QVERIFY(scheduler->delays().empty());
    }

    void wrongKeyIsAnAuthErrorFromTheUpstream() {
        auto config = test::simulator_config(m_port);
        config.providers[0].api_key = "sk-wrong";
        auto engine = make_engine({}, config, false);
        auto request = question();
        request.provider = "openai";
        auto future = engine->submit(std::move(request));
        const auto result = wait_for(future);
        QVERIFY(!result.ok());
        QCOMPARE(result.outcome.error().cls, ErrorClass::Auth);
        QVERIFY(result.outcome.error().message.find("sk-wrong") == std::string::npos);
    }

    void quotaExhaustedFailsOverInsteadOfRetrying() {
        auto scheduler = std::make_shared<test::ManualScheduler>();
        auto engine = make_engine(scheduler, {}, false);
        // Only the first attempt (on openai) sees the quota error.
        auto future = engine->submit(with_fault(question(), "insufficient_quota", 1, "quota"));
        const auto result = wait_for(future);
        QVERIFY(result.ok());
        QCOMPARE(result.attempts.size(), std::size_t(2));
        QCOMPARE(result.attempts[0].provider, std::string("openai"));
        QCOMPARE(result.attempts[0].error, ErrorClass::QuotaExhausted);
        QCOMPARE(result.attempts[1].provider, std::string("anthropic"));
        QCOMPARE(result.provider, std::string("anthropic"));
        QVERIFY(scheduler->delays().empty());
        QCOMPARE(engine->stats().failovers, std::uint64_t(1));
    }

    // retry.failover_first: a transient failure moves to the next target at once, with no
    // backoff; without it the same target is retried after its delay.
    void failoverFirstSkipsTheBackoff_data() {
        QTest::addColumn<QString>("fault");
        QTest::addColumn<bool>("failoverFirst");
        QTest::addColumn<QString>("secondProvider");
        QTest::addColumn<int>("delays");
        QTest::newRow("503, failover first") << "unavailable" << true << "anthropic" << 0;
        QTest::newRow("429, failover first") << "rate_limited" << true << "anthropic" << 0;
        QTest::newRow("502, failover first") << "bad_gateway_json" << true << "anthropic" << 0;
        QTest::newRow("503, retry first") << "unavailable" << false << "openai" << 1;
        QTest::newRow("429, retry first") << "rate_limited" << false << "openai" << 1;
    }
    void failoverFirstSkipsTheBackoff() {
        QFETCH(QString, fault);
        QFETCH(bool, failoverFirst);
        QFETCH(QString, secondProvider);
        QFETCH(int, delays);
        auto scheduler = std::make_shared<test::ManualScheduler>();
        auto config = test::simulator_config(m_port);
        config.retry.failover_first = failoverFirst;
        auto engine = make_engine(scheduler, config, false);
        const std::string key = "failover-first-" + std::string(QTest::currentDataTag());
        auto future = engine->submit(with_fault(question(), fault.toStdString(), 1, key));
        const auto result = wait_for(future);
        QVERIFY2(result.ok(), result.ok() ? "" : result.outcome.error().message.c_str());
        QCOMPARE(result.attempts.size(), std::size_t(2));
        QCOMPARE(result.attempts[0].provider, std::string("openai"));
        QCOMPARE(QString::fromStdString(result.attempts[1].provider), secondProvider);
        QCOMPARE(int(scheduler->delays().size()), delays);
        QCOMPARE(engine->stats().failovers, std::uint64_t(failoverFirst ? 1 : 0));
    }

    void failoverFirstBacksOffOnceEveryTargetWasTried() {
        auto scheduler = std::make_shared<test::ManualScheduler>();
        auto config = test::simulator_config(m_port);
        config.retry.failover_first = true;
        auto engine = make_engine(scheduler, config, false);
        // Three failures: openai, anthropic and local each fail once, then local is retried.
        auto future = engine->submit(with_fault(question(), "unavailable", 3, "503-everywhere"));
        const auto result = wait_for(future);
        QVERIFY2(result.ok(), result.ok() ? "" : result.outcome.error().message.c_str());
        QCOMPARE(result.attempts.size(), std::size_t(4));
        QCOMPARE(result.attempts[0].provider, std::string("openai"));
        QCOMPARE(result.attempts[1].provider, std::string("anthropic"));
        QCOMPARE(result.attempts[2].provider, std::string("local"));
        QCOMPARE(result.attempts[3].provider, std::string("local"));
        QCOMPARE(scheduler->delays(), std::vector<std::chrono::milliseconds>{20ms});
    }

    void failoverFirstLeavesAPinnedProviderAlone() {
        auto scheduler = std::make_shared<test::ManualScheduler>();
        auto config = test::simulator_config(m_port);
        config.retry.failover_first = true;
        auto engine = make_engine(scheduler, config, false);
        auto request = with_fault(question(), "unavailable", 1, "503-pinned");
        request.provider = "openai";
        auto future = engine->submit(std::move(request));
        const auto result = wait_for(future);
        QVERIFY(result.ok());
        QCOMPARE(result.attempts.size(), std::size_t(2));
        QCOMPARE(result.attempts[1].provider, std::string("openai"));
        QCOMPARE(scheduler->delays(), std::vector<std::chrono::milliseconds>{20ms});
    }

    void hangEndsInTimeoutAndIsRetried() {
        auto config = test::simulator_config(m_port);
        config.providers[0].timeouts.idle = 300ms;
        auto engine = make_engine({}, config, false);
        QElapsedTimer timer;
        timer.start();
        auto future = engine->submit(with_fault(question(), "hang", 1, "hang-once"));
        const auto result = wait_for(future);
        QVERIFY2(result.ok(), result.ok() ? "" : result.outcome.error().message.c_str());
        QCOMPARE(result.attempts.size(), std::size_t(2));
        QCOMPARE(result.attempts[0].error, ErrorClass::Timeout);
        QVERIFY(timer.elapsed() >= 250);
        QVERIFY(timer.elapsed() < 8000);
    }

    void hangForeverHitsTheDeadline() {
        auto config = test::simulator_config(m_port);
        config.providers[0].timeouts.idle = 200ms;
        config.retry.deadline = 1500ms;
        auto engine = make_engine({}, config, false);
        auto request = with_fault(question(), "hang");
        request.provider = "openai";
        auto future = engine->submit(std::move(request));
        const auto result = wait_for(future);
        QVERIFY(!result.ok());
        QCOMPARE(result.outcome.error().cls, ErrorClass::Timeout);
        QVERIFY(result.total_ms < 5000);
    }

    void connectionResetIsRetried() {
        auto engine = make_engine({}, {}, false);
        auto future = engine->submit(with_fault(question(), "reset", 1, "reset-once"));
        const auto result = wait_for(future);
        QVERIFY(result.ok());
        QCOMPARE(result.attempts.size(), std::size_t(2));
        QCOMPARE(result.attempts[0].error, ErrorClass::Network);
    }

    void malformedBodyGivesAClearError() {
        auto config = test::simulator_config(m_port);
        config.retry.failover = false;
        auto engine = make_engine({}, config, false);
        auto future = engine->submit(with_fault(question(), "malformed"));
        const auto result = wait_for(future);
        QVERIFY(!result.ok());
        const auto& error = result.outcome.error();
        QCOMPARE(error.cls, ErrorClass::MalformedResponse);
        QVERIFY2(error.message.size() > 10, error.message.c_str());
        QCOMPARE(int(result.attempts.size()), config.retry.max_attempts);
    }

    void midStreamErrorAfterContentIsNotRetried() {
        auto engine = make_engine({}, {}, false);
        auto request = with_fault(question(), "stream_error");
        request.provider = "anthropic";
        request.stream = true;
        std::atomic<int> pieces{0};
        std::promise<RequestResult> done;
        auto future = done.get_future();
        engine->submit(
            std::move(request), [&](RequestResult&& result) { done.set_value(std::move(result)); },
            [&](const StreamDelta& delta) {
                if (!delta.content.empty()) ++pieces;
            });
        const auto result = wait_for(future);
        QVERIFY(!result.ok());
        QCOMPARE(result.outcome.error().cls, ErrorClass::Overloaded);
        QVERIFY(pieces > 0);
        QCOMPARE(result.attempts.size(), std::size_t(1));
    }

    void invalidRequestsAreRefusedBeforeTheNetwork() {
        auto engine = make_engine({}, {}, false);
        ChatRequest empty;
        auto future = engine->submit(std::move(empty));
        auto result = wait_for(future);
        QCOMPARE(result.outcome.error().cls, ErrorClass::BadRequest);
        QVERIFY(result.outcome.error().message.starts_with("messages:"));
        QVERIFY(result.attempts.empty());

        auto unknown = question();
        unknown.provider = "nobody";
        auto future2 = engine->submit(std::move(unknown));
        result = wait_for(future2);
        QCOMPARE(result.outcome.error().cls, ErrorClass::BadRequest);
        QVERIFY(result.outcome.error().message.find("nobody") != std::string::npos);
    }

    void cancelEndsAHangingRequestPromptly() {
        auto engine = make_engine({}, {}, false);
        auto request = with_fault(question(), "hang");
        std::promise<RequestResult> done;
        auto future = done.get_future();
        const auto id = engine->submit(std::move(request), [&](RequestResult&& r) { done.set_value(std::move(r)); });
        QTest::qWait(100);
        QElapsedTimer timer;
        timer.start();
        engine->cancel(id);
        const auto result = wait_for(future, 5s);
        QVERIFY(timer.elapsed() < 2000);
        QCOMPARE(result.outcome.error().cls, ErrorClass::Cancelled);
    }

    void shutdownWithRequestsInFlightFiresEveryCallbackOnce() {
        std::atomic<int> callbacks{0};
        {
            auto engine = make_engine({}, {}, false);
            for (int i = 0; i < 40; ++i)
                engine->submit(with_fault(question("q" + std::to_string(i)), i % 2 ? "hang" : "ok"),
                               [&](RequestResult&&) { ++callbacks; });
            QTest::qWait(50);
            QElapsedTimer timer;
            timer.start();
            engine.reset();
            QVERIFY(timer.elapsed() < 5000);
        }
        QCOMPARE(callbacks.load(), 40);
    }

    void everyRequestLeavesOneHistoryRow() {
        QTemporaryDir dir;
        EngineOptions options;
        options.config = test::simulator_config(m_port);
        options.database = dir.filePath("rows.db").toStdString();
        auto engine = std::move(*Engine::create(std::move(options)));
        std::vector<std::future<RequestResult>> futures;
        for (int i = 0; i < 50; ++i)
            // bad_request: refused by the upstream without touching the target's health, so the
            // failed rows cannot change where the others go (an auth error would take the target out).
            futures.push_back(engine->submit(i % 10 == 0 ? with_fault(question("q" + std::to_string(i)), "bad_request")
                                                         : question("q" + std::to_string(i))));
        std::set<std::string> ids;
        for (auto& f : futures) ids.insert(wait_for(f).request_id);
        QVERIFY(engine->history()->flush(10s).has_value());

        auto reader = HistoryReader::open(dir.filePath("rows.db").toStdString());
        QVERIFY(reader.has_value());
        QCOMPARE(*reader->count({}), std::int64_t(50));
        HistoryFilter errors;
        errors.status = RequestStatus::Error;
        QCOMPARE(*reader->count(errors), std::int64_t(5));
        const auto page = reader->page({}, std::nullopt, 100);
        QVERIFY(page.has_value());
        for (const auto& row : page->rows) {
            QVERIFY(ids.contains(row.request_id));
            QCOMPARE(row.source, std::string("test"));
            QVERIFY(!row.prompt_hash.empty());
            if (row.status == RequestStatus::Ok) QVERIFY(!row.response_text.empty() && row.tokens_out > 0);
            else QCOMPARE(row.error_class, std::string("bad_request"));
        }
    }

    void applyProvidersRefusesASetRoutingStillUsesWhole() {
        auto engine = make_engine({}, {}, false);  // the fallback routing: openai, then anthropic and local
        auto without_anthropic = *engine->providers();
        without_anthropic.erase(without_anthropic.begin() + 1);
        const auto refused = engine->apply_providers(without_anthropic);
        QVERIFY(!refused);
        QCOMPARE(refused.error().size(), std::size_t(1));
        QCOMPARE(refused.error()[0].path, std::string("routing.tiers[0].targets[1].provider"));
        QCOMPARE(refused.error()[0].rule, std::string("must name one of the configured providers"));

        auto without_default = *engine->providers();
        without_default.erase(without_default.begin());
        const auto no_default = engine->apply_providers(without_default);
        QVERIFY(!no_default);
        QCOMPARE(no_default.error()[0].path, std::string("default_provider"));

        QCOMPARE(engine->providers()->size(), std::size_t(3));  // nothing changed
        auto request = question();
        request.provider = "anthropic";
        QVERIFY(test::ask(*engine, request).ok());
    }

    void appliedProvidersServeTheNextRequest() {
        auto engine = make_engine({}, {}, false);
        auto providers = *engine->providers();
        auto added = providers[2];
        added.name = "second-local";
        providers.push_back(added);
        QVERIFY(engine->apply_providers(providers));
        QCOMPARE(engine->providers()->back().name, std::string("second-local"));
        QCOMPARE(engine->config().providers.size(), std::size_t(3));  // as started
        auto request = question();
        request.provider = "second-local";
        const auto result = test::ask(*engine, request);
        QVERIFY(result.ok());
        QCOMPARE(result.provider, std::string("second-local"));
        bool listed = false;
        for (const auto& status : engine->stats().providers) listed = listed || status.name == "second-local";
        QVERIFY(listed);
    }

    void aRequestUnderWayFinishesOnTheOldSettings() {
        auto engine = make_engine({}, {}, false);
        // Slow, and failing once: its retry comes after the apply below.
        auto request = with_fault(question(), "server_error", 1, "under-way");
        request.extra_headers.emplace_back("x-sim-latency-ms", "1200");
        request.provider = "local";
        auto under_way = engine->submit(request);
        std::this_thread::sleep_for(300ms);

        auto providers = *engine->providers();
        providers[2].base_url = "http://127.0.0.1:9/v1";  // refused: the new settings cannot answer
        QVERIFY(engine->apply_providers(providers));
        const auto result = wait_for(under_way);
        QVERIFY2(result.ok(), result.ok() ? "" : result.outcome.error().message.c_str());
        QCOMPARE(result.attempts.size(), std::size_t(2));  // the retry too went to the old URL

        auto next = question();
        next.provider = "local";
        const auto after = test::ask(*engine, next);
        QVERIFY(!after.ok());
        QCOMPARE(after.outcome.error().cls, ErrorClass::Network);
    }

    void unchangedProvidersKeepWhatWasLearnt() {
        auto engine = make_engine({}, {}, false);
        for (const char* provider : {"openai", "local"}) {
            auto request = question();
            request.provider = provider;
            request.extra_headers.emplace_back("x-sim-latency-ms", "30");
            QVERIFY(test::ask(*engine, request).ok());
        }
        const auto baseline = [&engine](const std::string& name) {
            for (const auto& status : engine->stats().providers)
                if (status.name == name) return status.baseline_latency_ms;
            return -1.0;
        };
        const auto latency = [&engine](const std::string& name) {
            for (const auto& state : engine->target_states())
                if (state.target.provider == name) return state.latency_ewma_ms;
            return -1.0;
        };
        const double openai_baseline = baseline("openai"), openai_latency = latency("openai");
        QVERIFY(openai_baseline > 0 && openai_latency > 0 && baseline("local") > 0 && latency("local") > 0);

        auto providers = *engine->providers();
        providers[0].models.push_back("gpt-4o");           // not the connection
        providers[2].timeouts.total = std::chrono::milliseconds(9000);  // the connection
        QVERIFY(engine->apply_providers(providers));
        QCOMPARE(baseline("openai"), openai_baseline);
        QCOMPARE(latency("openai"), openai_latency);
        QCOMPARE(baseline("local"), 0.0);
        QCOMPARE(latency("local"), 0.0);
    }

    void demoModeStartsTheSimulatorItself() {
        auto config = default_config([](const std::string&) { return std::nullopt; });
        QVERIFY(config.has_value());
        config->retry.initial_delay = 10ms;
        config->retry.jitter = 10ms;
        EngineOptions options;
        options.config = std::move(*config);
        options.history = false;
        options.demo_profile_json = R"({"seed": 3, "latency": {"median_ms": 5, "p99_ms": 20}})";
        auto engine = Engine::create(std::move(options));
        QVERIFY2(engine.has_value(), engine ? "" : engine.error().c_str());
        QVERIFY((*engine)->demo_mode());
        for (const auto& provider : (*engine)->config().providers) {
            QVERIFY(provider.simulated);
            QVERIFY(provider.base_url.starts_with("http://127.0.0.1:"));
        }
        auto future = (*engine)->submit(question());
        const auto result = wait_for(future);
        QVERIFY(result.ok());
    }
};

QTEST_GUILESS_MAIN(TestEngine)
#include "tst_engine.moc"
