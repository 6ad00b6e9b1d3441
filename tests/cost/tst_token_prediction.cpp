// Token counts before sending, through the engine: exact for OpenAI models (equal to the
// BPE counter, priced by the table), and for a model without a public tokenizer an estimate
// that the engine calibrates from what the provider reports (real HTTP to the simulator).
#include <QtTest>

#include "../support/engine_fixture.h"
#include "engine/engine.h"

using namespace sb;
using namespace std::chrono_literals;

namespace {

ChatRequest question(std::string provider, std::string text) {
    ChatRequest request;
    request.provider = std::move(provider);
    request.messages = {{Role::System, "You answer questions about orders, returns and shipping."},
                        {Role::User, std::move(text)}};
    return request;
}

}  // namespace

class TestTokenPrediction : public QObject {
    Q_OBJECT

    std::unique_ptr<Simulator> m_simulator;
    std::uint16_t m_port = 0;
    std::unique_ptr<Engine> m_engine;

private slots:
    void initTestCase() {
        m_simulator = test::start_simulator({}, &m_port);
        QVERIFY(m_simulator);
        EngineOptions options;
        options.config = test::simulator_config(m_port);
        options.history = false;
        auto engine = Engine::create(std::move(options));
        QVERIFY2(engine.has_value(), engine ? "" : engine.error().c_str());
        m_engine = std::move(*engine);
        if (!shared_token_counter().notes().empty()) QFAIL(shared_token_counter().notes().c_str());
    }

    void openAiModelsAreCountedExactlyAndPriced() {
        auto request = question("openai", "Where is my parcel? The tracking page has not changed since Monday.");
        request.max_tokens = 100;
        const auto prediction = m_engine->predict(request);
        QCOMPARE(prediction.model, std::string("gpt-4o-mini"));
        QVERIFY(prediction.exact);
        QCOMPARE(prediction.input_tokens, shared_token_counter().count_request("gpt-4o-mini", request).tokens);
        QVERIFY(prediction.input_tokens > 20 && prediction.input_tokens < 60);
        const auto* price = PriceTable::built_in().find("gpt-4o-mini");
        QVERIFY(price);
        QVERIFY(std::abs(*prediction.input_cost_usd - double(prediction.input_tokens) * price->input_per_million / 1e6) < 1e-15);
        QVERIFY(std::abs(*prediction.max_cost_usd - *prediction.input_cost_usd - 100 * price->output_per_million / 1e6) < 1e-15);
    }

    void otherModelsCalibrateFromReportedUsage() {
        const std::string model = "claude-haiku-4-5";
        QVERIFY(!TokenCounter::encoding_for_model(model));
        QTRY_VERIFY_WITH_TIMEOUT([&] {
            // Calibration starts once the engine's tokenizer load finished; keep asking until it moved.
            auto future = m_engine->submit(question("anthropic", "How long do refunds take to arrive?"));
            future.wait();
            return shared_token_counter().calibration(model) != 1.0;
        }(), 10000);
        std::vector<std::string> questions = {
            "Can I change the delivery address after the order has shipped?",
            "我的订单什么时候发货？我已经等了三天了。",
            "Do you ship to Canada, and how much does express delivery cost?",
            "def total(items): return sum(i.price * i.qty for i in items)  # why is this wrong?",
            "The invoice for order 88231 shows VAT twice; please correct it.",
        };
        for (int round = 0; round < 6; ++round)
            for (const auto& text : questions) {
                auto future = m_engine->submit(question("anthropic", text + " (" + std::to_string(round) + ")"));
                QVERIFY(future.get().ok());
            }
        // After calibration the estimate is close to what the provider reports for new prompts.
        double predicted = 0, reported = 0;
        for (const auto& text : questions) {
            auto request = question("anthropic", text + " — one more time");
            predicted += double(m_engine->predict(request).input_tokens);
            auto future = m_engine->submit(std::move(request));
            const auto result = future.get();
            QVERIFY(result.ok());
            reported += double(result.outcome->usage.input_tokens);
        }
        const double error = (predicted - reported) / reported;
        qInfo("calibrated estimate vs reported: %.1f%% (ratio %.3f)", 100 * error, shared_token_counter().calibration(model));
        QVERIFY2(std::abs(error) <= 0.15, qPrintable(QString::number(error)));
    }
};

QTEST_GUILESS_MAIN(TestTokenPrediction)
#include "tst_token_prediction.moc"
