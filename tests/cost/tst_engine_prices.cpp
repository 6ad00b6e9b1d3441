// The engine's live price table, over real HTTP to the simulator and a real history file:
// set_prices() prices the next answer (and the prediction) with the new table, to the cent,
// and the history row keeps that cost; cost.pricing names a price file read at start; a
// broken price file stops the start with an error that names the file and the problem.
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include "../support/engine_fixture.h"
#include "cost/price_table.h"
#include "engine/engine.h"
#include "store/history_query.h"
#include "store/history_writer.h"

using namespace sb;
using sb::test::ask;

namespace {

ChatRequest question(std::string text) {
    ChatRequest request;
    request.provider = "openai";
    request.model = "gpt-4o-mini";
    request.messages = {{Role::User, std::move(text)}};
    request.source = "test";
    return request;
}

bool cents_equal(double a, double b) { return std::llround(a * 100.0) == std::llround(b * 100.0); }

// Dearer than any real price, so that even a short answer costs whole cents.
PriceTable dear_table() {
    PriceSheet sheet = PriceTable::built_in().sheet();
    for (auto& p : sheet.models)
        if (p.model == "gpt-4o-mini") {
            p.input_per_million = 20'000;
            p.cached_input_per_million = 10'000;
            p.output_per_million = 80'000;
            p.source = "test contract";
        }
    return *PriceTable::from_sheet(sheet);
}

double priced(const ModelPrice& p, const Usage& u) {
    return (double(u.input_tokens - u.cached_input_tokens) * p.input_per_million +
            double(u.cached_input_tokens) * p.cached_input_per_million + double(u.output_tokens) * p.output_per_million) /
           1e6;
}

}  // namespace

class TestEnginePrices : public QObject {
    Q_OBJECT

    std::unique_ptr<Simulator> m_simulator;
    std::uint16_t m_port = 0;
    QTemporaryDir m_dir;

    std::expected<std::unique_ptr<Engine>, std::string> make_engine(const std::string& pricing, const QString& db) {
        EngineOptions options;
        options.config = test::simulator_config(m_port);
        options.config.cost.pricing = pricing;
        options.database = m_dir.filePath(db).toStdString();
        return Engine::create(std::move(options));
    }

    void write(const QString& name, const std::string& text) {
        QFile file(m_dir.filePath(name));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(text.data(), qint64(text.size()));
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_simulator = test::start_simulator({}, &m_port);
        QVERIFY(m_simulator);
    }

    void theNextAnswerIsPricedWithTheNewTable() {
        auto engine = make_engine("", "live.db");
        QVERIFY2(engine, engine ? "" : engine.error().c_str());
        Engine& e = **engine;
        QVERIFY(e.prices()->find("gpt-4o-mini")->output_per_million == PriceTable::built_in().find("gpt-4o-mini")->output_per_million);
        const auto before = ask(e, question("What are your opening hours?"));
        QVERIFY(before.ok());
        QVERIFY(cents_equal(*before.cost_usd, priced(*PriceTable::built_in().find("gpt-4o-mini"), before.outcome->usage)));
        const auto cheap_prediction = e.predict(question("What are your opening hours?"));

        e.set_prices(dear_table());
        const auto after = ask(e, question("Where is my parcel?"));
        QVERIFY(after.ok());
        const double expected = priced(*dear_table().find("gpt-4o-mini"), after.outcome->usage);
        QVERIFY2(expected >= 0.05, "the dear table must make the difference visible in cents");
        QVERIFY2(cents_equal(*after.cost_usd, expected), qPrintable(QString::number(*after.cost_usd, 'f', 6)));
        const auto dear_prediction = e.predict(question("What are your opening hours?"));
        QCOMPARE(dear_prediction.input_tokens, cheap_prediction.input_tokens);
        QVERIFY(*dear_prediction.input_cost_usd > *cheap_prediction.input_cost_usd * 1000);

        // The history row keeps what the answer cost when it was bought.
        QVERIFY(e.history()->flush(std::chrono::seconds(10)).has_value());
        auto reader = HistoryReader::open(e.database_path());
        QVERIFY(reader.has_value());
        const auto page = reader->page({}, std::nullopt, 10);
        QVERIFY(page.has_value());
        bool found = false;
        for (const auto& row : page->rows)
            if (row.request_id == after.request_id) {
                found = true;
                QVERIFY(cents_equal(row.cost_usd, expected));
            }
        QVERIFY(found);
    }

    void aPriceFileNamedByTheConfigIsReadAtStart() {
        write("pricing.json", to_json(dear_table()).dump(2));
        auto engine = make_engine(m_dir.filePath("pricing.json").toStdString(), "file.db");
        QVERIFY2(engine, engine ? "" : engine.error().c_str());
        QVERIFY(*(*engine)->prices() == dear_table());
        const auto answer = ask(**engine, question("Can I pay by invoice?"));
        QVERIFY(cents_equal(*answer.cost_usd, priced(*dear_table().find("gpt-4o-mini"), answer.outcome->usage)));
    }

    void aBrokenPriceFileStopsTheStartAndSaysWhy_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("problem");
        QTest::newRow("not json") << "{\"as_of\": " << "is not valid JSON";
        QTest::newRow("negative") << R"({"as_of": "2026-01-01", "models": {"m": {"input": -1, "output": 1, "source": "x"}}})"
                                  << "models.m.input: must be a number >= 0";
    }
    void aBrokenPriceFileStopsTheStartAndSaysWhy() {
        QFETCH(QString, text);
        QFETCH(QString, problem);
        write("broken.json", text.toStdString());
        const std::string file = m_dir.filePath("broken.json").toStdString();
        const auto engine = make_engine(file, "broken.db");
        QVERIFY(!engine.has_value());
        QCOMPARE(QString::fromStdString(engine.error()), QString::fromStdString("cost.pricing: " + file + ": ") + problem);
        const auto missing = make_engine(m_dir.filePath("nowhere.json").toStdString(), "missing.db");
        QVERIFY(!missing.has_value());
        QCOMPARE(missing.error(), "cost.pricing: " + m_dir.filePath("nowhere.json").toStdString() + ": cannot be read");
    }
};

QTEST_GUILESS_MAIN(TestEnginePrices)
#include "tst_engine_prices.moc"
