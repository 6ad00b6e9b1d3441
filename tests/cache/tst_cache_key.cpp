// The cache key ignores what does not change the answer and changes with everything that
// does; only the last N turns count.
#include <QtTest>

#include "cache/cache_key.h"

using namespace sb;

namespace {

ChatRequest base() {
    ChatRequest r;
    r.model = "gpt-4o-mini";
    r.messages = {{Role::System, "You are the shop's assistant."},
                  {Role::User, "Hi, I ordered a lamp."},
                  {Role::Assistant, "Thanks! How can I help?"},
                  {Role::User, "What is the price of the desk lamp?"}};
    r.temperature = 0.2;
    r.max_tokens = 200;
    return r;
}

std::string key(const ChatRequest& r, int turns = kDefaultCacheTurns) { return cache_key(r, "gpt-4o-mini", turns); }

}  // namespace

class TestCacheKey : public QObject {
    Q_OBJECT

private slots:
    void isAStableSha256() {
        const auto k = key(base());
        QCOMPARE(k.size(), std::size_t(4 + 64));
        QVERIFY(k.starts_with("sb1:"));
        QCOMPARE(key(base()), k);
    }

    void ignoresWhatDoesNotChangeTheAnswer() {
        const auto k = key(base());
        auto r = base();
        r.id = "req-123";
        r.source = "gateway";
        r.stream = true;
        r.conversation_id = "c-9";
        r.provider = "openai";  // the target string carries what matters
        r.extra_headers = {{"x-sim-fault", "ok"}};
        r.deadline = std::chrono::milliseconds(5000);
        r.extra["user"] = "customer-42";
        r.extra["stream_options"] = nlohmann::json{{"include_usage", true}};
        QCOMPARE(key(r), k);
    }

    void changesWithWhatChangesTheAnswer_data() {
        QTest::addColumn<int>("change");
        for (int i = 0; i < 15; ++i) QTest::newRow(qPrintable(QString::number(i))) << i;
    }
    void changesWithWhatChangesTheAnswer() {
        QFETCH(int, change);
        auto r = base();
        std::string target = "gpt-4o-mini";
        switch (change) {
        case 0: target = "gpt-4o"; break;
        case 1: r.temperature = 0.9; break;
        case 2: r.max_tokens = 50; break;
        case 3: r.top_p = 0.5; break;
        case 4: r.stop = {"END"}; break;
        case 5: r.tools = nlohmann::json::array({{{"type", "function"}, {"function", {{"name", "price"}}}}}); break;
        case 6: r.response_format = {{"type", "json_object"}}; break;
        case 7: r.messages[0].content = "You are a pirate."; break;
        case 8: r.messages[3].content = "What is the price of the floor lamp?"; break;
        case 9: r.messages[2].content = "Hello! What do you need?"; break;
        case 10: r.messages[3].role = Role::Assistant; break;
        case 11: r.extra["seed"] = 7; break;
        case 12: r.n = 2; break;
        case 13: r.tool_choice = "required"; break;
        case 14: {  // the same words with a photo: another question
            ContentPart text;
            text.text = r.messages[3].content;
            ContentPart photo;
            photo.kind = ContentPart::Kind::Image;
            photo.media_type = "image/png";
            photo.data_base64 = "iVBORw0KGgo=";
            r.messages[3].parts = {text, photo};
            break;
        }
        }
        QVERIFY(cache_key(r, target) != key(base()));
    }

    void aPartCountsByItsBytes() {
        auto with_photo = [](std::string base64) {
            auto r = base();
            ContentPart text;
            text.text = r.messages[3].content;
            ContentPart photo;
            photo.kind = ContentPart::Kind::Image;
            photo.media_type = "image/jpeg";
            photo.data_base64 = std::move(base64);
            r.messages[3].parts = {text, photo};
            return r;
        };
        QCOMPARE(cache_key(with_photo("/9j/4AAQSkZJRg=="), "gpt-4o"), cache_key(with_photo("/9j/4AAQSkZJRg=="), "gpt-4o"));
        QVERIFY(cache_key(with_photo("/9j/4AAQSkZJRg=="), "gpt-4o") != cache_key(with_photo("/9j/4AAQSkZJRw=="), "gpt-4o"));
        // The key holds a digest of the bytes, not the bytes.
        QVERIFY(cache_key_material(with_photo(std::string(4000, 'Q')), "gpt-4o", 3).size() < 2000);
    }

    void onlyTheLastTurnsCount() {
        auto r = base();
        r.messages[1].content = "Hello, I bought a desk lamp last week.";  // the 3rd turn from the end
        QVERIFY(key(r, 3) != key(base(), 3));
        QCOMPARE(key(r, 2), key(base(), 2));  // with N = 2 that turn is out of the key
        auto longer = base();
        longer.messages.insert(longer.messages.begin() + 1, {Role::User, "An earlier question"});
        QCOMPARE(key(longer, 3), key(base(), 3));
    }

    void materialIsReadable() {
        const auto material = cache_key_material(base(), "standard", 3);
        QVERIFY(material.find("\"target\":\"standard\"") != std::string::npos);
        QVERIFY(material.find("What is the price of the desk lamp?") != std::string::npos);
    }
};

QTEST_APPLESS_MAIN(TestCacheKey)
#include "tst_cache_key.moc"
