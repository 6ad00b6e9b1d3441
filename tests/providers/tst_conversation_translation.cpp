#include <QTest>

#include "providers/anthropic_translation.h"
#include "model/json_string.h"
#include "providers/openai_response_reader.h"
#include "providers/openai_response_writer.h"
#include "providers/openai_translation.h"

namespace {

// system, user, assistant, user, assistant calling a tool, the tool's result, assistant.
nlohmann::json openai_conversation() {
    nlohmann::json call = {{"id", "call_abc"},
                           {"type", "function"},
                           {"function", {{"name", "get_weather"}, {"arguments", R"({"city":"SF"})"}}}};
    return {{"model", "gpt-4o-mini"},
            {"messages",
             {{{"role", "system"}, {"content", "You are a helpful assistant."}},
              {{"role", "user"}, {"content", "Hello!"}},
              {{"role", "assistant"}, {"content", "Hello! How can I assist you today?"}},
              {{"role", "user"}, {"content", "What's the weather like in SF?"}},
              {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", {call}}},
              {{"role", "tool"}, {"tool_call_id", "call_abc"}, {"content", "20C and sunny"}},
              {{"role", "assistant"}, {"content", "It is 20C and sunny in SF."}}}},
            {"temperature", 0.5},
            {"max_completion_tokens", 300},
            {"stop", {"END"}},
            {"stream", false}};
}

}  // namespace

class TestConversationTranslation : public QObject {
    Q_OBJECT

private slots:
    void openAiToAnthropicAndBackKeepsEveryTurn() {
        auto original = openai_conversation();
        auto request = sb::chat_request_from_openai(original);
        QVERIFY2(request.has_value(), request ? "" : request.error().message.c_str());
        QCOMPARE(request->messages.size(), std::size_t(7));

        auto anthropic = sb::chat_request_to_anthropic(*request, "claude-sonnet-4-5");
        QVERIFY(anthropic["system"] == nlohmann::json("You are a helpful assistant."));
        QCOMPARE(anthropic["messages"].size(), std::size_t(6));  // the system turn moved to the top level

        auto back = sb::chat_request_from_anthropic(anthropic);
        QVERIFY2(back.has_value(), back ? "" : back.error().message.c_str());
        QCOMPARE(back->messages.size(), request->messages.size());
        for (std::size_t i = 0; i < request->messages.size(); ++i) {
            const auto& before = request->messages[i];
            const auto& after = back->messages[i];
            QCOMPARE(after.role, before.role);
            QCOMPARE(after.content, before.content);
            QCOMPARE(after.tool_call_id, before.tool_call_id);
            QCOMPARE(after.tool_calls, before.tool_calls);
        }
        QCOMPARE(back->max_tokens, std::optional(300));
        QCOMPARE(back->temperature, std::optional(0.5));
        QCOMPARE(back->stop, std::vector<std::string>{"END"});

        auto openai_again = sb::chat_request_to_openai(*back, {.model = "gpt-4o-mini"});
        QCOMPARE(nlohmann::json::parse(openai_again).dump(2), original.dump(2));
    }

    void consecutiveTurnsAreMergedWithDocumentedJoin() {
        auto conversation = openai_conversation();
        conversation["messages"] = {{{"role", "user"}, {"content", "part one"}},
                                    {{"role", "user"}, {"content", "part two"}}};
        auto request = sb::chat_request_from_openai(conversation);
        QVERIFY(request.has_value());
        auto back = sb::chat_request_from_anthropic(sb::chat_request_to_anthropic(*request));
        QVERIFY(back.has_value());
        QCOMPARE(back->messages.size(), std::size_t(1));
        QCOMPARE(back->messages[0].content, std::string("part one\n\npart two"));
    }

    void extraFieldsPassThrough() {
        auto conversation = openai_conversation();
        conversation["response_format"] = {{"type", "json_object"}};
        conversation["stream_options"] = {{"include_usage", false}};
        auto request = sb::chat_request_from_openai(conversation);
        QVERIFY(request.has_value());
        QVERIFY(request->extra["response_format"]["type"] == nlohmann::json("json_object"));
        QVERIFY(!request->extra.contains("stream_options"));  // ours to set
        QVERIFY(!request->extra.contains("messages"));
        auto body = nlohmann::json::parse(sb::chat_request_to_openai(*request));
        QVERIFY(body["response_format"]["type"] == nlohmann::json("json_object"));
    }

    void badRequestsNameTheField_data() {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("message");
        QTest::newRow("not an object") << QByteArray("[]") << "body: must be a JSON object";
        QTest::newRow("no messages") << QByteArray(R"({"model":"m"})")
                                     << "messages: must be a non-empty array";
        QTest::newRow("bad role")
            << QByteArray(R"({"messages":[{"role":"user","content":"a"},{"role":"robot","content":"b"}]})")
            << "messages[1].role: unknown role \"robot\"";
        QTest::newRow("image part")
            << QByteArray(
                   R"({"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url"}]}]})")
            << "messages[0].content[1].type: unsupported content part \"image_url\"";
        QTest::newRow("bad content") << QByteArray(R"({"messages":[{"role":"user","content":5}]})")
                                     << "messages[0].content: must be a string or an array";
    }

    void badRequestsNameTheField() {
        QFETCH(QByteArray, body);
        QFETCH(QString, message);
        auto parsed = sb::chat_request_from_openai(nlohmann::json::parse(body.toStdString()));
        QVERIFY(!parsed.has_value());
        QCOMPARE(parsed.error().cls, sb::ErrorClass::BadRequest);
        QCOMPARE(QString::fromStdString(parsed.error().message), message);
    }

    void badAnthropicRequestsNameTheField() {
        auto parsed = sb::chat_request_from_anthropic(
            nlohmann::json::parse(R"({"messages":[{"role":"user","content":[{"type":"image"}]}]})"));
        QVERIFY(!parsed.has_value());
        QCOMPARE(parsed.error().message,
                 std::string("messages[0].content[0].type: unsupported content block \"image\""));
        auto role = sb::chat_request_from_anthropic(
            nlohmann::json::parse(R"({"messages":[{"role":"system","content":"x"}]})"));
        QVERIFY(!role.has_value());
        QVERIFY(role.error().message.starts_with("messages[0].role:"));
    }

    void responseToOpenAI() {
        sb::ChatResponse response;
        response.id = "msg_1";
        response.model = "claude-sonnet-4-5";
        response.content = "Hi there";
        response.finish_reason = "stop";
        response.usage = {12, 3, 4, 1};
        const auto text = sb::chat_response_to_openai(response, 1741570283);
        auto json = nlohmann::json::parse(text);
        QVERIFY(json["object"] == nlohmann::json("chat.completion"));
        QVERIFY(json["created"] == nlohmann::json(1741570283));
        QVERIFY(json["choices"][0]["message"]["content"] == nlohmann::json("Hi there"));
        QVERIFY(json["choices"][0]["finish_reason"] == nlohmann::json("stop"));
        QVERIFY(json["usage"]["total_tokens"] == nlohmann::json(15));
        QVERIFY(json["usage"]["prompt_tokens_details"]["cached_tokens"] == nlohmann::json(4));
        // And our own reader takes it back unchanged.
        auto back = sb::chat_response_from_openai(text);
        QVERIFY(back.has_value());
        QCOMPARE(back->content, response.content);
        QCOMPARE(back->usage, response.usage);
        QCOMPARE(back->finish_reason, response.finish_reason);

        response.content.clear();
        response.tool_calls = {{"call_1", "f", "{}"}};
        response.finish_reason = "tool_calls";
        auto with_tools = nlohmann::json::parse(sb::chat_response_to_openai(response, 0));
        QVERIFY(with_tools["choices"][0]["message"]["content"].is_null());
        QVERIFY(with_tools["choices"][0]["message"]["tool_calls"][0]["function"]["name"] ==
                nlohmann::json("f"));
    }

    // The answer is written without a JSON tree: its strings must come out as nlohmann's
    // dump() writes them, and any text must give valid JSON that reads back to it.
    void writtenStringsMatchJsonDump() {
        std::string every_ascii;
        for (int c = 0; c < 0x80; ++c) every_ascii.push_back(static_cast<char>(c));
        for (const std::string& text : {std::string(), every_ascii, std::string("caf\xC3\xA9 \xF0\x9F\x98\x80"),
                                       std::string("\"quoted\" \\ back\\slash\n")}) {
            std::string written;
            sb::append_json_string(written, text);
            QCOMPARE(written, nlohmann::json(text).dump());
        }
        // An ill-formed byte becomes U+FFFD rather than breaking the body.
        std::string written;
        sb::append_json_string(written, "a\xFF" "b");
        QCOMPARE(nlohmann::json::parse(written).get<std::string>(), std::string("a\xEF\xBF\xBD" "b"));

        sb::ChatResponse response;
        response.id = "id\"1";
        response.model = "m\n";
        response.content = every_ascii;
        response.tool_calls = {{"call\t1", "f\\", "{\"a\":\"\\n\"}"}};
        response.finish_reason = "tool_calls";
        const auto body = nlohmann::json::parse(sb::chat_response_to_openai(response, 7));
        QCOMPARE(body["id"].get<std::string>(), response.id);
        QCOMPARE(body["model"].get<std::string>(), response.model);
        QCOMPARE(body["choices"][0]["message"]["content"].get<std::string>(), every_ascii);
        QCOMPARE(body["choices"][0]["message"]["tool_calls"][0]["id"].get<std::string>(), std::string("call\t1"));
        QCOMPARE(body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"].get<std::string>(),
                 std::string("{\"a\":\"\\n\"}"));
        QVERIFY(body["choices"][0]["logprobs"].is_null());
        response.finish_reason.clear();
        QVERIFY(nlohmann::json::parse(sb::chat_response_to_openai(response, 7))["choices"][0]["finish_reason"].is_null());
    }
};

QTEST_GUILESS_MAIN(TestConversationTranslation)
#include "tst_conversation_translation.moc"
