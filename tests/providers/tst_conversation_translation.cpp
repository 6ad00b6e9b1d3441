#include <QTest>

#include "model/json_string.h"
#include "providers/anthropic_translation.h"
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
        conversation["seed"] = 7;
        conversation["stream_options"] = {{"include_usage", false}};
        auto request = sb::chat_request_from_openai(conversation);
        QVERIFY(request.has_value());
        QVERIFY(request->extra["seed"] == nlohmann::json(7));
        QVERIFY(!request->extra.contains("stream_options"));  // ours to set
        QVERIFY(!request->extra.contains("messages"));
        auto body = nlohmann::json::parse(sb::chat_request_to_openai(*request));
        QVERIFY(body["seed"] == nlohmann::json(7));
        // OpenAI's own fields are not sent to Anthropic.
        QVERIFY(!sb::chat_request_to_anthropic(*request, "claude").contains("seed"));
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
        QTest::newRow("unknown part")
            << QByteArray(
                   R"({"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"video_url"}]}]})")
            << "messages[0].content[1].type: unsupported content part \"video_url\"";
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

    void badAnthropicRequestsNameTheField_data() {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("message");
        const auto with = [](const char* messages, const char* more = "") {
            return QByteArray(R"({"model":"m","max_tokens":10,"messages":)") + messages + more + "}";
        };
        const char* hello = R"([{"role":"user","content":"hi"}])";
        QTest::newRow("no max_tokens")
            << QByteArray(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})")
            << "max_tokens: Field required";
        QTest::newRow("max_tokens zero")
            << QByteArray(R"({"max_tokens":0,"messages":[{"role":"user","content":"hi"}]})")
            << "max_tokens: must be from 1 to 2147483647";
        QTest::newRow("system role") << with(R"([{"role":"system","content":"x"}])")
                                     << R"(messages[0].role: must be "user" or "assistant", not "system")";
        QTest::newRow("image without source") << with(R"([{"role":"user","content":[{"type":"image"}]}])")
                                              << "messages[0].content[0].source: Field required";
        QTest::newRow("image from the Files API")
            << with(
                   R"([{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"file_1"}}]}])")
            << R"(messages[0].content[0].source.type: unsupported image source "file")";
        QTest::newRow("unknown block")
            << with(R"([{"role":"user","content":[{"type":"text","text":"a"},{"type":"container_upload"}]}])")
            << R"(messages[0].content[1].type: unsupported content block "container_upload")";
        QTest::newRow("tool_result with a tool_use")
            << with(
                   R"([{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"tool_use"}]}]}])")
            << R"(messages[0].content[0].content[0].type: unsupported tool_result block "tool_use")";
        QTest::newRow("server tool")
            << with(
                   hello,
                   R"(,"tools":[{"name":"f","input_schema":{"type":"object"}},{"type":"web_search_20250305","name":"web_search"}])")
            << R"(tools[1].type: server tool "web_search_20250305" is not supported through the gateway)";
        QTest::newRow("tool without schema")
            << with(hello, R"(,"tools":[{"name":"f"}])") << "tools[0].input_schema: Field required";
        QTest::newRow("tool choice") << with(hello, R"(,"tool_choice":{"type":"maybe"})")
                                     << R"(tool_choice.type: unsupported tool choice "maybe")";
        QTest::newRow("named tool choice")
            << with(hello, R"(,"tool_choice":{"type":"tool"})") << "tool_choice.name: Field required";
        QTest::newRow("output format") << with(hello, R"(,"output_config":{"format":{"type":"json_object"}})")
                                       << R"(output_config.format.type: unsupported format "json_object")";
        QTest::newRow("stream") << with(hello, R"(,"stream":"yes")") << "stream: must be a boolean";
        QTest::newRow("system") << with(hello, R"(,"system":5)")
                                << "system: must be a string or an array of text blocks";
    }

    void badAnthropicRequestsNameTheField() {
        QFETCH(QByteArray, body);
        QFETCH(QString, message);
        auto parsed = sb::chat_request_from_anthropic(nlohmann::json::parse(body.toStdString()));
        QVERIFY(!parsed.has_value());
        QCOMPARE(parsed.error().cls, sb::ErrorClass::BadRequest);
        QCOMPARE(QString::fromStdString(parsed.error().message), message);
    }

    // In the bodies below JSON's "\/" is "/": moc misreads "//" inside a raw string literal.
    void anthropicIngressReadsMediaToolsAndFormat() {
        const auto body = nlohmann::json::parse(R"({"model":"claude-x","max_tokens":100,"stream":true,
            "system":[{"type":"text","text":"Be brief."}],
            "metadata":{"user_id":"u1"},
            "messages":[
              {"role":"user","content":[
                {"type":"text","text":"What is in these?"},
                {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
                {"type":"document","source":{"type":"text","media_type":"text/plain","data":"plain notes"},"title":"notes.txt"},
                {"type":"document","source":{"type":"url","url":"https:\/\/example.com/a.pdf"}},
                {"type":"text","text":"Be exact."}]},
              {"role":"assistant","content":[{"type":"text","text":"Let me look."},
                {"type":"tool_use","id":"toolu_1","name":"lookup","input":{"q":"x"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","is_error":true,
                "content":[{"type":"text","text":"not found"}]}]}],
            "tools":[{"name":"lookup","description":"Looks up","input_schema":{"type":"object"}}],
            "tool_choice":{"type":"tool","name":"lookup","disable_parallel_tool_use":true},
            "output_config":{"effort":"low","format":{"type":"json_schema","schema":{"type":"object"}}}})");
        auto request = sb::chat_request_from_anthropic(body);
        QVERIFY2(request.has_value(), request ? "" : request.error().message.c_str());
        QCOMPARE(request->wire, sb::WireApi::AnthropicMessages);
        QCOMPARE(request->max_tokens, std::optional(100));
        QVERIFY(request->stream);
        QCOMPARE(request->messages.size(), std::size_t(4));
        QCOMPARE(request->messages[0].content, std::string("Be brief."));

        const auto& user = request->messages[1];
        QCOMPARE(user.content, std::string("What is in these?\n\nBe exact."));
        QCOMPARE(user.parts.size(), std::size_t(5));
        QCOMPARE(user.parts[1].kind, sb::ContentPart::Kind::Image);
        QCOMPARE(user.parts[1].media_type, std::string("image/png"));
        QCOMPARE(user.parts[1].data_base64, std::string("iVBORw0KGgo="));
        QCOMPARE(user.parts[2].kind, sb::ContentPart::Kind::File);
        QCOMPARE(user.parts[2].media_type, std::string("text/plain"));
        QCOMPARE(user.parts[2].data_base64, std::string("cGxhaW4gbm90ZXM="));  // "plain notes"
        QCOMPARE(user.parts[2].filename, std::string("notes.txt"));
        QCOMPARE(user.parts[3].url, std::string("https://example.com/a.pdf"));
        QCOMPARE(user.parts[3].media_type, std::string("application/pdf"));
        QCOMPARE(user.parts[4].text, std::string("Be exact."));

        QCOMPARE(request->messages[2].content, std::string("Let me look."));
        QCOMPARE(request->messages[2].tool_calls,
                 (std::vector<sb::ToolCall>{{"toolu_1", "lookup", R"({"q":"x"})"}}));
        QCOMPARE(request->messages[3].role, sb::Role::Tool);
        QCOMPARE(request->messages[3].tool_call_id, std::string("toolu_1"));
        QCOMPARE(request->messages[3].content,
                 std::string("Error: not found"));  // is_error, said in the text

        QCOMPARE(request->tools.dump(), nlohmann::json::parse(R"([{"type":"function","function":
            {"name":"lookup","description":"Looks up","parameters":{"type":"object"}}}])")
                                            .dump());
        QCOMPARE(request->tool_choice.dump(),
                 std::string(R"({"function":{"name":"lookup"},"type":"function"})"));
        QCOMPARE(request->parallel_tool_calls, std::optional(false));
        QCOMPARE(request->response_format.dump(),
                 std::string(
                     R"({"json_schema":{"name":"output","schema":{"type":"object"}},"type":"json_schema"})"));
        QCOMPARE(request->extra.dump(),
                 std::string(R"({"metadata":{"user_id":"u1"},"output_config":{"effort":"low"}})"));
        QCOMPARE(sb::anthropic_unsupported(*request), std::optional<std::string>());
    }

    void anthropicIngressRoundTripsToAnthropic() {
        const auto body = nlohmann::json::parse(R"({"model":"claude-x","max_tokens":100,"stream":true,
            "system":"Be brief.","metadata":{"user_id":"u1"},"top_k":5,"temperature":0.5,"stop_sequences":["END"],
            "messages":[
              {"role":"user","content":[
                {"type":"text","text":"What is in these?"},
                {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
                {"type":"image","source":{"type":"url","url":"https:\/\/example.com/a.jpg"}},
                {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="},"title":"r.pdf"},
                {"type":"document","source":{"type":"text","media_type":"text/plain","data":"plain notes"},"title":"notes.txt"},
                {"type":"document","source":{"type":"url","url":"https:\/\/example.com/a.pdf"}}]},
              {"role":"assistant","content":[{"type":"text","text":"Let me look."},
                {"type":"tool_use","id":"toolu_1","name":"lookup","input":{"q":"x"}},
                {"type":"tool_use","id":"toolu_2","name":"lookup","input":{"q":"y"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"found"},
                {"type":"tool_result","tool_use_id":"toolu_2","content":[{"type":"text","text":"a chart"},
                  {"type":"image","source":{"type":"base64","media_type":"image/gif","data":"R0lGOA=="}}]}]}],
            "tools":[{"name":"lookup","description":"Looks up","input_schema":{"type":"object","properties":{"q":{"type":"string"}}},"strict":true}],
            "tool_choice":{"type":"any","disable_parallel_tool_use":true},
            "output_config":{"effort":"low","format":{"type":"json_schema","schema":{"type":"object"}}}})");
        auto request = sb::chat_request_from_anthropic(body);
        QVERIFY2(request.has_value(), request ? "" : request.error().message.c_str());
        QCOMPARE(sb::anthropic_unsupported(*request), std::optional<std::string>());
        QCOMPARE(sb::chat_request_to_anthropic(*request).dump(2), body.dump(2));
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
        for (const std::string& text :
             {std::string(), every_ascii, std::string("caf\xC3\xA9 \xF0\x9F\x98\x80"),
              std::string("\"quoted\" \\ back\\slash\n")}) {
            std::string written;
            sb::append_json_string(written, text);
            QCOMPARE(written, nlohmann::json(text).dump());
        }
        // An ill-formed byte becomes U+FFFD rather than breaking the body.
        std::string written;
        sb::append_json_string(written,
                               "a\xFF"
                               "b");
        QCOMPARE(nlohmann::json::parse(written).get<std::string>(), std::string("a\xEF\xBF\xBD"
                                                                                "b"));

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
        QCOMPARE(body["choices"][0]["message"]["tool_calls"][0]["id"].get<std::string>(),
                 std::string("call\t1"));
        QCOMPARE(body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"].get<std::string>(),
                 std::string("{\"a\":\"\\n\"}"));
        QVERIFY(body["choices"][0]["logprobs"].is_null());
        response.finish_reason.clear();
        QVERIFY(nlohmann::json::parse(sb::chat_response_to_openai(response, 7))["choices"][0]["finish_reason"]
                    .is_null());
    }
};

QTEST_GUILESS_MAIN(TestConversationTranslation)
#include "tst_conversation_translation.moc"
