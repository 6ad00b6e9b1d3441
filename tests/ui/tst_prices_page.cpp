// The Prices page over a real engine and a loopback simulator: a price edited in the table
// and applied prices the next answer with it (to the cent), and the prediction too; invalid
// rows (a model listed twice, no source, a bad date) are marked, named under the table and
// cannot be applied, and Revert restores; "Built-in prices" stages the shipped table;
// applied prices are saved as pricing.json beside the config file, the config names it
// (nothing else in it changes), and an engine started from that config prices the same way.
#include <QDoubleSpinBox>
#include <QFile>
#include <QLineEdit>
#include <QPushButton>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include "../support/engine_fixture.h"
#include "../support/page_fixture.h"
#include "config/config.h"
#include "cost/price_table.h"
#include "engine/engine.h"
#include "local_engine_host.h"
#include "prices/prices_draft.h"
#include "prices/prices_editor.h"
#include "prices/prices_page.h"

using namespace std::chrono_literals;

namespace {

bool centsEqual(double a, double b) { return std::llround(a * 100.0) == std::llround(b * 100.0); }

double priced(const sb::ModelPrice& p, const sb::Usage& u) {
    return (double(u.input_tokens - u.cached_input_tokens) * p.input_per_million +
            double(u.cached_input_tokens) * p.cached_input_per_million + double(u.output_tokens) * p.output_per_million) /
           1e6;
}

std::string readFile(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return {};
    return file.readAll().toStdString();
}

}  // namespace

class TestPricesPage : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<sb::Simulator> m_simulator;
    std::uint16_t m_port = 0;
    std::unique_ptr<LocalEngineHost> m_bridge;
    std::unique_ptr<PricesPage> m_page;

    sb::Engine& engine() { return m_bridge->engine(); }
    PricesEditor* editor() { return m_page->editor(); }

    void makePage(sb::Config config, const QString& configFile = {}) {
        m_page.reset();
        m_bridge.reset();
        sb::EngineOptions options;
        options.config = std::move(config);
        options.history = false;
        m_bridge = sb::test::make_bridge(std::move(options));
        m_page = sb::test::show_page<PricesPage>(*m_bridge, {1100, 700});
        if (!configFile.isEmpty()) m_page->setConfigFile(configFile);
    }

    int rowOf(const std::string& model) {
        for (int row = 0; row < editor()->rowCount(); ++row)
            if (editor()->modelEdit(row)->text().toStdString() == model) return row;
        return -1;
    }

    // Types a new value into a price cell, as an operator would.
    void typePrice(int row, PricesEditor::Column column, const QString& value) {
        QDoubleSpinBox* box = editor()->priceBox(row, column);
        box->setFocus();
        box->selectAll();
        QTest::keyClicks(box, value);
        QTest::keyClick(box, Qt::Key_Tab);
    }

    sb::RequestResult ask(const std::string& text) {
        sb::ChatRequest request;
        request.provider = "openai";
        request.model = "gpt-4o-mini";
        request.messages = {{sb::Role::User, text}};
        request.source = "test";
        return sb::test::ask(engine(), std::move(request));
    }

private slots:
    void initTestCase() {
        QLocale::setDefault(QLocale::c());  // spin boxes read "1234.5"
        QVERIFY(m_dir.isValid());
        m_simulator = sb::test::start_simulator({}, &m_port);
        QVERIFY(m_simulator);
    }

    void cleanup() {
        m_page.reset();
        m_bridge.reset();
    }

    void anEditedPriceIsAppliedToTheNextAnswer() {
        makePage(sb::test::simulator_config(m_port));
        QVERIFY(m_page->originText().contains("built-in prices"));
        QVERIFY(m_page->originText().contains("--config"));  // nowhere to save: the page says so
        const int row = rowOf("gpt-4o-mini");
        QVERIFY(row >= 0);
        QVERIFY(!m_page->applyButton()->isEnabled());

        typePrice(row, PricesEditor::InputColumn, "30000");
        typePrice(row, PricesEditor::OutputColumn, "90000");
        QVERIFY(m_page->draft()->isDirty());
        QVERIFY(m_page->applyButton()->isEnabled());
        QCOMPARE(m_page->statusText(), QStringLiteral("Draft: edits not applied yet"));
        // Not applied yet: the engine still prices with the shipped table.
        QCOMPARE(engine().prices()->find("gpt-4o-mini")->output_per_million,
                 sb::PriceTable::built_in().find("gpt-4o-mini")->output_per_million);

        QTest::mouseClick(m_page->applyButton(), Qt::LeftButton);
        QVERIFY(!m_page->draft()->isDirty());
        QVERIFY(m_page->statusText().startsWith(
            QString("Applied %1 prices").arg(sb::PriceTable::built_in().prices().size())));
        const sb::ModelPrice* live = engine().prices()->find("gpt-4o-mini");
        QCOMPARE(live->input_per_million, 30000.0);
        QCOMPARE(live->output_per_million, 90000.0);

        const auto answer = ask("How long does shipping to Lyon take?");
        QVERIFY(answer.ok());
        const double expected = priced(*live, answer.outcome->usage);
        QVERIFY(expected > 0.10);
        QVERIFY2(centsEqual(*answer.cost_usd, expected), qPrintable(QString::number(*answer.cost_usd, 'f', 6)));
    }

    void invalidRowsAreMarkedAndCannotBeApplied() {
        makePage(sb::test::simulator_config(m_port));
        const auto before = engine().prices()->sheet();
        QTest::mouseClick(editor()->addButton(), Qt::LeftButton);
        const int added = editor()->rowCount() - 1;
        editor()->modelEdit(added)->clear();
        QTest::keyClicks(editor()->modelEdit(added), "gpt-4o");  // listed already, and no source yet
        QVERIFY(editor()->rowMarkedInvalid(added));
        QVERIFY(!m_page->applyButton()->isEnabled());
        QVERIFY2(editor()->hintText().contains("gpt-4o model: is listed twice"), qPrintable(editor()->hintText()));
        QVERIFY(editor()->hintText().contains("gpt-4o source: must say where the prices come from"));
        QCOMPARE(m_page->statusText(), QStringLiteral("Draft: fix the marked prices to apply"));
        QVERIFY(!m_page->apply());

        editor()->modelEdit(added)->clear();
        QTest::keyClicks(editor()->modelEdit(added), "mistral-small");
        QTest::keyClicks(editor()->sourceEdit(added), "https://mistral.ai/pricing");
        QVERIFY(!editor()->rowMarkedInvalid(added));
        editor()->asOfEdit()->clear();
        QTest::keyClicks(editor()->asOfEdit(), "last week");
        QVERIFY(editor()->hintText().contains("as_of: must be the date the prices were read, as YYYY-MM-DD"));
        QVERIFY(!m_page->applyButton()->isEnabled());

        QTest::mouseClick(m_page->revertButton(), Qt::LeftButton);
        QVERIFY(!m_page->draft()->isDirty());
        QCOMPARE(editor()->rowCount(), int(before.models.size()));
        QCOMPARE(editor()->asOfEdit()->text().toStdString(), before.as_of);
        QVERIFY(engine().prices()->sheet() == before);  // nothing reached the engine
    }

    void builtInPricesAreStagedNotApplied() {
        makePage(sb::test::simulator_config(m_port));
        auto dear = engine().prices()->sheet();
        dear.models.front().output_per_million = 777;
        engine().set_prices(*sb::PriceTable::from_sheet(dear));
        m_page->hide();
        m_page->show();  // a clean draft follows the live table
        QCOMPARE(editor()->priceBox(0, PricesEditor::OutputColumn)->value(), 777.0);

        QTest::mouseClick(m_page->builtInButton(), Qt::LeftButton);
        QVERIFY(m_page->draft()->draft() == sb::PriceTable::built_in().sheet());
        QCOMPARE(engine().prices()->find(dear.models.front().model)->output_per_million, 777.0);
        QVERIFY(m_page->apply());
        QVERIFY(*engine().prices() == sb::PriceTable::built_in());
    }

    void appliedPricesAreSavedAndReadAtTheNextStart() {
        // An operator's config file, with a key reference that must stay a reference.
        const QString configFile = m_dir.filePath("config.json");
        nlohmann::json json = nlohmann::json::parse(readFile(QStringLiteral(SB_RESOURCES_DIR "/default-config.json")));
        json["providers"][0]["base_url"] = "http://127.0.0.1:" + std::to_string(m_port) + "/v1";
        {
            QFile file(configFile);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(QByteArray::fromStdString(json.dump(2)));
        }
        makePage(sb::test::simulator_config(m_port), configFile);
        const QString pricingFile = m_dir.filePath("pricing.json");
        QCOMPARE(m_page->pricingFile(), pricingFile);
        QVERIFY(m_page->originText().contains("Apply saves to " + pricingFile));

        const int row = rowOf("claude-haiku-4-5");
        typePrice(row, PricesEditor::CachedInputColumn, "0.08");
        QVERIFY(m_page->apply());
        // Written off the GUI thread: the status says so when it is done.
        QTRY_VERIFY2(m_page->statusText().endsWith("saved to " + pricingFile), qPrintable(m_page->statusText()));

        const auto saved = sb::PriceTable::load(pricingFile.toStdString());
        QVERIFY2(saved.has_value(), saved ? "" : saved.error().c_str());
        QVERIFY(*saved == *engine().prices());
        QCOMPARE(saved->find("claude-haiku-4-5")->cached_input_per_million, 0.08);
        auto config = nlohmann::json::parse(readFile(configFile));
        QCOMPARE(config["cost"]["pricing"].get<std::string>(), pricingFile.toStdString());
        config["cost"]["pricing"] = json["cost"]["pricing"];
        QCOMPARE(config.dump(), json.dump());  // nothing else in the config changed

        // The next start reads the file the config now names.
        const auto reloaded = sb::load_config(configFile.toStdString(), [](const std::string&) { return std::nullopt; });
        QVERIFY(reloaded.has_value());
        sb::Config next = sb::test::simulator_config(m_port);
        next.cost = reloaded->cost;
        makePage(next, configFile);
        QCOMPARE(engine().prices()->find("claude-haiku-4-5")->cached_input_per_million, 0.08);
        QVERIFY(m_page->originText().contains("Started with the prices in " + pricingFile));
    }
};

QTEST_MAIN(TestPricesPage)
#include "tst_prices_page.moc"
