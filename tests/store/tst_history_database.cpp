// Database, schema migrations and the errors a bad path or a bad file gives.
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

#include "store/batch_store.h"
#include "store/database.h"
#include "store/schema.h"

using namespace sb;

namespace {

std::filesystem::path in(const QTemporaryDir& dir, const char* name) {
    return std::filesystem::path(dir.path().toStdString()) / name;
}

std::int64_t scalar(Database& db, const char* sql) {
    auto value = db.query_int64(sql, "test query");
    if (!value)
        qFatal("%s", value.error().message.c_str());
    return *value;
}

}  // namespace

class TestHistoryDatabase : public QObject {
    Q_OBJECT

private slots:
    void migratesAnEmptyFileInNewDirectories() {
        QTemporaryDir dir;
        const auto file = in(dir, "a/b/history.db");
        auto db = Database::open(file);
        QVERIFY2(db.has_value(), db ? "" : db.error().message.c_str());
        QCOMPARE(db->user_version().value(), kSchemaVersion);
        QCOMPARE(scalar(*db,
                        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                        "('requests', 'rollup_minute', 'batches', 'batch_results')"),
                 4);
        auto mode = db->prepare("PRAGMA journal_mode", "test");
        QVERIFY(mode && mode->step("test").value());
        QCOMPARE(mode->text(0), std::string("wal"));
        QCOMPARE(scalar(*db, "PRAGMA synchronous"), 1);  // NORMAL
        QCOMPARE(scalar(*db, "PRAGMA foreign_keys"), 1);
        QCOMPARE(db->integrity_check().value(), std::string("ok"));
    }

    void reopenIsIdempotentAndKeepsData() {
        QTemporaryDir dir;
        const auto file = in(dir, "history.db");
        {
            auto batches = BatchStore::open(file);
            QVERIFY(batches);
            QVERIFY(batches->create_or_get_batch({"b1", "/in.jsonl", "abc", 3, 1000, std::nullopt}));
        }
        std::int64_t objects = 0;
        for (int round = 0; round < 3; ++round) {
            auto db = Database::open(file);
            QVERIFY2(db.has_value(), db ? "" : db.error().message.c_str());
            QCOMPARE(db->user_version().value(), kSchemaVersion);
            const std::int64_t now = scalar(*db, "SELECT count(*) FROM sqlite_master");
            if (round > 0)
                QCOMPARE(now, objects);
            objects = now;
            QCOMPARE(scalar(*db, "SELECT count(*) FROM batches WHERE batch_id = 'b1'"), 1);
        }
        auto read_only = Database::open(file, OpenMode::ReadOnly);
        QVERIFY2(read_only.has_value(), read_only ? "" : read_only.error().message.c_str());
    }

    void refusesAFileFromANewerBuild() {
        QTemporaryDir dir;
        const auto file = in(dir, "history.db");
        {
            auto db = Database::open(file);
            QVERIFY(db);
            QVERIFY(db->exec("PRAGMA user_version = 99", "test"));
        }
        for (OpenMode mode : {OpenMode::ReadWrite, OpenMode::ReadOnly}) {
            auto db = Database::open(file, mode);
            QVERIFY(!db);
            const std::string& message = db.error().message;
            QVERIFY2(message.find("schema version 99") != std::string::npos, message.c_str());
            QVERIFY2(message.find(file.string()) != std::string::npos, message.c_str());
        }
        // Refused untouched: the version is still the newer one.
        auto raw = Database::open(file, OpenMode::ReadOnly);
        QVERIFY(!raw);
    }

    void readOnlyRefusesAnUnmigratedFile() {
        QTemporaryDir dir;
        const auto file = in(dir, "empty.db");
        { std::ofstream touch(file); }
        auto db = Database::open(file, OpenMode::ReadOnly);
        QVERIFY(!db);
        QVERIFY2(db.error().message.find("read-write once to migrate") != std::string::npos,
                 db.error().message.c_str());
    }

    void unwritablePathNamesThePath() {
        QTemporaryDir dir;
        // Tests run as root, so permissions would not stop us: a regular FILE stands where a
        // directory is needed.
        const auto blocker = in(dir, "blocker");
        { std::ofstream(blocker) << "not a directory"; }
        const auto file = blocker / "sub" / "history.db";
        auto db = Database::open(file);
        QVERIFY(!db);
        const std::string& message = db.error().message;
        QVERIFY2(message.find(file.string()) != std::string::npos, message.c_str());
        QVERIFY2(message.find("cannot create directory") != std::string::npos, message.c_str());
    }

    void aDirectoryWhereTheFileShouldBe() {
        QTemporaryDir dir;
        const auto file = in(dir, "history.db");
        std::filesystem::create_directories(file);
        auto db = Database::open(file);
        QVERIFY(!db);
        QVERIFY2(db.error().message.find(file.string()) != std::string::npos, db.error().message.c_str());
        QVERIFY2(db.error().message.find("open failed") != std::string::npos, db.error().message.c_str());
    }

    void garbageFileIsAClearError() {
        QTemporaryDir dir;
        const auto file = in(dir, "history.db");
        {
            std::ofstream out(file, std::ios::binary);
            for (int i = 0; i < 4096; ++i)
                out << "garbage!";
        }
        auto db = Database::open(file);
        QVERIFY(!db);
        const std::string& message = db.error().message;
        QVERIFY2(message.find(file.string()) != std::string::npos, message.c_str());
        QVERIFY2(message.find("not a database") != std::string::npos, message.c_str());
        // Nothing was overwritten.
        QCOMPARE(std::filesystem::file_size(file), std::uintmax_t{4096 * 8});
    }

    void statementStepsAndReportsErrors() {
        QTemporaryDir dir;
        auto db = Database::open(in(dir, "history.db"));
        QVERIFY(db);
        auto bad = db->prepare("SELECT * FROM no_such_table", "prepare probe");
        QVERIFY(!bad);
        QVERIFY2(bad.error().message.find("prepare probe failed") != std::string::npos, bad.error().message.c_str());
        QVERIFY2(bad.error().message.find("no_such_table") != std::string::npos, bad.error().message.c_str());

        auto stmt = db->prepare("SELECT ?1 + 1, ?2, ?3", "prepare probe");
        QVERIFY(stmt);
        stmt->bind(1, std::int64_t{41});
        stmt->bind(2, std::string_view("text"));
        stmt->bind_text_or_null(3, "");
        QVERIFY(stmt->step("probe").value());
        QCOMPARE(stmt->int64(0), 42);
        QCOMPARE(stmt->text(1), std::string("text"));
        QVERIFY(stmt->is_null(2));
        QVERIFY(!stmt->step("probe").value());
    }
};

QTEST_GUILESS_MAIN(TestHistoryDatabase)
#include "tst_history_database.moc"
