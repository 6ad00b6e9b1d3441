// Config versions in a real SQLite file: ids in order, newest-N listing oldest first, the
// `since` filter, survival across reopen, and a version-2 file migrated without losing rows.
#include <QTemporaryDir>
#include <QtTest>

#include "store/config_version_store.h"
#include "store/conversation_store.h"
#include "store/database.h"
#include "store/schema.h"

using namespace sb;

namespace {
ConfigVersion version(std::int64_t at_ms, std::string summary) {
    return ConfigVersion{0, at_ms, "console", std::move(summary), R"({"default_tier":"standard"})"};
}
}  // namespace

class TestConfigVersions : public QObject {
    Q_OBJECT

private slots:
    void appendListAndReopen() {
        QTemporaryDir dir;
        const auto file = dir.filePath("versions.db").toStdString();
        {
            auto db = Database::open(file, OpenMode::ReadWrite);
            QVERIFY(db && migrate(*db));
        }
        {
            auto store = ConfigVersionStore::open(file);
            QVERIFY(store.has_value());
            std::int64_t previous = 0;
            for (int i = 0; i < 5; ++i) {
                auto stored = store->append(version(1000 + i, "change " + std::to_string(i)));
                QVERIFY(stored.has_value());
                QVERIFY(stored->id > previous);
                previous = stored->id;
            }
            const auto last3 = store->list(3);
            QVERIFY(last3.has_value());
            QCOMPARE(last3->size(), std::size_t(3));
            QCOMPARE(last3->front().summary, std::string("change 2"));  // oldest first
            QCOMPARE(last3->back().summary, std::string("change 4"));
            const auto since = store->list(10, 1003);
            QCOMPARE(since->size(), std::size_t(2));
        }
        auto reopened = ConfigVersionStore::open(file);
        const auto all = reopened->list(100);
        QCOMPARE(all->size(), std::size_t(5));
        QCOMPARE(all->front().config_json, std::string(R"({"default_tier":"standard"})"));
        QCOMPARE(all->front().author, std::string("console"));
    }

    void migratesAVersionTwoFileKeepingItsRows() {
        QTemporaryDir dir;
        const auto file = dir.filePath("old.db").toStdString();
        {
            // Roll back to what a version 2 build left behind, with a conversation in it.
            auto conversations = ConversationStore::open(file);
            Conversation kept;
            kept.title = "kept";
            QVERIFY(conversations->save(kept).has_value());
            auto db = Database::open(file, OpenMode::ReadWrite);
            QVERIFY(db.has_value());
            QVERIFY(db->exec("DROP TABLE gateway_keys; DROP TABLE config_versions; PRAGMA user_version = 2",
                             "roll back to v2"));
        }
        auto store = ConfigVersionStore::open(file);  // opening read-write migrates
        QVERIFY(store.has_value());
        QVERIFY(store->append(version(5, "first")).has_value());
        auto db = Database::open(file, OpenMode::ReadWrite);
        QCOMPARE(db->user_version().value(), kSchemaVersion);
        auto conversations = ConversationStore::open(file);
        const auto list = conversations->list();
        QVERIFY(list.has_value());
        QCOMPARE(list->size(), std::size_t(1));
        QCOMPARE(list->front().title, std::string("kept"));
    }
};

QTEST_APPLESS_MAIN(TestConfigVersions)
#include "tst_config_versions.moc"
