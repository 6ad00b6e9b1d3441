// HistoryReader (keyset paging, filters, rollups) and BatchStore over real SQLite files.
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "store/batch_store.h"
#include "store/history_query.h"
#include "store/history_writer.h"

using namespace sb;
using namespace std::chrono_literals;

// No digit separators above the test class: moc 6.4 reads them as character literals.
namespace {

std::filesystem::path in(const QTemporaryDir& dir, const char* name) {
    return std::filesystem::path(dir.path().toStdString()) / name;
}

constexpr std::int64_t kBase = 1700000000000;

// Deterministic, varied rows: every filter has matches and non-matches.
std::vector<HistoryRecord> varied_records(int n) {
    std::mt19937 rng(42);
    const char* providers[] = {"openai", "anthropic", "local"};
    const char* models[] = {"gpt-4o", "claude", "llama"};
    const char* sources[] = {"gui", "gateway", "batch"};
    std::vector<HistoryRecord> rows;
    for (int i = 0; i < n; ++i) {
        HistoryRecord r;
        r.ts_ms = kBase + static_cast<std::int64_t>(rng() % (10 * 60000));  // ten minutes
        r.request_id = "v-" + std::to_string(i);
        r.source = sources[rng() % 3];
        r.provider = providers[rng() % 3];
        r.model = models[rng() % 3];
        r.tier = rng() % 2 ? "fast" : "smart";
        const unsigned s = rng() % 10;
        r.status = s < 7 ? RequestStatus::Ok : s < 9 ? RequestStatus::Error : RequestStatus::Cancelled;
        if (r.status == RequestStatus::Error)
            r.error_class = rng() % 2 ? "rate_limited" : "timeout";
        r.total_ms = static_cast<double>(rng() % 5000) / 2.0;
        r.first_byte_ms = r.total_ms / 2;
        r.tokens_in = rng() % 1000;
        r.tokens_out = rng() % 500;
        r.cost_usd = static_cast<double>(rng() % 1000) / 1e5;
        r.cache_hit = rng() % 5 == 0;
        r.prompt_text = i % 7 == 0 ? "tell me about 100% _needle_ cases" : "plain prompt " + std::to_string(i);
        r.response_text = i % 11 == 0 ? "found the _needle_" : "plain answer";
        if (r.source == "batch") {
            r.batch_id = "batch-" + std::to_string(i % 2);
            r.batch_line = i;
        }
        rows.push_back(std::move(r));
    }
    return rows;
}

void write_all(const std::filesystem::path& file, const std::vector<HistoryRecord>& rows) {
    auto writer = HistoryWriter::open(file);
    if (!writer)
        qFatal("%s", writer.error().message.c_str());
    for (HistoryRecord row : rows)
        (*writer)->enqueue(std::move(row), Overflow::Block);
    if (auto ok = (*writer)->flush(60s); !ok)
        qFatal("%s", ok.error().message.c_str());
}

std::string output_for(std::int64_t line) {
    return "{\"custom_id\":\"c" + std::to_string(line) + "\"}";
}

HistoryReader open_reader(const std::filesystem::path& file) {
    auto reader = HistoryReader::open(file);
    if (!reader)
        qFatal("%s", reader.error().message.c_str());
    return std::move(*reader);
}

// Every row matching `filter`, by walking all pages; fails the test on a repeat.
std::vector<HistoryRecord> all_pages(HistoryReader& reader, const HistoryFilter& filter, int limit) {
    std::vector<HistoryRecord> rows;
    std::optional<HistoryCursor> cursor;
    for (int guard = 0; guard < 100000; ++guard) {
        auto page = reader.page(filter, cursor, limit);
        if (!page)
            qFatal("%s", page.error().message.c_str());
        rows.insert(rows.end(), page->rows.begin(), page->rows.end());
        if (!page->next)
            break;
        cursor = page->next;
    }
    return rows;
}

}  // namespace

class TestHistoryQuery : public QObject {
    Q_OBJECT

private slots:
    void pagingIsNewestFirstAndComplete() {
        QTemporaryDir dir;
        const auto file = in(dir, "history.db");
        const auto rows = varied_records(1'000);
        write_all(file, rows);
        auto reader = open_reader(file);
        const auto paged = all_pages(reader, {}, 37);
        QCOMPARE(paged.size(), rows.size());
        for (std::size_t i = 1; i < paged.size(); ++i) {
            const auto& a = paged[i - 1];
            const auto& b = paged[i];
            QVERIFY(a.ts_ms > b.ts_ms || (a.ts_ms == b.ts_ms && a.id > b.id));
        }
        // A row reads back with every field it was written with.
        const auto& original = rows[7];
        HistoryFilter by_id;
        by_id.request_id = original.request_id;
        auto one = reader.page(by_id, std::nullopt, 10).value();
        QCOMPARE(one.rows.size(), 1u);
        QVERIFY(!one.next);
        const HistoryRecord& back = one.rows.front();
        QCOMPARE(back.ts_ms, original.ts_ms);
        QCOMPARE(back.provider, original.provider);
        QCOMPARE(back.status, original.status);
        QCOMPARE(back.total_ms, original.total_ms);
        QCOMPARE(back.first_byte_ms, original.first_byte_ms);
        QVERIFY(!back.dns_ms);
        QCOMPARE(back.cost_usd, original.cost_usd);
        QCOMPARE(back.prompt_text, original.prompt_text);
        QCOMPARE(back.batch_line, original.batch_line);
    }

    void pagingIsStableUnderConcurrentInserts() {
        QTemporaryDir dir;
        const auto file = in(dir, "history.db");
        // Many rows share a timestamp, so the id tie-break matters.
        std::vector<HistoryRecord> initial;
        for (int i = 0; i < 3'000; ++i) {
            HistoryRecord r;
            r.ts_ms = kBase + i / 5;
            r.request_id = "old-" + std::to_string(i);
            r.source = "gui";
            r.provider = "openai";
            r.model = "m";
            r.tier = "t";
            initial.push_back(std::move(r));
        }
        write_all(file, initial);

        auto writer = std::move(HistoryWriter::open(file).value());
        std::atomic<bool> stop{false};
        std::atomic<int> inserted{0};
        std::thread inserter([&] {
            for (int i = 0; !stop; ++i) {
                HistoryRecord r;
                r.ts_ms = kBase + 1'000'000 + i;
                r.request_id = "new-" + std::to_string(i);
                r.source = "gui";
                r.provider = "openai";
                r.model = "m";
                r.tier = "t";
                writer->enqueue(std::move(r), Overflow::Block);
                if (i % 50 == 0) {
                    (void)writer->flush(5s);
                    inserted = i + 1;  // rows committed so far
                }
            }
        });
        auto reader = open_reader(file);
        std::set<std::int64_t> seen_ids;
        std::set<std::string> seen_old;
        std::optional<HistoryCursor> cursor;
        int pages = 0;
        for (;;) {
            auto page = reader.page({}, cursor, 41);
            QVERIFY2(page.has_value(), page ? "" : page.error().message.c_str());
            for (const auto& row : page->rows) {
                QVERIFY2(seen_ids.insert(row.id).second, ("row twice: " + row.request_id).c_str());
                if (row.request_id.starts_with("old-"))
                    seen_old.insert(row.request_id);
            }
            ++pages;
            if (!page->next)
                break;
            cursor = page->next;
            // Past the first page, rows are being committed while the rest is read: on a busy
            // machine the reader could otherwise finish before the inserter's first commit.
            if (pages == 1)
                QTRY_VERIFY_WITH_TIMEOUT(inserted.load() > 0, 10000);
            std::this_thread::yield();
        }
        stop = true;
        inserter.join();
        QVERIFY(pages > 70);
        QCOMPARE(seen_old.size(), 3'000u);
        QVERIFY(inserted.load() > 0);
    }

    void eachFilterMatchesABruteForceScan() {
        QTemporaryDir dir;
        const auto file = in(dir, "history.db");
        const auto rows = varied_records(1'500);
        write_all(file, rows);
        auto reader = open_reader(file);

        struct Case {
            const char* name;
            HistoryFilter filter;
            std::function<bool(const HistoryRecord&)> match;
        };
        HistoryFilter f;
        std::vector<Case> cases;
        auto add = [&](const char* name, auto set, std::function<bool(const HistoryRecord&)> match) {
            HistoryFilter filter;
            set(filter);
            cases.push_back({name, filter, std::move(match)});
        };
        const std::int64_t since = kBase + 2 * 60'000;
        const std::int64_t until = kBase + 5 * 60'000;
        add("time range", [&](HistoryFilter& x) { x.since_ms = since; x.until_ms = until; },
            [&](const HistoryRecord& r) { return r.ts_ms >= since && r.ts_ms < until; });
        add("provider", [](HistoryFilter& x) { x.provider = "anthropic"; },
            [](const HistoryRecord& r) { return r.provider == "anthropic"; });
        add("model", [](HistoryFilter& x) { x.model = "llama"; },
            [](const HistoryRecord& r) { return r.model == "llama"; });
        add("source", [](HistoryFilter& x) { x.source = "gui"; },
            [](const HistoryRecord& r) { return r.source == "gui"; });
        add("status", [](HistoryFilter& x) { x.status = RequestStatus::Cancelled; },
            [](const HistoryRecord& r) { return r.status == RequestStatus::Cancelled; });
        add("error class", [](HistoryFilter& x) { x.error_class = "timeout"; },
            [](const HistoryRecord& r) { return r.error_class == "timeout"; });
        add("request id", [](HistoryFilter& x) { x.request_id = "v-123"; },
            [](const HistoryRecord& r) { return r.request_id == "v-123"; });
        add("batch id", [](HistoryFilter& x) { x.batch_id = "batch-1"; },
            [](const HistoryRecord& r) { return r.batch_id == "batch-1"; });
        add("text with wildcard characters", [](HistoryFilter& x) { x.text_contains = "100% _needle_"; },
            [](const HistoryRecord& r) { return r.prompt_text.find("100% _needle_") != std::string::npos; });
        add("text in prompt or response", [](HistoryFilter& x) { x.text_contains = "_needle_"; },
            [](const HistoryRecord& r) {
                return r.prompt_text.find("_needle_") != std::string::npos ||
                       r.response_text.find("_needle_") != std::string::npos;
            });
        add("min latency", [](HistoryFilter& x) { x.min_latency_ms = 2'000; },
            [](const HistoryRecord& r) { return r.total_ms >= 2'000; });
        add("combined", [](HistoryFilter& x) { x.provider = "openai"; x.status = RequestStatus::Error; x.min_latency_ms = 500; },
            [](const HistoryRecord& r) {
                return r.provider == "openai" && r.status == RequestStatus::Error && r.total_ms >= 500;
            });

        for (const Case& c : cases) {
            std::set<std::string> expected;
            for (const auto& r : rows)
                if (c.match(r))
                    expected.insert(r.request_id);
            QVERIFY2(!expected.empty() && expected.size() < rows.size(), c.name);
            std::set<std::string> got;
            for (const auto& r : all_pages(reader, c.filter, 64))
                got.insert(r.request_id);
            QVERIFY2(got == expected, c.name);
            QCOMPARE(reader.count(c.filter).value(), static_cast<std::int64_t>(expected.size()));
        }
    }

    void rollupsEqualSumsOverRows() {
        QTemporaryDir dir;
        const auto file = in(dir, "history.db");
        const auto rows = varied_records(2'000);
        write_all(file, rows);
        auto reader = open_reader(file);

        std::map<std::pair<std::int64_t, std::string>, RollupRow> expected;
        for (const auto& r : rows) {
            for (const std::string& provider : {r.provider, std::string()}) {
                RollupRow& e = expected[{r.ts_ms / 60'000 * 60'000, provider}];
                ++e.requests;
                e.errors += r.status == RequestStatus::Error;
                e.tokens_in += r.tokens_in;
                e.tokens_out += r.tokens_out;
                e.cost_usd += r.cost_usd;
                e.latency_sum_ms += r.total_ms;
                e.latency_max_ms = std::max(e.latency_max_ms, r.total_ms);
                e.cache_hits += r.cache_hit;
            }
        }
        const auto by_provider = reader.rollups(kBase - 60'000, kBase + 3'600'000, RollupGrouping::ByProvider).value();
        const auto total = reader.rollups(kBase - 60'000, kBase + 3'600'000).value();
        const auto minutes = std::count_if(expected.begin(), expected.end(),
                                           [](const auto& entry) { return entry.first.second.empty(); });
        QCOMPARE(total.size(), static_cast<std::size_t>(minutes));
        QCOMPARE(by_provider.size(), expected.size() - total.size());
        std::int64_t requests = 0;
        for (const auto* list : {&by_provider, &total}) {
            for (const RollupRow& got : *list) {
                const auto it = expected.find({got.minute_ms, got.provider});
                QVERIFY(it != expected.end());
                const RollupRow& e = it->second;
                QCOMPARE(got.requests, e.requests);
                QCOMPARE(got.errors, e.errors);
                QCOMPARE(got.tokens_in, e.tokens_in);
                QCOMPARE(got.tokens_out, e.tokens_out);
                QVERIFY(qAbs(got.cost_usd - e.cost_usd) < 1e-9);
                QVERIFY(qAbs(got.latency_sum_ms - e.latency_sum_ms) < 1e-6);
                QCOMPARE(got.latency_max_ms, e.latency_max_ms);
                QCOMPARE(got.cache_hits, e.cache_hits);
                if (list == &total)
                    requests += got.requests;
            }
        }
        QCOMPARE(requests, 2'000);
        // The range is half-open on minute starts.
        const std::int64_t first = total.front().minute_ms;
        const auto one = reader.rollups(first, first + 60'000).value();
        QCOMPARE(one.size(), 1u);
        QCOMPARE(one.front().minute_ms, first);
    }

    void batchCatalogue() {
        QTemporaryDir dir;
        const auto file = in(dir, "history.db");
        auto store = std::move(BatchStore::open(file).value());
        const BatchInfo wanted{"b1", "/data/in.jsonl", "sha-a", 10, 1'000, std::nullopt};
        QCOMPARE(store.create_or_get_batch(wanted).value().created_ms, 1'000);
        BatchInfo again = wanted;
        again.created_ms = 2'000;
        QCOMPARE(store.create_or_get_batch(again).value().created_ms, 1'000);  // the stored one
        BatchInfo other = wanted;
        other.input_sha256 = "sha-b";
        auto refused = store.create_or_get_batch(other);
        QVERIFY(!refused);
        QVERIFY2(refused.error().message.find("different input") != std::string::npos, refused.error().message.c_str());

        QVERIFY(store.finish_batch("b1", 5'000));
        QCOMPARE(store.batch("b1").value()->finished_ms, std::optional<std::int64_t>(5'000));
        auto unknown = store.finish_batch("nope", 1);
        QVERIFY(!unknown);
        QVERIFY2(unknown.error().message.find("no such batch") != std::string::npos, unknown.error().message.c_str());
        QVERIFY(!store.batch("nope").value());
    }

    void batchResultCommitsWithItsRowOnly() {
        QTemporaryDir dir;
        const auto file = in(dir, "history.db");
        auto store = std::move(BatchStore::open(file).value());
        // Line 5's result cannot be stored: its request row must not be stored either.
        QVERIFY(store.database().exec("CREATE TRIGGER refuse_line_5 BEFORE INSERT ON batch_results "
                                      "WHEN NEW.line_no = 5 BEGIN SELECT RAISE(ABORT, 'line 5 refused'); END",
                                      "test trigger"));
        auto writer = std::move(HistoryWriter::open(file).value());
        QCOMPARE(store.batch_done_lines("b1").value().size(), 0u);
        for (int line = 9; line >= 0; --line) {
            HistoryRecord r;
            r.ts_ms = kBase + line;
            r.request_id = "b1-" + std::to_string(line);
            r.source = "batch";
            r.provider = "openai";
            r.model = "m";
            r.tier = "t";
            r.batch_id = "b1";
            r.batch_line = line;
            r.custom_id = "c" + std::to_string(line);
            if (line != 3)  // line 3 failed for good: a row, no final output
                r.output_json = output_for(line);
            writer->enqueue(std::move(r), Overflow::Block);
        }
        auto flushed = writer->flush(30s);
        QVERIFY(!flushed);
        QVERIFY2(flushed.error().message.find("1 rows were refused") != std::string::npos,
                 flushed.error().message.c_str());
        QCOMPARE(writer->stats().rejected, 1u);
        QCOMPARE(writer->stats().written, 9u);
        QVERIFY2(writer->stats().last_error.find("line 5 refused") != std::string::npos,
                 writer->stats().last_error.c_str());

        const std::vector<std::int64_t> done{0, 1, 2, 4, 6, 7, 8, 9};
        QCOMPARE(store.batch_done_lines("b1").value(), done);
        const auto results = store.batch_results("b1").value();
        QCOMPARE(results.size(), done.size());
        for (std::size_t i = 0; i < done.size(); ++i) {
            QCOMPARE(results[i].line_no, done[i]);
            QCOMPARE(results[i].custom_id, "c" + std::to_string(done[i]));
            QCOMPARE(results[i].output_json, output_for(done[i]));
        }
        auto reader = open_reader(file);
        HistoryFilter line5;
        line5.request_id = "b1-5";
        QCOMPARE(reader.count(line5).value(), 0);
        HistoryFilter batch;
        batch.batch_id = "b1";
        QCOMPARE(reader.count(batch).value(), 9);
    }
};

QTEST_GUILESS_MAIN(TestHistoryQuery)
#include "tst_history_query.moc"
