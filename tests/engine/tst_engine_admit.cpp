// Engine::admit then submit: the gateway's way to decide between validating-and-routing and
// sending. A malformed request is refused without being counted; one that cannot be routed is
// counted and recorded as submit() would; an admitted request is sent to the target it was
// routed to, and one dropped unsent is never counted or sent.
#include <QtTest>

#include <future>

#include "../support/engine_fixture.h"
#include "engine/engine.h"

class TestEngineAdmit : public QObject {
    Q_OBJECT

    std::unique_ptr<sb::Simulator> m_simulator;
    std::uint16_t m_port = 0;
    std::unique_ptr<sb::Engine> m_engine;

    static sb::ChatRequest question(const std::string& text) {
        sb::ChatRequest request;
        request.messages = {{sb::Role::User, text}};
        request.source = "test";
        return request;
    }

private slots:
    void initTestCase() {
        m_simulator = sb::test::start_simulator({}, &m_port);
        QVERIFY(m_simulator);
    }

    void init() {
        sb::EngineOptions options;
        options.config = sb::test::simulator_config(m_port);
        options.history = false;
        auto engine = sb::Engine::create(std::move(options));
        QVERIFY2(engine.has_value(), engine ? "" : engine.error().c_str());
        m_engine = std::move(*engine);
    }

    void cleanup() { m_engine.reset(); }

    void aMalformedRequestIsRefusedUncounted() {
        sb::ChatRequest empty;  // no messages
        const auto admitted = m_engine->admit(empty);
        QVERIFY(!admitted);
        QCOMPARE(admitted.error().cls, sb::ErrorClass::BadRequest);
        QVERIFY2(admitted.error().message.find("messages") != std::string::npos, admitted.error().message.c_str());
        QCOMPARE(m_engine->stats().submitted, std::uint64_t(0));
    }

    void anUnroutableRequestIsCountedAsAFailure() {
        auto request = question("Hello?");
        request.provider = "nobody";  // pinned to a provider that is not configured
        const auto admitted = m_engine->admit(request);
        QVERIFY(!admitted);
        const auto stats = m_engine->stats();
        QCOMPARE(stats.submitted, std::uint64_t(1));
        QCOMPARE(stats.failed, std::uint64_t(1));
    }

    void anAdmittedRequestGoesToTheTargetItWasRoutedTo() {
        auto request = question("Where is my parcel?");
        request.provider = "anthropic";
        auto admitted = m_engine->admit(request);
        QVERIFY2(admitted.has_value(), admitted ? "" : admitted.error().message.c_str());
        QCOMPARE(admitted->request().messages.size(), std::size_t(1));
        const auto predicted = m_engine->predict(*admitted);
        QVERIFY(predicted.input_tokens > 0);
        QCOMPARE(predicted.model, std::string("claude-haiku-4-5"));  // the routed model, not the request's (none)
        QCOMPARE(m_engine->stats().submitted, std::uint64_t(0));  // not sent yet

        std::promise<sb::RequestResult> done;
        m_engine->submit(std::move(*admitted), [&done](sb::RequestResult&& result) { done.set_value(std::move(result)); });
        auto future = done.get_future();
        const auto result = sb::test::wait_for(future);
        QVERIFY2(result.ok(), result.ok() ? "" : result.outcome.error().message.c_str());
        QCOMPARE(result.provider, std::string("anthropic"));
        QCOMPARE(result.attempts.size(), std::size_t(1));
        QCOMPARE(m_engine->stats().submitted, std::uint64_t(1));
    }

    void anAdmittedRequestDroppedUnsentIsNeverSent() {
        {
            auto admitted = m_engine->admit(question("Never mind."));
            QVERIFY(admitted.has_value());
        }
        const auto stats = m_engine->stats();
        QCOMPARE(stats.submitted, std::uint64_t(0));
        QCOMPARE(stats.succeeded + stats.failed + stats.cancelled, std::uint64_t(0));
        QCOMPARE(sb::test::ask(*m_engine, question("And now?")).ok(), true);  // the engine goes on as before
    }
};

QTEST_MAIN(TestEngineAdmit)
#include "tst_engine_admit.moc"
