// Batch runs in-process: a 1,000-line batch against 8% injected failures, unreadable lines,
// and a stop half-way followed by a resume — every line answered once, in input order. The
// same batch deferred through the simulator's OpenAI Batch API and Anthropic Message Batches:
// complete, in order, at half the price; the lines a provider failed run again at once when asked.
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <map>

#include "../support/engine_fixture.h"
#include "../support/gateway_calls.h"
#include "engine/batch_runner.h"
#include "engine/engine.h"
#include "simulator/simulator_profile.h"
#include "store/batch_store.h"
#include "store/history_query.h"

using namespace sb;
using namespace std::chrono_literals;

namespace {

std::string batch_line(int i) {
    static const char* models[] = {"gpt-4o-mini", "claude-haiku-4-5", "llama3.2"};
    const nlohmann::json line = {
        {"custom_id", "req-" + std::to_string(i)},
        {"method", "POST"},
        {"url", "/v1/chat/completions"},
        {"body",
         {{"model", models[i % 3]},
          {"messages", {{{"role", "user"}, {"content", "Question number " + std::to_string(i) + ": is it in stock?"}}}},
          {"max_tokens", 64}}}};
    return line.dump();
}

void write_lines(const QString& path, const std::vector<std::string>& lines) {
    std::ofstream out(path.toStdString());
    for (const auto& line : lines) out << line << '\n';
}

std::vector<nlohmann::json> read_output(const QString& path) {
    std::ifstream in(path.toStdString());
    std::vector<nlohmann::json> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    return lines;
}

}  // namespace

class TestBatchRunner : public QObject {
    Q_OBJECT

    std::unique_ptr<Simulator> m_simulator;
    std::uint16_t m_port = 0;

    std::unique_ptr<Engine> make_engine(const QString& database) {
        EngineOptions options;
        options.config = test::simulator_config(m_port);
        options.database = database.toStdString();
        auto engine = Engine::create(std::move(options));
        if (!engine) qFatal("engine: %s", engine.error().c_str());
        return std::move(*engine);
    }

private slots:
    void initTestCase() {
        auto profile = load_simulator_profile(SB_RESOURCES_DIR "/simulator/flaky.json");
        QVERIFY2(profile.has_value(), profile ? "" : profile.error().c_str());
        QVERIFY(profile->errors.total() > 0.07 && profile->errors.total() < 0.09);
        QCOMPARE(profile->errors.hang, 0.0);
        m_simulator = test::start_simulator(*profile, &m_port);
        QVERIFY(m_simulator);
    }

    void thousandLinesWithInjectedFailuresAllAnsweredInOrder() {
        QTemporaryDir dir;
        std::vector<std::string> lines;
        for (int i = 1; i <= 1000; ++i) lines.push_back(batch_line(i));
        write_lines(dir.filePath("in.jsonl"), lines);
        const auto faults_before = m_simulator->stats();

        auto engine = make_engine(dir.filePath("history.db"));
        BatchOptions options;
        options.input = dir.filePath("in.jsonl").toStdString();
        options.output = dir.filePath("out.jsonl").toStdString();
        options.max_concurrency = 64;
        int progress_calls = 0;
        options.on_progress = [&](const BatchProgress&) { ++progress_calls; };
        const auto summary = run_batch(*engine, options);
        QVERIFY2(summary.has_value(), summary ? "" : summary.error().c_str());
        QCOMPARE(summary->total, std::int64_t(1000));
        QVERIFY(!summary->interrupted);
        QVERIFY2(summary->succeeded >= 995, qPrintable(QString::number(summary->succeeded)));
        QCOMPARE(summary->succeeded + summary->failed, std::int64_t(1000));
        QVERIFY(progress_calls > 0);

        // The simulator really injected failures, and the engine retried through them.
        const auto faults_after = m_simulator->stats();
        const auto injected = (faults_after.count(SimOutcome::rate_limited) - faults_before.count(SimOutcome::rate_limited)) +
                              (faults_after.count(SimOutcome::server_error) - faults_before.count(SimOutcome::server_error)) +
                              (faults_after.count(SimOutcome::unavailable) - faults_before.count(SimOutcome::unavailable)) +
                              (faults_after.count(SimOutcome::reset) - faults_before.count(SimOutcome::reset)) +
                              (faults_after.count(SimOutcome::malformed) - faults_before.count(SimOutcome::malformed));
        QVERIFY2(injected > 30, qPrintable(QString::number(injected)));
        QVERIFY(engine->stats().retries >= injected / 2);

        const auto output = read_output(dir.filePath("out.jsonl"));
        QCOMPARE(output.size(), std::size_t(1000));
        for (int i = 0; i < 1000; ++i) {
            QCOMPARE(output[i]["custom_id"].get<std::string>(), "req-" + std::to_string(i + 1));
            if (output[i]["error"].is_null()) {
                QCOMPARE(output[i]["response"]["status_code"].get<int>(), 200);
                QCOMPARE(output[i]["response"]["body"]["object"].get<std::string>(), std::string("chat.completion"));
                QVERIFY(!output[i]["response"]["body"]["choices"][0]["message"]["content"].get<std::string>().empty());
            }
        }

        auto reader = HistoryReader::open(dir.filePath("history.db").toStdString());
        QVERIFY(reader.has_value());
        HistoryFilter filter;
        filter.batch_id = summary->batch_id;
        QCOMPARE(*reader->count(filter), std::int64_t(1000));
        QCOMPARE(*reader->count({}), std::int64_t(1000));
        QCOMPARE(reader->database().integrity_check().value_or("failed"), std::string("ok"));
    }

    void unreadableLinesGetTheirOwnErrorLine() {
        QTemporaryDir dir;
        write_lines(dir.filePath("in.jsonl"),
                    {batch_line(1), "{not json", R"({"method":"POST","url":"/v1/chat/completions","body":{}})",
                     R"({"custom_id":"x","method":"POST","url":"/v1/embeddings","body":{}})",
                     R"({"custom_id":"y","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o-mini"}})",
                     batch_line(6)});
        auto engine = make_engine(dir.filePath("history.db"));
        BatchOptions options;
        options.input = dir.filePath("in.jsonl").toStdString();
        options.output = dir.filePath("out.jsonl").toStdString();
        const auto summary = run_batch(*engine, options);
        QVERIFY(summary.has_value());
        QCOMPARE(summary->invalid, std::int64_t(4));
        QCOMPARE(summary->succeeded, std::int64_t(2));
        const auto output = read_output(dir.filePath("out.jsonl"));
        QCOMPARE(output.size(), std::size_t(6));
        QVERIFY(output[0]["error"].is_null());
        QCOMPARE(output[1]["error"]["message"].get<std::string>(), std::string("line 2: not valid JSON"));
        QVERIFY(output[1]["custom_id"].is_null());
        QVERIFY(output[2]["error"]["message"].get<std::string>().starts_with("line 3: custom_id"));
        QVERIFY(output[3]["error"]["message"].get<std::string>().starts_with("line 4: url"));
        QCOMPARE(output[3]["custom_id"].get<std::string>(), std::string("x"));
        QVERIFY(output[4]["error"]["message"].get<std::string>().starts_with("line 5: body"));
        QVERIFY(output[5]["error"].is_null());
    }

    void stoppedBatchResumesWithoutDuplicates() {
        QTemporaryDir dir;
        std::vector<std::string> lines;
        for (int i = 1; i <= 400; ++i) lines.push_back(batch_line(i));
        write_lines(dir.filePath("in.jsonl"), lines);
        BatchOptions options;
        options.input = dir.filePath("in.jsonl").toStdString();
        options.output = dir.filePath("out.jsonl").toStdString();
        options.max_concurrency = 16;

        std::atomic<bool> stop{false};
        std::int64_t first_run_done = 0;
        {
            auto engine = make_engine(dir.filePath("history.db"));
            options.stop = &stop;
            options.on_progress = [&](const BatchProgress& p) {
                if (p.done >= 100) stop = true;
            };
            const auto summary = run_batch(*engine, options);
            QVERIFY2(summary.has_value(), summary ? "" : summary.error().c_str());
            QVERIFY(summary->interrupted);
            first_run_done = summary->succeeded + summary->failed;
            QVERIFY(first_run_done >= 100 && first_run_done < 400);
            QVERIFY(!QFile::exists(dir.filePath("out.jsonl")));
        }
        {
            auto engine = make_engine(dir.filePath("history.db"));
            options.stop = nullptr;
            options.on_progress = {};
            const auto summary = run_batch(*engine, options);
            QVERIFY(summary.has_value());
            QVERIFY(!summary->interrupted);
            QCOMPARE(summary->resumed, first_run_done);
            QCOMPARE(summary->succeeded + summary->failed, std::int64_t(400));
        }
        const auto output = read_output(dir.filePath("out.jsonl"));
        QCOMPARE(output.size(), std::size_t(400));
        for (int i = 0; i < 400; ++i) QCOMPARE(output[i]["custom_id"].get<std::string>(), "req-" + std::to_string(i + 1));
        auto reader = HistoryReader::open(dir.filePath("history.db").toStdString());
        QCOMPARE(*reader->count({}), std::int64_t(400));
    }

    // Each line's history row: cost and route reason by line number.
    static std::map<std::int64_t, HistoryRecord> rows_by_line(const QString& database, const std::string& batch_id) {
        auto reader = HistoryReader::open(database.toStdString());
        if (!reader) qFatal("history: %s", reader.error().message.c_str());
        HistoryFilter filter;
        filter.batch_id = batch_id;
        std::map<std::int64_t, HistoryRecord> rows;
        std::optional<HistoryCursor> after;
        for (;;) {
            auto page = reader->page(filter, after, 500);
            if (!page) qFatal("history page: %s", page.error().message.c_str());
            for (auto& row : page->rows) rows[row.batch_line.value_or(0)] = std::move(row);
            if (!page->next) break;
            after = page->next;
        }
        return rows;
    }

    void deferredThousandLinesInOrderAtHalfTheCost() {
        QTemporaryDir dir;
        std::vector<std::string> lines;
        for (int i = 1; i <= 1000; ++i) lines.push_back(batch_line(i));
        write_lines(dir.filePath("in.jsonl"), lines);
        HttpClient client;
        const auto sim = "http://127.0.0.1:" + std::to_string(m_port) + "/v1/";
        const auto batches_before = test::fetch(client, "GET", sim + "batches?limit=100", {}, test::kTestKey).json()["data"].size();

        BatchOptions options;
        options.input = dir.filePath("in.jsonl").toStdString();
        options.max_concurrency = 64;
        options.first_poll = 200ms;
        options.output = dir.filePath("deferred.jsonl").toStdString();
        options.deferred = true;
        DeferredProgress last_deferred;
        options.on_progress = [&](const BatchProgress& p) {
            if (p.deferred.submitted > 0) last_deferred = p.deferred;
        };
        const auto deferred = run_batch(*make_engine(dir.filePath("deferred.db")), options);
        QVERIFY2(deferred.has_value(), deferred ? "" : deferred.error().c_str());
        QCOMPARE(deferred->total, std::int64_t(1000));
        QCOMPARE(deferred->succeeded + deferred->failed, std::int64_t(1000));
        // OpenAI's and Anthropic's lines (two thirds) went to their batch APIs; llama3.2's ran at once.
        QCOMPARE(last_deferred.submitted, std::int64_t(667));
        QVERIFY2(last_deferred.status.find("openai batch_") != std::string::npos &&
                     last_deferred.status.find("anthropic msgbatch_") != std::string::npos,
                 last_deferred.status.c_str());
        const auto batches_after = test::fetch(client, "GET", sim + "batches?limit=100", {}, test::kTestKey).json()["data"].size();
        QCOMPARE(batches_after - batches_before, std::size_t(1));

        options.output = dir.filePath("sync.jsonl").toStdString();
        options.deferred = false;
        options.on_progress = {};
        const auto sync = run_batch(*make_engine(dir.filePath("sync.db")), options);
        QVERIFY2(sync.has_value(), sync ? "" : sync.error().c_str());

        const auto output = read_output(dir.filePath("deferred.jsonl"));
        QCOMPARE(output.size(), std::size_t(1000));
        for (int i = 0; i < 1000; ++i) QCOMPARE(output[i]["custom_id"].get<std::string>(), "req-" + std::to_string(i + 1));

        const auto deferred_rows = rows_by_line(dir.filePath("deferred.db"), deferred->batch_id);
        const auto sync_rows = rows_by_line(dir.filePath("sync.db"), sync->batch_id);
        QCOMPARE(deferred_rows.size(), std::size_t(1000));
        int compared = 0, provider_failed = 0;
        double deferred_cost = 0, sync_cost = 0;
        for (const auto& [line, row] : deferred_rows) {
            const auto& alone = sync_rows.at(line);
            const bool was_deferred = row.route_reason.find("deferred through") != std::string::npos;
            QCOMPARE(was_deferred, row.provider != "local");
            if (row.status != RequestStatus::Ok) {
                ++provider_failed;
                continue;
            }
            if (alone.status != RequestStatus::Ok) continue;
            QCOMPARE(row.tokens_in, alone.tokens_in);
            QCOMPARE(row.tokens_out, alone.tokens_out);
            QVERIFY(std::abs(row.cost_usd - (was_deferred ? 0.5 : 1.0) * alone.cost_usd) < 1e-12);
            if (was_deferred) {
                deferred_cost += row.cost_usd;
                sync_cost += alone.cost_usd;
                ++compared;
            }
        }
        QVERIFY2(compared > 550, qPrintable(QString::number(compared)));
        QVERIFY(sync_cost > 0 && std::abs(deferred_cost / sync_cost - 0.5) < 1e-9);
        // The flaky profile fails some lines at the provider; without --retry-failed-now they stay failed.
        QVERIFY2(provider_failed > 10, qPrintable(QString::number(provider_failed)));
    }

    void deferredLinesTheProviderFailedRunAgainNowWhenAsked() {
        QTemporaryDir dir;
        std::vector<std::string> lines;
        for (int i = 1; i <= 300; ++i) lines.push_back(batch_line(3 * i));  // gpt-4o-mini only
        write_lines(dir.filePath("in.jsonl"), lines);
        BatchOptions options;
        options.input = dir.filePath("in.jsonl").toStdString();
        options.output = dir.filePath("out.jsonl").toStdString();
        options.first_poll = 200ms;
        options.deferred = true;
        options.retry_failed_now = true;
        const auto summary = run_batch(*make_engine(dir.filePath("history.db")), options);
        QVERIFY2(summary.has_value(), summary ? "" : summary.error().c_str());
        QCOMPARE(summary->failed, std::int64_t(0));
        const auto rows = rows_by_line(dir.filePath("history.db"), summary->batch_id);
        QCOMPARE(rows.size(), std::size_t(300));
        int run_again = 0;
        for (const auto& [line, row] : rows)
            if (row.route_reason.find("deferred through") == std::string::npos) ++run_again;
        QVERIFY2(run_again > 5 && run_again < 60, qPrintable(QString::number(run_again)));
    }

    void missingInputIsAClearError() {
        QTemporaryDir dir;
        auto engine = make_engine(dir.filePath("history.db"));
        BatchOptions options;
        options.input = dir.filePath("nope.jsonl").toStdString();
        options.output = dir.filePath("out.jsonl").toStdString();
        const auto summary = run_batch(*engine, options);
        QVERIFY(!summary.has_value());
        QVERIFY(summary.error().find("nope.jsonl") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestBatchRunner)
#include "tst_batch_runner.moc"
