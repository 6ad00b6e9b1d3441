#include <QTest>

#include "providers/anthropic_translation.h"
#include "providers/provider_adapter.h"
#include "wire_samples.h"

namespace {

constexpr const char* kDummyKey = "sk-ant-test-dummy";

sb::ProviderConfig anthropic_provider() {
    sb::ProviderConfig provider;
    provider.name = "anthropic";
    provider.kind = sb::ProviderKind::Anthropic;
    provider.base_url = "https://api.anthropic.com/v1";
    provider.api_key = kDummyKey;
    return provider;
}

sb::Message message(sb::Role role, std::string content) {
    sb::Message out;
    out.role = role;
    out.content = std::move(content);
    return out;
}


sb::HttpResponse ok_response(std::string body) {
    sb::HttpResponse response;
    response.status = 200;
    response.body = std::move(body);
    return response;
}

}  // namespace

class TestAnthropicAdapter : public QObject {
    Q_OBJECT

private slots:
    void buildRequestMatchesSample() {
        auto sample = testing::sample_json("anthropic/message-request.json");
        QVERIFY(sample.is_object());
        auto request = sb::chat_request_from_anthropic(sample["body"]);
        QVERIFY2(request.has_value(), request ? "" : request.error().message.c_str());
        QCOMPARE(request->messages.size(), std::size_t(4));  // system + three turns
        QCOMPARE(request->messages[0].role, sb::Role::System);
        auto adapter = sb::make_provider_adapter(sb::ProviderKind::Anthropic);
        QCOMPARE(adapter->kind(), sb::ProviderKind::Anthropic);
        auto http = adapter->build_request(*request, anthropic_provider(), "claude-sonnet-4-5");
        QCOMPARE(http.method, sample["method"].get<std::string>());
        QCOMPARE(http.url, sample["url"].get<std::string>());
        for (const auto& [name, value] : sample["headers"].items()) {
            auto expected = value.get<std::string>();
            if (expected == "${ANTHROPIC_API_KEY}") expected = kDummyKey;
            QCOMPARE(sb::header_value(http.headers, name), std::optional<std::string_view>(expected));
        }
        QVERIFY(!sb::header_value(http.headers, "authorization").has_value());
        QCOMPARE(nlohmann::json::parse(http.body).dump(2), sample["body"].dump(2));
    }

    void defaultsAndMerging() {
        sb::ChatRequest request;
        request.messages = {message(sb::Role::System, "Be brief."),
                            message(sb::Role::System, "Answer in French."), message(sb::Role::User, "Hello"),
                            message(sb::Role::User, "Are you there?"), message(sb::Role::Assistant, "Oui.")};
        request.stop = {"\n\nHuman:"};
        auto http = sb::make_provider_adapter(sb::ProviderKind::Anthropic)
                        ->build_request(request, anthropic_provider(), "claude-haiku-4-5");
        auto body = nlohmann::json::parse(http.body);
        QVERIFY(body["max_tokens"] == nlohmann::json(1024));
        QVERIFY(body["system"] == nlohmann::json("Be brief.\n\nAnswer in French."));
        QVERIFY(body["stop_sequences"] == nlohmann::json({"\n\nHuman:"}));
        QVERIFY(!body.contains("stop"));
        QCOMPARE(body["messages"].size(), std::size_t(2));  // the two user turns became one
        auto merged = body["messages"][0];
        QVERIFY(merged["role"] == nlohmann::json("user"));
        QCOMPARE(merged["content"].size(), std::size_t(2));
        QVERIFY(merged["content"][0]["text"] == nlohmann::json("Hello"));
        QVERIFY(merged["content"][1]["text"] == nlohmann::json("Are you there?"));
        QVERIFY(body["messages"][1]["content"] == nlohmann::json("Oui."));
        request.max_tokens = 77;
        auto explicit_body = nlohmann::json::parse(sb::chat_request_to_anthropic(request, "m").dump());
        QVERIFY(explicit_body["max_tokens"] == nlohmann::json(77));
    }

    void toolTurns() {
        sb::ChatRequest request;
        auto call = message(sb::Role::Assistant, "");
        call.tool_calls = {{"toolu_1", "get_weather", R"({"city":"SF"})"}};
        auto result = message(sb::Role::Tool, "20C, sunny");
        result.tool_call_id = "toolu_1";
        request.messages = {message(sb::Role::User, "Weather?"), call, result};
        auto body = sb::chat_request_to_anthropic(request, "m");
        QCOMPARE(body["messages"].size(), std::size_t(3));
        const auto& use = body["messages"][1]["content"][0];
        QVERIFY(use["type"] == nlohmann::json("tool_use"));
        QVERIFY(use["id"] == nlohmann::json("toolu_1"));
        QVERIFY(use["input"]["city"] == nlohmann::json("SF"));
        const auto& answer = body["messages"][2];
        QVERIFY(answer["role"] == nlohmann::json("user"));
        QVERIFY(answer["content"][0]["type"] == nlohmann::json("tool_result"));
        QVERIFY(answer["content"][0]["tool_use_id"] == nlohmann::json("toolu_1"));
        QVERIFY(answer["content"][0]["content"] == nlohmann::json("20C, sunny"));
    }

    void parseSampleMessage() {
        auto parsed = sb::make_provider_adapter(sb::ProviderKind::Anthropic)
                          ->parse_response(ok_response(testing::read_sample("anthropic/message.json")));
        QVERIFY(parsed.has_value());
        QCOMPARE(parsed->id, std::string("msg_01LzoWDaDa7jiMvVbBiguxJy"));
        QCOMPARE(parsed->model, std::string("claude-haiku-4-5-20251001"));
        QCOMPARE(parsed->content,
                 std::string("The weather in SF is currently **20°C** (68°F) and **Sunny**!"));
        QCOMPARE(parsed->finish_reason, std::string("stop"));
        QCOMPARE(parsed->usage, (sb::Usage{705, 25, 0, 0}));
    }

    void parseToolUseAndCache() {
        nlohmann::json body = {
            {"id", "msg_2"},
            {"model", "claude"},
            {"content",
             {{{"type", "text"}, {"text", "Let me check."}},
              {{"type", "tool_use"}, {"id", "toolu_7"}, {"name", "lookup"}, {"input", {{"q", "x"}}}}}},
            {"stop_reason", "tool_use"},
            {"usage",
             {{"input_tokens", 10},
              {"cache_read_input_tokens", 90},
              {"cache_creation_input_tokens", 5},
              {"output_tokens", 7}}}};
        auto parsed = sb::chat_response_from_anthropic(body);
        QVERIFY(parsed.has_value());
        QCOMPARE(parsed->finish_reason, std::string("tool_calls"));
        QCOMPARE(parsed->tool_calls.size(), std::size_t(1));
        QCOMPARE(parsed->tool_calls[0], (sb::ToolCall{"toolu_7", "lookup", R"({"q":"x"})"}));
        QCOMPARE(parsed->usage, (sb::Usage{105, 7, 90, 0}));
    }

    void stopReasons_data() {
        QTest::addColumn<QString>("wire");
        QTest::addColumn<QString>("normalised");
        QTest::newRow("end_turn") << "end_turn"
                                  << "stop";
        QTest::newRow("stop_sequence") << "stop_sequence"
                                       << "stop";
        QTest::newRow("max_tokens") << "max_tokens"
                                    << "length";
        QTest::newRow("tool_use") << "tool_use"
                                  << "tool_calls";
        QTest::newRow("refusal") << "refusal"
                                 << "content_filter";
    }

    void stopReasons() {
        QFETCH(QString, wire);
        QFETCH(QString, normalised);
        QCOMPARE(QString::fromStdString(sb::normalise_anthropic_stop_reason(wire.toStdString())), normalised);
    }

    void malformedBodies_data() {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("mention");
        QTest::newRow("not json") << QByteArray("Overloaded") << "Anthropic response body is not JSON";
        QTest::newRow("no content") << QByteArray(R"({"id":"m","usage":{}})") << "no content array";
        QTest::newRow("no usage") << QByteArray(R"({"content":[]})") << "no usage object";
        QTest::newRow("string") << QByteArray(R"("hello")") << "is not a JSON object";
    }

    void malformedBodies() {
        QFETCH(QByteArray, body);
        QFETCH(QString, mention);
        auto parsed = sb::make_provider_adapter(sb::ProviderKind::Anthropic)
                          ->parse_response(ok_response(body.toStdString()));
        QVERIFY(!parsed.has_value());
        QCOMPARE(parsed.error().cls, sb::ErrorClass::MalformedResponse);
        QVERIFY2(parsed.error().message.find(mention.toStdString()) != std::string::npos,
                 parsed.error().message.c_str());
    }

    void errorResponseIsClassified() {
        auto sample = testing::error_case("anthropic/errors.json", "529_overloaded_error");
        sb::HttpResponse response;
        response.status = 529;
        response.headers = testing::headers_of(sample["headers"]);
        response.body = sample["body"].dump();
        auto parsed = sb::make_provider_adapter(sb::ProviderKind::Anthropic)->parse_response(response);
        QVERIFY(!parsed.has_value());
        QCOMPARE(parsed.error().cls, sb::ErrorClass::Overloaded);
        QCOMPARE(parsed.error().provider_request_id, std::string("req_01RCc7MbLyQNtGKzBTv8VCep"));
    }

    void decodeRecordedStream() {
        auto out = testing::decode(sb::ProviderKind::Anthropic, testing::read_sample("anthropic/message-stream.txt"));
        QVERIFY2(!out.error, out.error.message.c_str());
        QCOMPARE(out.text, std::string("[12345,67890]"));
        QCOMPARE(out.finish_reason, std::string("stop"));
        QCOMPARE(out.usage, std::optional(sb::Usage{135, 10, 0, 0}));
        QVERIFY(out.finished);
        QCOMPARE(out.response.id, std::string("msg_013nnniYDrJDocdy5nrMU7cH"));
        QCOMPARE(out.response.model, std::string("claude-sonnet-4-5-20250929"));
        QCOMPARE(out.response.content, std::string("[12345,67890]"));
    }

    void decodeErrorStream() {
        auto out = testing::decode(sb::ProviderKind::Anthropic, testing::read_sample("anthropic/message-stream-error.txt"));
        QCOMPARE(out.error.cls, sb::ErrorClass::Overloaded);
        QCOMPARE(out.error.message, std::string("stream error overloaded_error: Overloaded"));
        QCOMPARE(out.text, std::string("[12"));
        QVERIFY(!out.finished);
    }

    void decodeToolUseStream() {
        nlohmann::json start = {{"type", "content_block_start"},
                                {"index", 1},
                                {"content_block",
                                 {{"type", "tool_use"},
                                  {"id", "toolu_3"},
                                  {"name", "lookup"},
                                  {"input", nlohmann::json::object()}}}};
        nlohmann::json part1 = {{"type", "content_block_delta"},
                                {"index", 1},
                                {"delta", {{"type", "input_json_delta"}, {"partial_json", R"({"q": )"}}}};
        nlohmann::json part2 = {{"type", "content_block_delta"},
                                {"index", 1},
                                {"delta", {{"type", "input_json_delta"}, {"partial_json", R"("x"})"}}}};
        nlohmann::json stop = {{"type", "message_delta"},
                               {"delta", {{"stop_reason", "tool_use"}}},
                               {"usage", {{"output_tokens", 12}}}};
        std::string stream = "event: content_block_start\ndata: " + start.dump() + "\n\n" +
                             "event: content_block_delta\ndata: " + part1.dump() + "\n\n" +
                             "event: content_block_delta\ndata: " + part2.dump() + "\n\n" +
                             "event: message_delta\ndata: " + stop.dump() + "\n\n" +
                             "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        auto out = testing::decode(sb::ProviderKind::Anthropic, stream);
        QVERIFY2(!out.error, out.error.message.c_str());
        QCOMPARE(out.finish_reason, std::string("tool_calls"));
        QCOMPARE(out.response.tool_calls.size(), std::size_t(1));
        QCOMPARE(out.response.tool_calls[0], (sb::ToolCall{"toolu_3", "lookup", R"({"q": "x"})"}));
        QCOMPARE(out.usage->output_tokens, std::int64_t(12));
    }

    void decodeGarbageEvent() {
        auto out = testing::decode(sb::ProviderKind::Anthropic, "event: content_block_delta\ndata: {\"type\":\n\n");
        QCOMPARE(out.error.cls, sb::ErrorClass::MalformedResponse);
        QVERIFY(out.error.message.find("content_block_delta") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestAnthropicAdapter)
#include "tst_anthropic_adapter.moc"
