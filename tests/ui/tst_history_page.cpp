// The History page over a 100,000-row history file: lazy keyset paging, filters, stale results,
// CSV export of every matching row, the detail pane and the live tail.
#include <QAbstractItemModelTester>
#include <QFile>
#include <QSet>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <chrono>
#include <memory>
#include <string>

#include "console/history_source.h"
#include "history/history_csv.h"
#include "history/history_model.h"
#include "history/history_page.h"
#include "store/history_writer.h"

namespace {

constexpr int kRows = 100000;
constexpr int kSpecialRow = 1234;
const char* const kProviders[] = {"openai", "anthropic", "local"};
const char* const kModels[] = {"gpt-4o-mini", "claude-3-5-haiku", "llama3"};
const char* const kErrorClasses[] = {"rate_limited", "timeout", "server_error"};
const char* const kSpecialResponse = "He said \"hi\", then\nleft";
const char* const kSpecialPrompt = "{\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";

sb::HistoryRecord makeRecord(int i, std::int64_t baseTs) {
    sb::HistoryRecord r;
    r.ts_ms = baseTs + (i / 2) * 20;  // pairs share a timestamp: ties break on id
    r.request_id = "req_" + std::to_string(i);
    r.source = i % 10 == 0 ? "gui" : "gateway";
    r.provider = kProviders[i % 3];
    r.model = kModels[i % 3];
    r.tier = "fast";
    if (i % 7 == 0) {
        r.status = sb::RequestStatus::Error;
        r.error_class = kErrorClasses[(i / 7) % 3];
        r.error_message = "upstream said no";
        r.http_status = 429;
        r.attempts = 3;
    } else {
        r.status = i % 11 == 0 ? sb::RequestStatus::Cancelled : sb::RequestStatus::Ok;
        r.http_status = 200;
    }
    r.dns_ms = 1.5;
    r.connect_ms = 2.5;
    r.tls_ms = 3.5;
    r.first_byte_ms = 120.0;
    r.total_ms = 456.7 + i % 100;
    r.tokens_in = 100 + i % 50;
    r.tokens_out = 40 + i % 30;
    r.cost_usd = 0.0001 * (1 + i % 5);
    r.prompt_text = "ticket " + std::to_string(i) + (i % 1000 == 0 ? " needle" : "");
    r.response_text = "answer " + std::to_string(i);
    if (i == kSpecialRow) {
        r.prompt_text = kSpecialPrompt;
        r.response_text = kSpecialResponse;
    }
    return r;
}

// RFC 4180 reader, enough for the export: quoted fields may hold commas, quotes and newlines.
QList<QStringList> parseCsv(const QString& text) {
    QList<QStringList> records;
    QStringList record;
    QString field;
    bool quoted = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (quoted) {
            if (c == u'"' && i + 1 < text.size() && text[i + 1] == u'"') {
                field += u'"';
                ++i;
            } else if (c == u'"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == u'"') {
            quoted = true;
        } else if (c == u',') {
            record << field;
            field.clear();
        } else if (c == u'\r' && i + 1 < text.size() && text[i + 1] == u'\n') {
            record << field;
            records << record;
            record.clear();
            field.clear();
            ++i;
        } else {
            field += c;
        }
    }
    return records;
}

void fetchAll(HistoryModel& model) {
    for (;;) {
        QTRY_VERIFY_WITH_TIMEOUT(!model.isFetching(), 20000);
        if (!model.canFetchMore({}))
            return;
        model.fetchMore({});
    }
}

}  // namespace

class TestHistoryPage final : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void firstPageAndCount();
    void pagesNewestFirstWithoutDuplicates();
    void filterNarrowsRows();
    void textFilter();
    void staleResultsAreDropped();
    void csvQuoting();
    void exportWritesEveryFilteredRow();
    void exportQuotesSpecialCharacters();
    void detailShowsPrettyJsonAndTimings();
    void liveTailPicksUpNewRows();

private:
    QTemporaryDir m_dir;
    QString m_db;
    std::int64_t m_baseTs = 0;
    int m_anthropicErrors = 0;
};

void TestHistoryPage::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_db = m_dir.filePath(QStringLiteral("history.db"));
    auto writer = sb::HistoryWriter::open(m_db.toStdString());
    QVERIFY(writer.has_value());
    m_baseTs = QDateTime::currentMSecsSinceEpoch() - std::int64_t{kRows} * 10 - 60000;
    for (int i = 0; i < kRows; ++i) {
        sb::HistoryRecord r = makeRecord(i, m_baseTs);
        if (r.provider == "anthropic" && r.status == sb::RequestStatus::Error)
            ++m_anthropicErrors;
        QCOMPARE((*writer)->enqueue(std::move(r), sb::Overflow::Block), sb::EnqueueResult::Queued);
    }
    QVERIFY((*writer)->flush(std::chrono::seconds(60)).has_value());
    QVERIFY(m_anthropicErrors > 0);
}

void TestHistoryPage::firstPageAndCount() {
    HistoryModel model(sb::local_history_source(m_db.toStdString(), nullptr));
    QSignalSpy shown(&model, &HistoryModel::firstPageShown);
    model.setFilter({});
    QVERIFY(shown.wait(10000));
    QCOMPARE(model.rowCount(), model.pageSize());
    QVERIFY(model.canFetchMore({}));
    QTRY_COMPARE(model.totalCount().value_or(-1), qint64{kRows});
    QCOMPARE(model.columnCount(), int(HistoryModel::ColumnCount));
    const QModelIndex top = model.index(0, HistoryModel::RequestId);
    QCOMPARE(top.data().toString(), QStringLiteral("req_%1").arg(kRows - 1));
}

void TestHistoryPage::pagesNewestFirstWithoutDuplicates() {
    HistoryModel model(sb::local_history_source(m_db.toStdString(), nullptr));
    // No QAbstractItemModelTester here: it calls fetchMore itself, and this test counts pages.
    model.setFilter({});
    QTRY_VERIFY(model.firstPageLoaded());
    for (int page = 1; page < 6; ++page) {
        QTRY_VERIFY(model.canFetchMore({}));
        model.fetchMore({});
        QTRY_COMPARE(model.rowCount(), (page + 1) * model.pageSize());
    }
    QSet<qint64> ids;
    for (int row = 0; row < model.rowCount(); ++row) {
        const sb::HistoryRecord* r = model.record(row);
        QVERIFY(!ids.contains(r->id));
        ids.insert(r->id);
        if (row > 0) {
            const sb::HistoryRecord* prev = model.record(row - 1);
            QVERIFY2(prev->ts_ms > r->ts_ms || (prev->ts_ms == r->ts_ms && prev->id > r->id), "not newest first");
        }
    }
    model.setPageSize(5000);  // the rest in fewer round trips
    fetchAll(model);
    QCOMPARE(model.rowCount(), kRows);
    QVERIFY(!model.canFetchMore({}));
}

void TestHistoryPage::filterNarrowsRows() {
    HistoryModel model(sb::local_history_source(m_db.toStdString(), nullptr));
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    sb::HistoryFilter filter;
    filter.provider = "anthropic";
    filter.status = sb::RequestStatus::Error;
    model.setPageSize(1000);
    model.setFilter(filter);
    QTRY_VERIFY(model.firstPageLoaded());
    fetchAll(model);
    QCOMPARE(model.rowCount(), m_anthropicErrors);
    QTRY_COMPARE(model.totalCount().value_or(-1), qint64{m_anthropicErrors});
    for (int row = 0; row < model.rowCount(); ++row) {
        QCOMPARE(model.index(row, HistoryModel::Provider).data().toString(), QStringLiteral("anthropic"));
        QCOMPARE(model.index(row, HistoryModel::Status).data().toString(), QStringLiteral("error"));
        QVERIFY(!model.index(row, HistoryModel::ErrorClass).data().toString().isEmpty());
    }
}

void TestHistoryPage::textFilter() {
    HistoryModel model(sb::local_history_source(m_db.toStdString(), nullptr));
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    sb::HistoryFilter filter;
    filter.text_contains = "needle";
    model.setFilter(filter);
    QTRY_VERIFY_WITH_TIMEOUT(model.firstPageLoaded(), 10000);
    fetchAll(model);
    QCOMPARE(model.rowCount(), kRows / 1000);
    for (int row = 0; row < model.rowCount(); ++row)
        QVERIFY(model.record(row)->prompt_text.find("needle") != std::string::npos);
}

void TestHistoryPage::staleResultsAreDropped() {
    HistoryModel model(sb::local_history_source(m_db.toStdString(), nullptr));
    sb::HistoryFilter openai;
    openai.provider = "openai";
    sb::HistoryFilter local;
    local.provider = "local";
    model.setFilter({});
    model.setFilter(openai);
    model.setFilter(local);  // the earlier two may still be running: their pages must not land
    QTRY_VERIFY(model.firstPageLoaded());
    QTest::qWait(200);
    QCOMPARE(model.rowCount(), model.pageSize());
    for (int row = 0; row < model.rowCount(); ++row)
        QCOMPARE(model.record(row)->provider, std::string("local"));
    QTRY_COMPARE(model.totalCount().value_or(-1), qint64{kRows / 3});
}

void TestHistoryPage::csvQuoting() {
    QCOMPARE(history_csv::field("plain"), QByteArray("plain"));
    QCOMPARE(history_csv::field("a,b"), QByteArray("\"a,b\""));
    QCOMPARE(history_csv::field("say \"x\""), QByteArray("\"say \"\"x\"\"\""));
    QCOMPARE(history_csv::field("two\nlines"), QByteArray("\"two\nlines\""));
    QCOMPARE(history_csv::field(""), QByteArray(""));
}

void TestHistoryPage::exportWritesEveryFilteredRow() {
    HistoryPage page([this] { return sb::local_history_source(m_db.toStdString(), nullptr); });
    sb::HistoryFilter filter;
    filter.provider = "anthropic";
    filter.status = sb::RequestStatus::Error;
    page.setFilter(filter);
    QTRY_VERIFY(page.model()->firstPageLoaded());
    QVERIFY(page.model()->rowCount() < m_anthropicErrors);  // only one page loaded: export reads the rest
    const QString path = m_dir.filePath(QStringLiteral("anthropic-errors.csv"));
    QSignalSpy done(&page, &HistoryPage::exportFinished);
    QVERIFY(page.exportCsv(path));
    QVERIFY(done.wait(20000));
    QCOMPARE(done.at(0).at(2).toString(), QString());
    QCOMPARE(done.at(0).at(1).toLongLong(), qint64{m_anthropicErrors});
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QStringList> records = parseCsv(QString::fromUtf8(file.readAll()));
    QCOMPARE(records.size(), m_anthropicErrors + 1);
    const QStringList header = records.at(0);
    const int provider = header.indexOf(QStringLiteral("provider"));
    const int status = header.indexOf(QStringLiteral("status"));
    const int requestId = header.indexOf(QStringLiteral("request_id"));
    QVERIFY(provider >= 0 && status >= 0 && requestId >= 0);
    QSet<QString> ids;
    for (qsizetype i = 1; i < records.size(); ++i) {
        QCOMPARE(records[i].size(), header.size());
        QCOMPARE(records[i][provider], QStringLiteral("anthropic"));
        QCOMPARE(records[i][status], QStringLiteral("error"));
        ids.insert(records[i][requestId]);
    }
    QCOMPARE(ids.size(), m_anthropicErrors);
}

void TestHistoryPage::exportQuotesSpecialCharacters() {
    HistoryPage page([this] { return sb::local_history_source(m_db.toStdString(), nullptr); });
    sb::HistoryFilter filter;
    filter.request_id = "req_" + std::to_string(kSpecialRow);
    page.setFilter(filter);
    const QString path = m_dir.filePath(QStringLiteral("special.csv"));
    QSignalSpy done(&page, &HistoryPage::exportFinished);
    QVERIFY(page.exportCsv(path));
    QVERIFY(done.wait(10000));
    QCOMPARE(done.at(0).at(1).toLongLong(), 1);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    QVERIFY(bytes.contains("\"He said \"\"hi\"\", then\nleft\""));
    const QList<QStringList> records = parseCsv(QString::fromUtf8(bytes));
    QCOMPARE(records.size(), 2);
    const int response = records[0].indexOf(QStringLiteral("response_text"));
    const int prompt = records[0].indexOf(QStringLiteral("prompt_text"));
    QCOMPARE(records[1][response], QString::fromUtf8(kSpecialResponse));
    QCOMPARE(records[1][prompt], QString::fromUtf8(kSpecialPrompt));
}

void TestHistoryPage::detailShowsPrettyJsonAndTimings() {
    HistoryPage page([this] { return sb::local_history_source(m_db.toStdString(), nullptr); });
    sb::HistoryFilter filter;
    filter.provider = "anthropic";  // the special row is 1234 % 3 == 1: anthropic
    page.setFilter(filter);
    QTRY_VERIFY(page.model()->firstPageLoaded());
    page.selectRow(0);
    QVERIFY(page.detailText().contains(QStringLiteral("DNS 1.5, connect 2.5, TLS 3.5, first byte 120.0")));

    filter.request_id = "req_" + std::to_string(kSpecialRow);
    page.setFilter(filter);
    QVERIFY(page.detailText().isEmpty());  // the reset clears the pane
    QTRY_COMPARE(page.model()->rowCount(), 1);
    page.selectRow(0);
    const QString detail = page.detailText();
    QVERIFY2(detail.contains(QStringLiteral("\"messages\": [")), qPrintable(detail));  // indented JSON
    QVERIFY(detail.contains(QStringLiteral("\"role\": \"user\"")));
    QVERIFY(detail.contains(QString::fromUtf8(kSpecialResponse)));
    QVERIFY(detail.contains(QStringLiteral("total 490.7")));  // 456.7 + 1234 % 100
    QVERIFY(detail.contains(QStringLiteral("attempts 1")));
    QVERIFY(detail.contains(QStringLiteral("req_1234")));
}

// Last: it adds rows to the shared file.
void TestHistoryPage::liveTailPicksUpNewRows() {
    HistoryPage page([this] { return sb::local_history_source(m_db.toStdString(), nullptr); });
    HistoryModel* model = page.model();
    model->setTailInterval(std::chrono::milliseconds(50));
    page.setFilter({});
    QTRY_VERIFY(model->firstPageLoaded());
    const sb::HistoryRecord newest = *model->record(0);
    page.setLiveTail(true);
    QTest::qWait(200);
    QCOMPARE(model->rowCount(), model->pageSize());  // nothing new yet, nothing duplicated

    auto writer = sb::HistoryWriter::open(m_db.toStdString());
    QVERIFY(writer.has_value());
    for (int i = 0; i < 3; ++i) {
        sb::HistoryRecord r = makeRecord(kRows + i, m_baseTs);
        r.ts_ms = newest.ts_ms + i * 5;  // the first shares the newest shown timestamp
        r.provider = "tail";
        QCOMPARE((*writer)->enqueue(std::move(r), sb::Overflow::Block), sb::EnqueueResult::Queued);
    }
    QVERIFY((*writer)->flush(std::chrono::seconds(10)).has_value());
    QTRY_COMPARE(model->rowCount(), model->pageSize() + 3);
    QCOMPARE(model->record(0)->request_id, "req_" + std::to_string(kRows + 2));
    QCOMPARE(model->record(2)->request_id, "req_" + std::to_string(kRows));
    QCOMPARE(model->record(3)->id, newest.id);
    QTRY_COMPARE(model->totalCount().value_or(-1), qint64{kRows + 3});

    // Scrolled away from the top: the tail pauses.
    model->setViewAtTop(false);
    sb::HistoryRecord late = makeRecord(kRows + 3, m_baseTs);
    late.ts_ms = newest.ts_ms + 100;
    QCOMPARE((*writer)->enqueue(std::move(late), sb::Overflow::Block), sb::EnqueueResult::Queued);
    QVERIFY((*writer)->flush(std::chrono::seconds(10)).has_value());
    QTest::qWait(300);
    QCOMPARE(model->rowCount(), model->pageSize() + 3);
    model->setViewAtTop(true);
    QTRY_COMPARE(model->rowCount(), model->pageSize() + 4);

    // Rows inserted at the top under the model tester, on a small filtered model.
    HistoryModel tailOnly(sb::local_history_source(m_db.toStdString(), nullptr));
    QAbstractItemModelTester tester(&tailOnly, QAbstractItemModelTester::FailureReportingMode::QtTest);
    sb::HistoryFilter filter;
    filter.provider = "tail";
    tailOnly.setTailInterval(std::chrono::milliseconds(50));
    tailOnly.setLiveTail(true);
    tailOnly.setFilter(filter);
    QTRY_COMPARE(tailOnly.rowCount(), 3);  // req_100003 is not "tail"
    for (int i = 0; i < 2; ++i) {
        sb::HistoryRecord r = makeRecord(kRows + 10 + i, m_baseTs);
        r.ts_ms = newest.ts_ms + 200 + i;
        r.provider = "tail";
        QCOMPARE((*writer)->enqueue(std::move(r), sb::Overflow::Block), sb::EnqueueResult::Queued);
    }
    QVERIFY((*writer)->flush(std::chrono::seconds(10)).has_value());
    QTRY_COMPARE(tailOnly.rowCount(), 5);
    QCOMPARE(tailOnly.record(0)->request_id, "req_" + std::to_string(kRows + 11));
}

QTEST_MAIN(TestHistoryPage)
#include "tst_history_page.moc"
