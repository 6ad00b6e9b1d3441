// The gateway's reading of a client's chat.completions body: the common shape is read without
// a JSON tree (providers/openai_request_reader), everything else through the tree. Whatever a
// body holds, both readings must give the same request or the same refusal.
#include <QTest>
#include <random>
#include <string>
#include <vector>

#include "../providers/wire_samples.h"
#include "../support/same_chat_request.h"
#include "gateway/client_request.h"

namespace {

// Empty when both readings agree; else what differs.
QString disagreement(const std::string& body) {
    const auto fast = sb::read_client_request(body, sb::ClientRequestReading::Fastest);
    const auto tree = sb::read_client_request(body, sb::ClientRequestReading::TreeOnly);
    if (fast.has_value() != tree.has_value())
        return QString("fast %1, tree %2").arg(fast ? "accepts" : "refuses", tree ? "accepts" : "refuses");
    if (!tree) {
        if (fast.error().message != tree.error().message || fast.error().status != tree.error().status)
            return QString("refusals differ: '%1' vs '%2'")
                .arg(QString::fromStdString(fast.error().message), QString::fromStdString(tree.error().message));
        return {};
    }
    if (const char* field = sb::test::first_difference(fast->request, tree->request)) return field;
    if (fast->include_usage != tree->include_usage) return "include_usage";
    return {};
}

bool read_without_tree(const std::string& body) { return sb::read_plain_openai_request(body).has_value(); }

// Bodies built from pieces that are right, wrong, or odd in every position the reader knows.
class BodyGenerator {
public:
    explicit BodyGenerator(std::uint32_t seed) : m_random(seed) {}

    std::string body() {
        std::string out = either({"", " "}, {"\xEF\xBB\xBF"});
        out += "{";
        std::vector<std::string> fields;
        fields.push_back("\"messages\":" + messages());
        const char* optional[] = {"model", "temperature", "top_p", "max_tokens", "max_completion_tokens",
                                  "stop", "stream", "stream_options", "n"};
        for (const char* name : optional)
            if (chance(0.35)) fields.push_back("\"" + std::string(name) + "\":" + value_for(name));
        if (chance(0.08)) fields.push_back("\"user\":\"u-1\"");                      // passed through
        if (chance(0.05)) fields.push_back("\"tools\":[{\"type\":\"function\"}]");  // passed through
        if (chance(0.05)) fields.push_back(fields[std::size_t(below(int(fields.size())))]);  // a key twice
        std::shuffle(fields.begin(), fields.end(), m_random);
        for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + fields[i];
        out += "}";
        out += either({"", "\n"}, {" x", ","});
        return out;
    }

private:
    bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(m_random) < p; }
    int below(int n) { return std::uniform_int_distribution<int>(0, n - 1)(m_random); }
    std::string pick(std::initializer_list<const char*> options) {
        return *(options.begin() + below(int(options.size())));
    }
    // Mostly a usual value; now and then one the tree's reading refuses.
    std::string either(std::initializer_list<const char*> usual, std::initializer_list<const char*> odd) {
        return chance(0.06) ? pick(odd) : pick(usual);
    }

    std::string value_for(const std::string& name) {
        if (name == "model") return either({"\"gpt-4o-mini\"", "\"auto\"", "null", "\"\""}, {"5", "[]"});
        if (name == "temperature" || name == "top_p")
            return either({"0.7", "1", "-0", "-0.0", "0", "null", "18446744073709551616",
                           "0.1000000000000000055511151231257827", "2.5e-3", "1e-400"},
                          {"1e400", "\"0.5\"", "true", "{}"});
        if (name == "max_tokens" || name == "max_completion_tokens")
            return either({"100", "0", "-5", "100.7", "null", "1e2", "2147483647"},
                          {"3000000000", "\"5\"", "2147483648", "[]"});
        if (name == "stop")
            return either({"\"\\n\"", "[\"a\",5,\"b\",{}]", "{}", "5", "null", "true", "[]", "[\"x\",[\"y\"]]"}, {"[1"});
        if (name == "stream") return either({"true", "false", "null"}, {"\"yes\"", "1", "{}"});
        if (name == "stream_options")
            return either({"{\"include_usage\":true}", "{\"include_usage\":\"yes\"}", "{}", "null",
                           "{\"x\":[1,{\"y\":2}],\"include_usage\":false}", "{\"include_usage\":{}}"},
                          {"[]", "true", "{\"include_usage\":true,\"include_usage\":false}"});
        return either({"1", "null"}, {"2", "1.0", "\"1\"", "-0", "true"});  // n
    }

    std::string messages() {
        switch (below(12)) {
        case 0: return either({"[]", "null"}, {"{}", "\"hi\"", "[\"hi\"]", "[[]]"});
        default: break;
        }
        std::string out = "[";
        const int count = 1 + below(3);
        for (int i = 0; i < count; ++i) out += (i ? "," : "") + message();
        return out + "]";
    }

    std::string message() {
        std::vector<std::string> fields;
        fields.push_back("\"role\":" + either({"\"user\"", "\"system\"", "\"developer\"", "\"assistant\"", "\"tool\""},
                                                {"\"robot\"", "5", "null", "[\"user\"]"}));
        if (chance(0.9)) fields.push_back("\"content\":" + content());
        if (chance(0.2)) fields.push_back("\"name\":" + either({"\"bob\"", "5", "{}", "null", "\"\\u00e9\""}, {"[1,]"}));
        if (chance(0.2)) fields.push_back("\"tool_calls\":" + tool_calls());
        if (chance(0.15)) fields.push_back("\"tool_call_id\":" + either({"\"call_1\"", "7", "null", "[1]"}, {"{\"a\":1e400}"}));
        if (chance(0.1)) fields.push_back("\"refusal\":" + either({"null", "[[[[[[[[[[1]]]]]]]]]]", "\"no\""},
                                                                    {"{\"a\":[1,2,{\"b\":1e400}]}"}));
        if (chance(0.04)) fields.push_back(fields.front());  // role twice
        std::shuffle(fields.begin(), fields.end(), m_random);
        std::string out = "{";
        for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + fields[i];
        return out + "}";
    }

    std::string content() {
        switch (below(8)) {
        case 0: return either({"null", "\"\""}, {"5", "{}", "true"});
        case 1: case 2: {
            std::string out = "[";
            const int parts = below(3);
            for (int i = 0; i < parts; ++i)
                out += (i ? "," : "") + pick({"{\"type\":\"text\",\"text\":\"a\"}", "{\"text\":\"b\",\"type\":\"text\"}",
                                              "{\"type\":\"text\",\"text\":5}", "{\"type\":\"image_url\"}",
                                              "\"c\"", "{\"type\":\"text\"}", "{\"type\":5,\"text\":\"d\"}",
                                              "{\"type\":\"text\",\"text\":\"e\",\"cache_control\":{}}"});
            return out + "]";
        }
        default:
            return pick({"\"Hello!\"", "\"caf\\u00e9 \\ud83d\\ude00\"", "\"line\\nbreak \\\"quoted\\\"\"",
                         "\"\\ud800\"", "\"tab\\there\"", "\"x\\u0000y\""});
        }
    }

    std::string tool_calls() {
        return pick({"null", "[]", "\"x\"", "{}",
                     "[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]",
                     "[{\"id\":1,\"function\":{\"name\":5,\"arguments\":{\"a\":1}}}]", "[{\"id\":\"c2\"}]",
                     "[{\"function\":null}]", "[{\"function\":[]}]", "[5]"});
    }

    std::mt19937 m_random;
};

}  // namespace

class TestClientRequest : public QObject {
    Q_OBJECT
private slots:
    void commonBodiesAreReadWithoutATree_data() {
        QTest::addColumn<QByteArray>("body");
        const auto sample = testing::sample_json("openai/chat-completion-request.json");
        QTest::newRow("OpenAI's documented request") << QByteArray::fromStdString(sample["body"].dump());
        QTest::newRow("one user turn") << QByteArray(R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]})");
        QTest::newRow("streamed with usage")
            << QByteArray(R"({"messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}})");
        QTest::newRow("text parts")
            << QByteArray(R"({"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]})");
        QTest::newRow("tool turns")
            << QByteArray(R"({"messages":[{"role":"user","content":"weather?"},)"
                          "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"get\",\"arguments\":\"{\\\"city\\\":\\\"SF\\\"}\"}}]},"
                          R"({"role":"tool","tool_call_id":"c1","content":"18C"}],"n":1})");
        QTest::newRow("stop, limits, nulls")
            << QByteArray(R"({"model":null,"messages":[{"role":"developer","content":"be brief","name":"ops","refusal":null}],)"
                          "\"temperature\":-0.0,\"top_p\":1,\"max_tokens\":50,\"max_completion_tokens\":null,\"stop\":[\"\\n\",5,\"END\"],\"stream\":null}");
    }
    void commonBodiesAreReadWithoutATree() {
        QFETCH(QByteArray, body);
        const std::string text = body.toStdString();
        QVERIFY2(read_without_tree(text), body.constData());
        const QString differs = disagreement(text);
        QVERIFY2(differs.isEmpty(), qPrintable(differs));
    }

    // Each of these needs the tree: a field passed through as it came, a key given twice (the
    // tree keeps the last), or a refusal whose message the tree's reading gives.
    void othersGoThroughTheTree_data() {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("refusal");  // empty: accepted
        QTest::newRow("a field passed through")
            << QByteArray(R"({"messages":[{"role":"user","content":"hi"}],"user":"u-1"})") << "";
        QTest::newRow("model twice")
            << QByteArray(R"({"model":"a","messages":[{"role":"user","content":"hi"}],"model":"b"})") << "";
        QTest::newRow("byte order mark") << QByteArray("\xEF\xBB\xBF{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                                         << "";
        QTest::newRow("unknown role") << QByteArray(R"({"messages":[{"role":"robot","content":"hi"}]})")
                                      << "messages[0].role: unknown role \"robot\"";
        QTest::newRow("no messages") << QByteArray(R"({"messages":[]})") << "messages: must be a non-empty array";
        QTest::newRow("no choices") << QByteArray(R"({"messages":[{"role":"user","content":"hi"}],"n":0})")
                                    << "n: must be an integer from 1 to 128";
        QTest::newRow("stream as text") << QByteArray(R"({"messages":[{"role":"user","content":"hi"}],"stream":"yes"})")
                                        << "stream: must be a boolean";
        QTest::newRow("an image part without its url")
            << QByteArray(R"({"messages":[{"role":"user","content":[{"type":"image_url"}]}]})")
            << "messages[0].content[0].image_url.url: must be an http(s) URL or a base64 data: URL";
        QTest::newRow("a number out of range")
            << QByteArray(R"({"messages":[{"role":"user","content":"hi","x":1e400}]})") << "the body is not valid JSON (UTF-8)";
        QTest::newRow("max_tokens beyond int")
            << QByteArray(R"({"messages":[{"role":"user","content":"hi"}],"max_tokens":3000000000})")
            << "max_tokens: must be from 1 to 2147483647";
        QTest::newRow("not JSON") << QByteArray(R"({"messages":[)") << "the body is not valid JSON (UTF-8)";
        QTest::newRow("deep nesting in an ignored field")
            << (QByteArray(R"({"messages":[{"role":"user","content":"hi","x":)") + QByteArray(100, '[') +
                QByteArray(100, ']') + "}]}")
            << "";
    }
    void othersGoThroughTheTree() {
        QFETCH(QByteArray, body);
        QFETCH(QString, refusal);
        const std::string text = body.toStdString();
        QVERIFY2(!read_without_tree(text), body.constData());
        const auto read = sb::read_client_request(text);
        if (refusal.isEmpty()) {
            QVERIFY2(read.has_value(), read ? "" : read.error().message.c_str());
        } else {
            QVERIFY(!read.has_value());
            QCOMPARE(QString::fromStdString(read.error().message), refusal);
            QCOMPARE(read.error().status, 400);
        }
        const QString differs = disagreement(text);
        QVERIFY2(differs.isEmpty(), qPrintable(differs));
    }

    // Both readings on 30,000 generated bodies; both paths must be taken often, or the
    // comparison proves little.
    void generatedBodiesReadAlike() {
        BodyGenerator generator(20261130);
        int fast = 0, accepted = 0, refused = 0;
        for (int i = 0; i < 30'000; ++i) {
            const std::string body = generator.body();
            const QString differs = disagreement(body);
            if (!differs.isEmpty()) QFAIL(qPrintable(differs + " for body: " + QString::fromStdString(body)));
            fast += read_without_tree(body) ? 1 : 0;
            (sb::read_client_request(body) ? accepted : refused) += 1;
        }
        qInfo("read without a tree %d, accepted %d, refused %d", fast, accepted, refused);
        QVERIFY(fast > 3'000);
        QVERIFY(accepted - fast > 300);  // accepted through the tree
        QVERIFY(refused > 3'000);
    }
};

QTEST_APPLESS_MAIN(TestClientRequest)
#include "tst_client_request.moc"
