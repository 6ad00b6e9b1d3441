// The price table: the built-in file parses and is dated and sourced, costs match the
// published prices to the cent (cached input at its own price), dated snapshots find their
// model, unknown models have no cost (not a zero one), and bad files name what is wrong. The
// editable form (a sheet, as the Prices page edits it) validates row by row, and a table
// written as JSON reads back the same.
#include <QtTest>

#include <cmath>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "cost/price_table.h"

using namespace sb;

namespace {
Usage usage(std::int64_t in, std::int64_t out, std::int64_t cached = 0) {
    Usage u;
    u.input_tokens = in;
    u.output_tokens = out;
    u.cached_input_tokens = cached;
    return u;
}
bool cents_equal(double a, double b) { return std::llround(a * 100.0) == std::llround(b * 100.0); }
}  // namespace

class TestPriceTable : public QObject {
    Q_OBJECT

private slots:
    void builtInTableIsDatedAndSourced() {
        const auto& table = PriceTable::built_in();
        QVERIFY(!table.as_of().empty());
        QVERIFY(table.prices().size() >= 6);
        for (const auto& p : table.prices()) QVERIFY2(!p.source.empty(), p.model.c_str());
    }

    void costsMatchThePublishedPricesToTheCent_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<qint64>("in");
        QTest::addColumn<qint64>("cached");
        QTest::addColumn<qint64>("out");
        QTest::addColumn<double>("expected");
        // 1M input + 1M output: the two list prices added.
        QTest::newRow("gpt-4o-mini") << "gpt-4o-mini" << qint64(1'000'000) << qint64(0) << qint64(1'000'000) << 0.75;
        QTest::newRow("gpt-4o") << "gpt-4o" << qint64(1'000'000) << qint64(0) << qint64(1'000'000) << 12.50;
        QTest::newRow("sonnet") << "claude-sonnet-4-5" << qint64(1'000'000) << qint64(0) << qint64(1'000'000) << 18.00;
        // Half the input from the provider's prompt cache: 0.5M × 2.50 + 0.5M × 1.25 + 2M × 10.
        QTest::newRow("gpt-4o cached") << "gpt-4o" << qint64(1'000'000) << qint64(500'000) << qint64(2'000'000) << 21.875;
        // A customer-service day: 40,000 calls of 350 in / 120 out on haiku.
        QTest::newRow("haiku day") << "claude-haiku-4-5" << qint64(40'000 * 350) << qint64(0) << qint64(40'000 * 120)
                                   << 38.00;
        QTest::newRow("dated snapshot") << "gpt-4o-mini-2024-07-18" << qint64(2'000'000) << qint64(0) << qint64(0) << 0.30;
        QTest::newRow("local is free") << "llama3.2" << qint64(5'000'000) << qint64(0) << qint64(5'000'000) << 0.0;
    }
    void costsMatchThePublishedPricesToTheCent() {
        QFETCH(QString, model);
        QFETCH(qint64, in);
        QFETCH(qint64, cached);
        QFETCH(qint64, out);
        QFETCH(double, expected);
        const auto cost = PriceTable::built_in().cost_usd(model.toStdString(), usage(in, out, cached));
        QVERIFY(cost.has_value());
        QVERIFY2(cents_equal(*cost, expected), qPrintable(QString::number(*cost, 'f', 6)));
    }

    void longestPrefixWinsAndUnknownHasNoCost() {
        const auto& table = PriceTable::built_in();
        QCOMPARE(table.find("gpt-4o-mini-2024-07-18")->model, std::string("gpt-4o-mini"));
        QCOMPARE(table.find("gpt-4o-2024-08-06")->model, std::string("gpt-4o"));
        QVERIFY(!table.find("gpt-4oo"));  // a prefix must end at a '-'
        QVERIFY(!table.cost_usd("some-new-model", usage(10, 10)).has_value());
    }

    void badTablesNameWhatIsWrong_data() {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("error");
        QTest::newRow("no date") << R"({"models": {}})" << "as_of:";
        QTest::newRow("negative") << R"({"as_of": "2026-01-01", "models": {"m": {"input": -1, "output": 1, "source": "x"}}})"
                                  << "models.m.input: must be a number >= 0";
        QTest::newRow("no source") << R"({"as_of": "2026-01-01", "models": {"m": {"input": 1, "output": 1}}})"
                                   << "models.m.source:";
        QTest::newRow("no output") << R"({"as_of": "2026-01-01", "models": {"m": {"input": 1, "source": "x"}}})"
                                   << "models.m.output: is missing";
    }
    void badTablesNameWhatIsWrong() {
        QFETCH(QString, json);
        QFETCH(QString, error);
        const auto parsed = PriceTable::parse(nlohmann::json::parse(json.toStdString()));
        QVERIFY(!parsed.has_value());
        QVERIFY2(QString::fromStdString(parsed.error()).startsWith(error), parsed.error().c_str());
    }

    void batchWorkCostsTheBatchPriceFactor() {
        const auto& table = PriceTable::built_in();
        QCOMPARE(table.batch_price_factor(), 0.5);
        QVERIFY(!table.batch_source().empty());
        const Usage usage{.input_tokens = 1'000'000, .output_tokens = 1'000'000};
        QCOMPARE(*table.batch_cost_usd("gpt-4o-mini", usage), 0.5 * *table.cost_usd("gpt-4o-mini", usage));
        QVERIFY(!table.batch_cost_usd("no-such-model", usage));
        auto priced = [](nlohmann::json batch) {
            return PriceTable::parse({{"as_of", "2026-11-01"}, {"models", nlohmann::json::object()}, {"batch", std::move(batch)}});
        };
        QVERIFY(priced({{"price_factor", 0.4}, {"source", "a contract"}}).has_value());
        QCOMPARE(priced({{"price_factor", 1.5}, {"source", "a contract"}}).error(),
                 std::string("batch.price_factor: must be at most 1 (a fraction of the price)"));
        QCOMPARE(priced({{"price_factor", 0.5}}).error(), std::string("batch.source: must say where the discount comes from"));
    }

    void aTableWrittenAsJsonReadsBackTheSame() {
        const auto& table = PriceTable::built_in();
        const auto again = PriceTable::parse(to_json(table));
        QVERIFY2(again.has_value(), again ? "" : again.error().c_str());
        QVERIFY(*again == table);
        QVERIFY(*PriceTable::from_sheet(table.sheet()) == table);
    }

    void aSheetIsSortedByModelWhenItBecomesATable() {
        PriceSheet sheet{"2026-11-29", {{"zeta", 1, 0.5, 2, "contract"}, {"alpha", 3, 3, 4, "contract"}}};
        const auto table = PriceTable::from_sheet(sheet);
        QVERIFY(table.has_value());
        QCOMPARE(table->prices().front().model, std::string("alpha"));
        QCOMPARE(table->as_of(), std::string("2026-11-29"));
        QVERIFY(cents_equal(*table->cost_usd("zeta", usage(1'000'000, 1'000'000, 1'000'000)), 2.50));
    }

    void aSheetNamesEveryProblemByRow() {
        PriceSheet sheet{"29.11.2026",
                         {{"gpt-4o", 2.5, 1.25, 10, "https://openai.com/api/pricing/"},
                          {"gpt-4o", 1, 1, 1, "x"},
                          {"", 1, 1, 1, "x"},
                          {"my model", -1, 1, std::nan(""), ""}}};
        std::vector<std::string> errors;
        for (const auto& e : validate_price_sheet(sheet)) errors.push_back(e.to_string());
        const std::vector<std::string> expected{
            "as_of: must be the date the prices were read, as YYYY-MM-DD",
            "[1].model: is listed twice",
            "[2].model: must be a model name without spaces",
            "[3].model: must be a model name without spaces",
            "[3].input: must be a number >= 0",
            "[3].output: must be a number >= 0",
            "[3].source: must say where the prices come from",
        };
        QCOMPARE(errors, expected);
        QVERIFY(!PriceTable::from_sheet(sheet).has_value());
    }
};

QTEST_APPLESS_MAIN(TestPriceTable)
#include "tst_price_table.moc"
