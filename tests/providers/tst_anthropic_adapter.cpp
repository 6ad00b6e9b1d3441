#include <QTest>
#include <array>
#include <optional>
#include <vector>

#include "gateway/anthropic_sse_writer.h"
#include "providers/anthropic_response_writer.h"
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

sb::ContentPart part(sb::ContentPart::Kind kind, std::string media_type, std::string data_base64,
                     std::string url = {}, std::string filename = {}) {
    sb::ContentPart out;
    out.kind = kind;
    out.media_type = std::move(media_type);
    out.data_base64 = std::move(data_base64);
    out.url = std::move(url);
    out.filename = std::move(filename);
    return out;
}

sb::ContentPart text_part(std::string text) {
    sb::ContentPart out;
    out.text = std::move(text);
    return out;
}

sb::ChatRequest one_question() {
    sb::ChatRequest request;
    request.messages = {message(sb::Role::User, "Weather in Paris?")};
    return request;
}

nlohmann::json weather_tools() {
    return nlohmann::json::parse(R"([
        {"type":"function","function":{"name":"get_weather","description":"Weather now",
         "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},"strict":true}},
        {"type":"function","function":{"name":"ping"}}])");
}

std::vector<sb::SseEvent> events_of(const std::string& stream) {
    std::vector<sb::SseEvent> events;
    sb::SseParser parser;
    parser.feed(stream, [&](sb::SseEvent&& event) { events.push_back(std::move(event)); });
    return events;
}

// The message the Anthropic SDK's MessageStream builds from the events, with the rules it
// enforces (src/lib/MessageStream.ts #accumulateMessage) and the block order the protocol
// keeps; `problem` says what broke them.
nlohmann::json accumulate_message(const std::vector<sb::SseEvent>& events, std::string& problem) {
    const auto fail = [&](std::string why) {
        problem = std::move(why);
        return nlohmann::json();
    };
    nlohmann::json message;
    std::vector<std::string> partial_json;
    std::vector<bool> stopped;
    bool ended = false;
    for (const auto& event : events) {
        const auto data = nlohmann::json::parse(event.data, nullptr, false);
        if (data.value("type", "") != event.event)
            return fail("event " + event.event + " carries another type");
        if (message.is_null() && event.event != "message_start")
            return fail("got " + event.event + " before message_start");
        if (ended) return fail("an event after message_stop");
        const auto index = data.value("index", std::size_t(0));
        if (event.event == "message_start") {
            if (!message.is_null()) return fail("a second message_start");
            message = data.at("message");
        } else if (event.event == "content_block_start") {
            if (index != message["content"].size()) return fail("a block started out of order");
            if (!stopped.empty() && !stopped.back())
                return fail("a block started before the last one stopped");
            message["content"].push_back(data.at("content_block"));
            partial_json.emplace_back();
            stopped.push_back(false);
        } else if (event.event == "content_block_delta") {
            if (index >= stopped.size() || stopped[index])
                return fail("a delta for a block that is not open");
            const auto& delta = data.at("delta");
            auto& block = message["content"][index];
            if (delta.at("type") == "text_delta")
                block["text"] = block["text"].get<std::string>() + delta.at("text").get<std::string>();
            if (delta.at("type") == "input_json_delta")
                partial_json[index] += delta.at("partial_json").get<std::string>();
        } else if (event.event == "content_block_stop") {
            if (index >= stopped.size() || stopped[index]) return fail("a stop for a block that is not open");
            stopped[index] = true;
        } else if (event.event == "message_delta") {
            message["stop_reason"] = data.at("delta").at("stop_reason");
            for (const auto& [name, value] : data.at("usage").items())
                if (!value.is_null()) message["usage"][name] = value;
        } else if (event.event == "message_stop") {
            ended = true;
        }
    }
    if (!ended) return fail("no message_stop");
    for (std::size_t i = 0; i < partial_json.size(); ++i)
        if (message["content"][i]["type"] == "tool_use")
            message["content"][i]["input"] =
                partial_json[i].empty() ? nlohmann::json::object() : nlohmann::json::parse(partial_json[i]);
    return message;
}

sb::StreamDelta text_delta(std::string text) {
    sb::StreamDelta delta;
    delta.content = std::move(text);
    return delta;
}

sb::StreamDelta tool_delta(int index, std::string id, std::string name, std::string arguments) {
    sb::StreamDelta delta;
    delta.tool_calls.push_back({index, std::move(id), std::move(name), std::move(arguments)});
    return delta;
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
        auto out = testing::decode(sb::ProviderKind::Anthropic,
                                   testing::read_sample("anthropic/message-stream.txt"));
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
        auto out = testing::decode(sb::ProviderKind::Anthropic,
                                   testing::read_sample("anthropic/message-stream-error.txt"));
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
        auto out =
            testing::decode(sb::ProviderKind::Anthropic, "event: content_block_delta\ndata: {\"type\":\n\n");
        QCOMPARE(out.error.cls, sb::ErrorClass::MalformedResponse);
        QVERIFY(out.error.message.find("content_block_delta") != std::string::npos);
    }

    void mediaPartsBecomeBlocks() {
        using Kind = sb::ContentPart::Kind;
        sb::ChatRequest request;
        auto user = message(sb::Role::User, "Compare these.");
        user.parts = {text_part("Compare these."),
                      part(Kind::Image, "image/png", "iVBORw0KGgo="),
                      part(Kind::Image, "", "", "https://example.com/a.jpg"),
                      part(Kind::File, "application/pdf", "JVBERi0=", "", "r.pdf"),
                      part(Kind::File, "text/plain", "aGVsbG8gd29ybGQ=", "", "notes.txt"),
                      part(Kind::File, "application/pdf", "", "https://example.com/b.pdf")};
        auto call = message(sb::Role::Assistant, "");
        call.tool_calls = {{"toolu_1", "chart", "{}"}};
        auto result = message(sb::Role::Tool, "Here:");
        result.tool_call_id = "toolu_1";
        result.parts = {text_part("Here:"), part(Kind::Image, "image/webp", "UklGRg==")};
        request.messages = {user, call, result};
        QCOMPARE(sb::anthropic_unsupported(request), std::optional<std::string>());

        const auto body = sb::chat_request_to_anthropic(request, "m");
        const auto& blocks = body["messages"][0]["content"];
        QCOMPARE(blocks.size(), std::size_t(6));
        // JSON's "\/" is "/": moc misreads "//" inside a raw string literal.
        const char* expected[] = {
            R"({"type":"text","text":"Compare these."})",
            R"({"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}})",
            R"({"type":"image","source":{"type":"url","url":"https:\/\/example.com/a.jpg"}})",
            R"({"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="},"title":"r.pdf"})",
            R"({"type":"document","source":{"type":"text","media_type":"text/plain","data":"hello world"},"title":"notes.txt"})",
            R"({"type":"document","source":{"type":"url","url":"https:\/\/example.com/b.pdf"}})"};
        for (std::size_t i = 0; i < blocks.size(); ++i)
            QCOMPARE(blocks[i].dump(), nlohmann::json::parse(expected[i]).dump());
        // A tool result with an image keeps its blocks rather than the short string form.
        QCOMPARE(body["messages"][2]["content"].dump(),
                 nlohmann::json::parse(R"([{"type":"tool_result","tool_use_id":"toolu_1","content":[
                     {"type":"text","text":"Here:"},
                     {"type":"image","source":{"type":"base64","media_type":"image/webp","data":"UklGRg=="}}]}])")
                     .dump());
    }

    void toolsTranslate() {
        auto request = one_question();
        request.tools = weather_tools();
        auto body = sb::chat_request_to_anthropic(request, "m");
        const auto expected = nlohmann::json::parse(R"([
            {"name":"get_weather","description":"Weather now",
             "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},
            {"name":"ping","input_schema":{"type":"object","properties":{}}}])");
        QCOMPARE(body["tools"].dump(), expected.dump());
        QVERIFY(!body.contains("tool_choice"));
        // `strict` goes only where the client spoke Anthropic's format.
        request.wire = sb::WireApi::AnthropicMessages;
        body = sb::chat_request_to_anthropic(request, "m");
        QVERIFY(body["tools"][0]["strict"] == nlohmann::json(true));
        // Anthropic refuses a tool_choice without tools.
        auto no_tools = one_question();
        no_tools.tool_choice = "required";
        no_tools.parallel_tool_calls = false;
        body = sb::chat_request_to_anthropic(no_tools, "m");
        QVERIFY(!body.contains("tools"));
        QVERIFY(!body.contains("tool_choice"));
    }

    void toolChoiceForms_data() {
        QTest::addColumn<QByteArray>("choice");
        QTest::addColumn<int>("parallel");  // -1 unset, 0 false, 1 true
        QTest::addColumn<QByteArray>("expected");
        const QByteArray named = R"({"type":"function","function":{"name":"get_weather"}})";
        QTest::newRow("auto") << QByteArray(R"("auto")") << -1 << QByteArray(R"({"type":"auto"})");
        QTest::newRow("required") << QByteArray(R"("required")") << -1 << QByteArray(R"({"type":"any"})");
        QTest::newRow("none") << QByteArray(R"("none")") << -1 << QByteArray(R"({"type":"none"})");
        QTest::newRow("named") << named << -1 << QByteArray(R"({"type":"tool","name":"get_weather"})");
        QTest::newRow("auto, one call") << QByteArray(R"("auto")") << 0
                                        << QByteArray(R"({"type":"auto","disable_parallel_tool_use":true})");
        QTest::newRow("required, one call")
            << QByteArray(R"("required")") << 0
            << QByteArray(R"({"type":"any","disable_parallel_tool_use":true})");
        QTest::newRow("named, one call")
            << named << 0
            << QByteArray(R"({"type":"tool","name":"get_weather","disable_parallel_tool_use":true})");
        QTest::newRow("none, one call") << QByteArray(R"("none")") << 0 << QByteArray(R"({"type":"none"})");
        QTest::newRow("unset, one call")
            << QByteArray("null") << 0 << QByteArray(R"({"type":"auto","disable_parallel_tool_use":true})");
        QTest::newRow("unset") << QByteArray("null") << -1 << QByteArray("null");
        QTest::newRow("unset, parallel") << QByteArray("null") << 1 << QByteArray("null");
    }

    void toolChoiceForms() {
        QFETCH(QByteArray, choice);
        QFETCH(int, parallel);
        QFETCH(QByteArray, expected);
        auto request = one_question();
        request.tools = weather_tools();
        request.tool_choice = nlohmann::json::parse(choice.toStdString());
        if (parallel >= 0) request.parallel_tool_calls = parallel == 1;
        QCOMPARE(sb::anthropic_unsupported(request), std::optional<std::string>());
        const auto body = sb::chat_request_to_anthropic(request, "m");
        const auto wanted = nlohmann::json::parse(expected.toStdString());
        QCOMPARE(body.contains("tool_choice"), !wanted.is_null());
        if (!wanted.is_null()) QCOMPARE(body["tool_choice"].dump(), wanted.dump());
    }

    void responseFormatBecomesOutputConfig() {
        auto request = one_question();
        request.response_format = nlohmann::json::parse(
            R"({"type":"json_schema","json_schema":{"name":"weather","strict":true,"schema":{"type":"object","properties":{"c":{"type":"number"}}}}})");
        auto body = sb::chat_request_to_anthropic(request, "m");
        QCOMPARE(
            body["output_config"].dump(),
            nlohmann::json::parse(
                R"({"format":{"type":"json_schema","schema":{"type":"object","properties":{"c":{"type":"number"}}}}})")
                .dump());
        QVERIFY(!body.contains("response_format"));
        // Beside output_config's other fields, which came in Anthropic's format.
        request.wire = sb::WireApi::AnthropicMessages;
        request.extra = {{"output_config", {{"effort", "low"}}}};
        body = sb::chat_request_to_anthropic(request, "m");
        QVERIFY(body["output_config"]["effort"] == nlohmann::json("low"));
        QVERIFY(body["output_config"]["format"]["type"] == nlohmann::json("json_schema"));
        request.response_format = {{"type", "text"}};
        body = sb::chat_request_to_anthropic(request, "m");
        QCOMPARE(body["output_config"].dump(), std::string(R"({"effort":"low"})"));
    }

    void extraGoesOnlyToItsOwnFormat() {
        auto request = one_question();
        request.extra = {
            {"metadata", {{"user_id", "u1"}}}, {"top_k", 5}, {"max_tokens", 1}, {"model", "other"}};
        auto body = sb::chat_request_to_anthropic(request, "claude");
        QVERIFY(!body.contains("metadata"));
        QVERIFY(!body.contains("top_k"));
        request.wire = sb::WireApi::AnthropicMessages;
        body = sb::chat_request_to_anthropic(request, "claude");
        QVERIFY(body["metadata"]["user_id"] == nlohmann::json("u1"));
        QVERIFY(body["top_k"] == nlohmann::json(5));
        // The fields the translation writes win.
        QVERIFY(body["max_tokens"] == nlohmann::json(sb::kAnthropicDefaultMaxTokens));
        QVERIFY(body["model"] == nlohmann::json("claude"));
    }

    void unsupportedNamesTheField() {
        using Kind = sb::ContentPart::Kind;
        const auto with_part = [](sb::ContentPart media, sb::Role role = sb::Role::User) {
            auto request = one_question();
            auto turn = message(role, "See:");
            turn.parts = {text_part("See:"), std::move(media)};
            request.messages.push_back(std::move(turn));
            return request;
        };
        std::vector<std::pair<sb::ChatRequest, std::optional<std::string>>> cases;
        cases.emplace_back(one_question(), std::nullopt);
        auto many = one_question();
        many.n = 2;
        cases.emplace_back(many, "n: Anthropic answers one choice");
        cases.emplace_back(with_part(part(Kind::Audio, "audio/wav", "UklGRg==")),
                           "messages[1].content[1]: Anthropic takes no input_audio part");
        auto by_id = part(Kind::Image, "", "");
        by_id.file_id = "file-abc";
        cases.emplace_back(
            with_part(by_id),
            "messages[1].content[1]: Anthropic takes no file_id: send the image inline or by URL");
        cases.emplace_back(
            with_part(part(Kind::Image, "image/bmp", "Qk0=")),
            "messages[1].content[1]: Anthropic takes images as image/jpeg, image/png, image/gif or "
            "image/webp, not \"image/bmp\"");
        cases.emplace_back(
            with_part(part(Kind::File, "application/msword", "0M8R4A==")),
            "messages[1].content[1]: Anthropic takes files as application/pdf or text/plain, not "
            "\"application/msword\"");
        cases.emplace_back(with_part(part(Kind::Image, "image/png", "iVBORw0KGgo="), sb::Role::Assistant),
                           "messages[1].content[1]: Anthropic takes no image part in assistant turns");
        cases.emplace_back(with_part(part(Kind::Image, "image/png", "iVBORw0KGgo=")), std::nullopt);
        cases.emplace_back(with_part(part(Kind::File, "text/plain", "aGk=")), std::nullopt);
        cases.emplace_back(with_part(part(Kind::File, "", "", "https://example.com/x.pdf")), std::nullopt);
        auto custom = one_question();
        custom.tools = nlohmann::json::parse(R"([{"type":"custom","custom":{"name":"grammar"}}])");
        cases.emplace_back(custom, "tools[0]: Anthropic takes no custom tool");
        auto allowed = one_question();
        allowed.tools = weather_tools();
        allowed.tool_choice =
            nlohmann::json::parse(R"({"type":"allowed_tools","allowed_tools":{"mode":"auto"}})");
        cases.emplace_back(allowed, "tool_choice: Anthropic takes no \"allowed_tools\" tool choice");
        auto json_mode = one_question();
        json_mode.response_format = {{"type", "json_object"}};
        cases.emplace_back(json_mode,
                           "response_format: Anthropic has no JSON mode without a schema (json_object)");
        auto no_schema = one_question();
        no_schema.response_format = {{"type", "json_schema"}, {"json_schema", {{"name", "x"}}}};
        cases.emplace_back(no_schema, "response_format.json_schema.schema: Anthropic needs a schema");
        for (const auto& [request, reason] : cases)
            QCOMPARE(sb::anthropic_unsupported(request).value_or("<none>"), reason.value_or("<none>"));
    }

    void decodeToolUseBlocksAsToolCallDeltas() {
        const auto event = [](const char* name, const nlohmann::json& data) {
            return std::string("event: ") + name + "\ndata: " + data.dump() + "\n\n";
        };
        const auto tool_start = [&](int index, const char* id, const char* name) {
            return event(
                "content_block_start",
                {{"type", "content_block_start"},
                 {"index", index},
                 {"content_block",
                  {{"type", "tool_use"}, {"id", id}, {"name", name}, {"input", nlohmann::json::object()}}}});
        };
        const auto json_piece = [&](int index, const char* piece) {
            return event("content_block_delta",
                         {{"type", "content_block_delta"},
                          {"index", index},
                          {"delta", {{"type", "input_json_delta"}, {"partial_json", piece}}}});
        };
        const auto stop = [&](int index) {
            return event("content_block_stop", {{"type", "content_block_stop"}, {"index", index}});
        };
        const std::string stream =
            event("message_start", nlohmann::json::parse(R"({"type":"message_start","message":{"id":"msg_1",
                "type":"message","role":"assistant","model":"claude","content":[],"stop_reason":null,
                "usage":{"input_tokens":30,"output_tokens":1}}})")) +
            event("content_block_start", nlohmann::json::parse(R"({"type":"content_block_start","index":0,
                "content_block":{"type":"text","text":""}})")) +
            event("content_block_delta", nlohmann::json::parse(R"({"type":"content_block_delta","index":0,
                "delta":{"type":"text_delta","text":"Checking."}})")) +
            stop(0) + tool_start(1, "toolu_a", "weather") + json_piece(1, "") + json_piece(1, R"({"city":)") +
            json_piece(1, R"("Paris"})") + stop(1) + tool_start(2, "toolu_b", "time") + json_piece(2, "{}") +
            stop(2) + event("message_delta", nlohmann::json::parse(R"({"type":"message_delta",
                "delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":40}})")) +
            event("message_stop", {{"type", "message_stop"}});
        auto out = testing::decode(sb::ProviderKind::Anthropic, stream);
        QVERIFY2(!out.error, out.error.message.c_str());
        std::vector<sb::ToolCallDelta> pieces;
        for (const auto& delta : out.deltas)
            for (const auto& piece : delta.tool_calls) pieces.push_back(piece);
        const std::vector<std::array<std::string, 4>> expected = {{"0", "toolu_a", "weather", ""},
                                                                  {"0", "", "", R"({"city":)"},
                                                                  {"0", "", "", R"("Paris"})"},
                                                                  {"1", "toolu_b", "time", ""},
                                                                  {"1", "", "", "{}"}};
        QCOMPARE(pieces.size(), expected.size());
        for (std::size_t i = 0; i < pieces.size(); ++i) {
            QCOMPARE(std::to_string(pieces[i].index), expected[i][0]);
            QCOMPARE(pieces[i].id, expected[i][1]);
            QCOMPARE(pieces[i].name, expected[i][2]);
            QCOMPARE(pieces[i].arguments, expected[i][3]);
        }
        QCOMPARE(out.text, std::string("Checking."));
        QCOMPARE(out.response.tool_calls,
                 (std::vector<sb::ToolCall>{{"toolu_a", "weather", R"({"city":"Paris"})"},
                                            {"toolu_b", "time", "{}"}}));
        // A piece for a block that never started as tool_use is a broken stream.
        auto stray = testing::decode(sb::ProviderKind::Anthropic, json_piece(3, "{"));
        QCOMPARE(stray.error.cls, sb::ErrorClass::MalformedResponse);
    }

    void responseWriterAnswersAsMessage() {
        sb::ChatResponse response;
        response.model = "claude-test";
        response.tool_calls = {{"toolu_1", "lookup", R"({"q":"x"})"}, {"toolu_2", "f", "not json"}};
        response.finish_reason = "tool_calls";
        response.usage = {50, 7, 30, 0};
        const auto message = nlohmann::json::parse(sb::chat_response_to_anthropic(response, "msg_sb-9"));
        QCOMPARE(message.dump(),
                 nlohmann::json::parse(R"({"id":"msg_sb-9","type":"message","role":"assistant",
            "model":"claude-test","content":[
              {"type":"tool_use","id":"toolu_1","name":"lookup","input":{"q":"x"}},
              {"type":"tool_use","id":"toolu_2","name":"f","input":{"arguments":"not json"}}],
            "stop_reason":"tool_use","stop_sequence":null,
            "usage":{"input_tokens":20,"output_tokens":7,"cache_creation_input_tokens":0,"cache_read_input_tokens":30}})")
                     .dump());
        // Our own reader takes it back: usage and the first call unchanged.
        auto back = sb::chat_response_from_anthropic(message);
        QVERIFY(back.has_value());
        QCOMPARE(back->usage, response.usage);
        QCOMPARE(back->tool_calls[0], response.tool_calls[0]);
        QCOMPARE(back->finish_reason, response.finish_reason);

        response.tool_calls.clear();
        response.content = "Hi";
        response.finish_reason = "length";
        auto text = nlohmann::json::parse(sb::chat_response_to_anthropic(response, "msg_2"));
        QCOMPARE(text["content"].dump(), std::string(R"([{"text":"Hi","type":"text"}])"));
        QVERIFY(text["stop_reason"] == nlohmann::json("max_tokens"));
        response.content.clear();
        auto empty = nlohmann::json::parse(sb::chat_response_to_anthropic(response, "msg_3"));
        QCOMPARE(empty["content"].dump(), std::string(R"([{"text":"","type":"text"}])"));
    }

    void stopReasonsMapBack_data() {
        QTest::addColumn<QString>("finish");
        QTest::addColumn<QString>("stop");
        QTest::newRow("stop") << "stop"
                              << "end_turn";
        QTest::newRow("length") << "length"
                                << "max_tokens";
        QTest::newRow("tool_calls") << "tool_calls"
                                    << "tool_use";
        QTest::newRow("content_filter") << "content_filter"
                                        << "refusal";
        QTest::newRow("none") << ""
                              << "end_turn";
    }

    void stopReasonsMapBack() {
        QFETCH(QString, finish);
        QFETCH(QString, stop);
        QCOMPARE(QString::fromStdString(std::string(sb::anthropic_stop_reason(finish.toStdString()))), stop);
        // And the forward mapping undoes it.
        if (!finish.isEmpty())
            QCOMPARE(QString::fromStdString(sb::normalise_anthropic_stop_reason(stop.toStdString())), finish);
    }

    void errorTypesByStatus_data() {
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("type");
        QTest::newRow("400") << 400 << "invalid_request_error";
        QTest::newRow("401") << 401 << "authentication_error";
        QTest::newRow("403") << 403 << "permission_error";
        QTest::newRow("404") << 404 << "not_found_error";
        QTest::newRow("405") << 405 << "invalid_request_error";
        QTest::newRow("413") << 413 << "request_too_large";
        QTest::newRow("429") << 429 << "rate_limit_error";
        QTest::newRow("500") << 500 << "api_error";
        QTest::newRow("502") << 502 << "api_error";
        QTest::newRow("503") << 503 << "overloaded_error";
        QTest::newRow("504") << 504 << "timeout_error";
        QTest::newRow("529") << 529 << "overloaded_error";
    }

    void errorTypesByStatus() {
        QFETCH(int, status);
        QFETCH(QString, type);
        QCOMPARE(QString::fromStdString(std::string(sb::anthropic_error_type_for_status(status))), type);
        const auto body = sb::anthropic_error_json(type.toStdString(), "why");
        QCOMPARE(body.dump(),
                 R"({"error":{"message":"why","type":")" + type.toStdString() + R"("},"type":"error"})");
    }

    void sseWriterStreamsTextThenTwoToolCalls() {
        sb::AnthropicSseWriter writer("msg_sb-1", "claude-test");
        std::string stream = writer.delta(text_delta("Let me "));
        stream += writer.delta(text_delta("check."));
        stream += writer.delta(tool_delta(0, "toolu_a", "weather", ""));
        stream += writer.delta(tool_delta(0, "", "", R"({"city":)"));
        stream += writer.delta(tool_delta(0, "", "", R"("Paris"})"));
        stream += writer.delta(tool_delta(1, "toolu_b", "time", "{}"));
        sb::StreamDelta last;
        last.finish_reason = "tool_calls";
        last.usage = sb::Usage{120, 33, 20, 0};
        stream += writer.delta(last);
        sb::ChatResponse response;
        response.content = "Let me check.";
        response.tool_calls = {{"toolu_a", "weather", R"({"city":"Paris"})"}, {"toolu_b", "time", "{}"}};
        response.finish_reason = "tool_calls";
        response.usage = {120, 33, 20, 0};
        stream += writer.finish(response);

        const auto events = events_of(stream);
        std::vector<std::string> names;
        std::vector<std::string> indexes;
        for (const auto& event : events) {
            names.push_back(event.event);
            const auto data = nlohmann::json::parse(event.data);
            indexes.push_back(data.contains("index") ? std::to_string(data["index"].get<int>()) : "-");
        }
        QCOMPARE(names,
                 (std::vector<std::string>{"message_start", "content_block_start", "content_block_delta",
                                           "content_block_delta", "content_block_stop", "content_block_start",
                                           "content_block_delta", "content_block_delta", "content_block_stop",
                                           "content_block_start", "content_block_delta", "content_block_stop",
                                           "message_delta", "message_stop"}));
        QCOMPARE(indexes, (std::vector<std::string>{"-", "0", "0", "0", "0", "1", "1", "1", "1", "2", "2",
                                                    "2", "-", "-"}));
        QCOMPARE(nlohmann::json::parse(events[5].data)["content_block"].dump(),
                 std::string(R"({"id":"toolu_a","input":{},"name":"weather","type":"tool_use"})"));

        std::string problem;
        const auto message = accumulate_message(events, problem);
        QVERIFY2(problem.empty(), problem.c_str());
        QCOMPARE(message["content"].dump(), nlohmann::json::parse(R"([
            {"type":"text","text":"Let me check."},
            {"type":"tool_use","id":"toolu_a","name":"weather","input":{"city":"Paris"}},
            {"type":"tool_use","id":"toolu_b","name":"time","input":{}}])")
                                                .dump());
        QVERIFY(message["id"] == nlohmann::json("msg_sb-1"));
        QVERIFY(message["stop_reason"] == nlohmann::json("tool_use"));
        // message_delta's usage replaces the start's: the totals, not increments.
        QVERIFY(message["usage"]["output_tokens"] == nlohmann::json(33));
        QVERIFY(message["usage"]["input_tokens"] == nlohmann::json(100));
        QVERIFY(message["usage"]["cache_read_input_tokens"] == nlohmann::json(20));

        // Our own decoder reads the stream back as the answer it came from.
        auto back = testing::decode(sb::ProviderKind::Anthropic, stream);
        QVERIFY2(!back.error, back.error.message.c_str());
        QVERIFY(back.finished);
        QCOMPARE(back.response.content, response.content);
        QCOMPARE(back.response.tool_calls, response.tool_calls);
        QCOMPARE(back.finish_reason, response.finish_reason);
        QCOMPARE(back.usage, std::optional(response.usage));
    }

    void sseWriterWritesWhatNoDeltaCarried() {
        sb::ChatResponse response;
        response.content = "Hi";
        response.tool_calls = {{"toolu_1", "f", R"({"a":1})"}};
        response.finish_reason = "tool_calls";
        response.usage = {10, 4, 0, 0};
        // The text came as a delta, the tool call only in the final answer.
        sb::AnthropicSseWriter streamed("msg_1", "m");
        std::string stream = streamed.delta(text_delta("Hi"));
        stream += streamed.finish(response);
        // Nothing came as a delta.
        sb::AnthropicSseWriter whole("msg_1", "m");
        for (const auto& text : {stream, whole.finish(response)}) {
            std::string problem;
            const auto message = accumulate_message(events_of(text), problem);
            QVERIFY2(problem.empty(), problem.c_str());
            QCOMPARE(message["content"].dump(), nlohmann::json::parse(R"([{"type":"text","text":"Hi"},
                {"type":"tool_use","id":"toolu_1","name":"f","input":{"a":1}}])")
                                                    .dump());
        }
        // An empty answer is a message without blocks.
        sb::AnthropicSseWriter empty("msg_2", "m");
        std::string problem;
        const auto message = accumulate_message(events_of(empty.finish(sb::ChatResponse{})), problem);
        QVERIFY2(problem.empty(), problem.c_str());
        QCOMPARE(message["content"].size(), std::size_t(0));
        QVERIFY(message["stop_reason"] == nlohmann::json("end_turn"));
    }

    void sseWriterErrorEvent() {
        const auto events = events_of(sb::AnthropicSseWriter::error("overloaded_error", "Overloaded"));
        QCOMPARE(events.size(), std::size_t(1));
        QCOMPARE(events[0].event, std::string("error"));
        QCOMPARE(
            events[0].data,
            std::string(R"({"error":{"message":"Overloaded","type":"overloaded_error"},"type":"error"})"));
        // As our decoder (and the SDK) classify an upstream's.
        auto decoded = testing::decode(sb::ProviderKind::Anthropic,
                                       sb::AnthropicSseWriter::error("overloaded_error", "Overloaded"));
        QCOMPARE(decoded.error.cls, sb::ErrorClass::Overloaded);
    }
};

QTEST_GUILESS_MAIN(TestAnthropicAdapter)
#include "tst_anthropic_adapter.moc"
