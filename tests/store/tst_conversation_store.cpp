// ConversationStore: round trip, update, list order, remove, reopen, bad paths, and the
// migration of a version 1 file.
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <thread>

#include "store/conversation_store.h"
#include "store/database.h"
#include "store/schema.h"

using namespace sb;

namespace {

std::filesystem::path in(const QTemporaryDir& dir, const char* name) {
    return std::filesystem::path(dir.path().toStdString()) / name;
}

Conversation sample() {
    Conversation c;
    c.title = "Lamp prices";
    c.system_prompt = "You are terse.";
    c.turns = {{Role::User, "What is the price of the desk lamp?"},
               {Role::Assistant, "It costs $25."},
               {Role::User, "And with \"quotes\" and\nnew lines?"}};
    c.provider = "anthropic";
    c.model = "claude-haiku-4-5";
    c.temperature = 0.25;
    c.max_tokens = 512;
    c.stream = false;
    return c;
}

ConversationStore open_store(const std::filesystem::path& file) {
    auto store = ConversationStore::open(file);
    if (!store) qFatal("%s", store.error().message.c_str());
    return std::move(*store);
}

}  // namespace

class TestConversationStore : public QObject {
    Q_OBJECT

private slots:
    void roundTrip() {
        QTemporaryDir dir;
        auto store = open_store(in(dir, "history.db"));
        auto saved = store.save(sample());
        QVERIFY2(saved, saved ? "" : saved.error().message.c_str());
        QVERIFY(saved->id > 0);
        QVERIFY(saved->created_ms > 0);
        QCOMPARE(saved->updated_ms, saved->created_ms);

        auto loaded = store.load(saved->id);
        QVERIFY(loaded && loaded->has_value());
        QVERIFY(**loaded == *saved);
        QCOMPARE((*loaded)->turns.size(), std::size_t(3));
        QCOMPARE((*loaded)->turns[2].text, sample().turns[2].text);
    }

    void automaticTargetAndUnsetParameters() {
        QTemporaryDir dir;
        auto store = open_store(in(dir, "history.db"));
        Conversation c;
        c.title = "auto";
        c.turns = {{Role::User, "hi"}};
        auto saved = store.save(c);
        QVERIFY(saved);
        auto loaded = store.load(saved->id);
        QVERIFY(loaded && loaded->has_value());
        QVERIFY((*loaded)->provider.empty());
        QVERIFY(!(*loaded)->temperature);
        QVERIFY(!(*loaded)->max_tokens);
        QVERIFY((*loaded)->stream);
    }

    void updateKeepsIdAndCreated() {
        QTemporaryDir dir;
        auto store = open_store(in(dir, "history.db"));
        auto first = store.save(sample());
        QVERIFY(first);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        Conversation changed = *first;
        changed.title = "Renamed";
        changed.turns.push_back({Role::Assistant, "Same price."});
        auto second = store.save(changed);
        QVERIFY(second);
        QCOMPARE(second->id, first->id);
        QCOMPARE(second->created_ms, first->created_ms);
        QVERIFY(second->updated_ms > first->updated_ms);
        auto all = store.list();
        QVERIFY(all);
        QCOMPARE(all->size(), std::size_t(1));
        auto loaded = store.load(first->id);
        QVERIFY(loaded && loaded->has_value());
        QCOMPARE((*loaded)->title, std::string("Renamed"));
        QCOMPARE((*loaded)->turns.size(), std::size_t(4));
    }

    void listIsMostRecentlyUpdatedFirst() {
        QTemporaryDir dir;
        auto store = open_store(in(dir, "history.db"));
        std::vector<Conversation> saved;
        for (const char* title : {"a", "b", "c"}) {
            Conversation c = sample();
            c.title = title;
            auto s = store.save(c);
            QVERIFY(s);
            saved.push_back(*s);
            std::this_thread::sleep_for(std::chrono::milliseconds(3));
        }
        QVERIFY(store.save(saved[0]));  // touching "a" moves it to the top
        auto all = store.list();
        QVERIFY(all);
        QCOMPARE(all->size(), std::size_t(3));
        QCOMPARE((*all)[0].title, std::string("a"));
        QCOMPARE((*all)[1].title, std::string("c"));
        QCOMPARE((*all)[2].title, std::string("b"));
        QVERIFY((*all)[0].updated_ms >= (*all)[1].updated_ms);
    }

    void removeDeletesOnlyThatOne() {
        QTemporaryDir dir;
        auto store = open_store(in(dir, "history.db"));
        auto a = store.save(sample());
        auto b = store.save(sample());
        QVERIFY(a && b);
        QCOMPARE(store.remove(a->id).value(), true);
        QCOMPARE(store.remove(a->id).value(), false);
        QVERIFY(!store.load(a->id).value().has_value());
        QVERIFY(store.load(b->id).value().has_value());
        QCOMPARE(store.list().value().size(), std::size_t(1));
    }

    void reopenAfterCloseKeepsData() {
        QTemporaryDir dir;
        const auto file = in(dir, "history.db");
        std::int64_t id = 0;
        {
            auto store = open_store(file);
            auto saved = store.save(sample());
            QVERIFY(saved);
            id = saved->id;
        }
        auto store = open_store(file);
        auto loaded = store.load(id);
        QVERIFY(loaded && loaded->has_value());
        QCOMPARE((*loaded)->system_prompt, sample().system_prompt);
        QVERIFY((*loaded)->turns == sample().turns);
    }

    void migratesAVersionOneFile() {
        QTemporaryDir dir;
        const auto file = in(dir, "history.db");
        {
            auto db = Database::open(file);
            QVERIFY(db);
            // Roll back to what a version 1 build left behind.
            QVERIFY(db->exec("DROP TABLE gateway_keys; DROP TABLE conversations; DROP TABLE config_versions;"
                             " PRAGMA user_version = 1",
                             "test"));
        }
        auto store = open_store(file);
        QVERIFY(store.save(sample()));
        auto db = Database::open(file);
        QVERIFY(db);
        QCOMPARE(db->user_version().value(), kSchemaVersion);
    }

    void badPathNamesTheFile() {
        QTemporaryDir dir;
        const auto blocker = in(dir, "blocker");
        { std::ofstream(blocker) << "not a directory"; }
        const auto file = blocker / "sub" / "history.db";
        auto store = ConversationStore::open(file);
        QVERIFY(!store);
        QVERIFY2(store.error().message.find(file.string()) != std::string::npos, store.error().message.c_str());
    }

    void corruptJsonIsAClearError() {
        QTemporaryDir dir;
        const auto file = in(dir, "history.db");
        auto store = open_store(file);
        auto saved = store.save(sample());
        QVERIFY(saved);
        {
            auto db = Database::open(file);
            QVERIFY(db);
            QVERIFY(db->exec("UPDATE conversations SET conversation_json = 'oops'", "test"));
        }
        auto loaded = store.load(saved->id);
        QVERIFY(!loaded);
        QVERIFY2(loaded.error().message.find(file.string()) != std::string::npos, loaded.error().message.c_str());
        QVERIFY2(loaded.error().message.find("invalid") != std::string::npos, loaded.error().message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestConversationStore)
#include "tst_conversation_store.moc"
