#include <QTest>

#include "providers/embeddings_wire.h"
#include "providers/openai_response_writer.h"
#include "providers/openai_translation.h"
#include "providers/provider_adapter.h"
#include "wire_samples.h"

namespace {

constexpr const char* kDummyKey = "sk-test-dummy";

sb::ProviderConfig openai_provider() {
    sb::ProviderConfig provider;
    provider.name = "openai";
    provider.kind = sb::ProviderKind::OpenAI;
    provider.base_url = "https://api.openai.com/v1";
    provider.api_key = kDummyKey;
    return provider;
}

sb::HttpResponse ok_response(std::string body) {
    sb::HttpResponse response;
    response.status = 200;
    response.body = std::move(body);
    return response;
}


}  // namespace

class TestOpenAIAdapter : public QObject {
    Q_OBJECT

private slots:
    void embeddingsGoAsTheyCameAndComeBackSo() {
        const nlohmann::json body = {{"model", "text-embedding-3-small"},
                                     {"input", {"refund my order", nlohmann::json::array({15339, 1917})}},
                                     {"encoding_format", "base64"},
                                     {"dimensions", 2}};
        auto request = sb::chat_request_from_embeddings(body);
        QVERIFY(request.has_value());
        QVERIFY(request->wire == sb::WireApi::OpenAIEmbeddings);
        QCOMPARE(request->messages.size(), std::size_t(2));
        QCOMPARE(request->messages[0].content, std::string("refund my order"));
        QCOMPARE(request->messages[1].content, std::string("[token ids: 15339 1917]"));
        for (const auto kind : {sb::ProviderKind::OpenAI, sb::ProviderKind::OpenAICompatible}) {
            auto adapter = sb::make_provider_adapter(kind);
            auto provider = openai_provider();
            provider.kind = kind;
            const auto http = adapter->build_request(*request, provider, "nomic-embed-text");
            QCOMPARE(http.url, std::string("https://api.openai.com/v1/embeddings"));
            auto sent = nlohmann::json::parse(http.body);
            QCOMPARE(sent["model"].get<std::string>(), std::string("nomic-embed-text"));
            sent["model"] = "text-embedding-3-small";
            QCOMPARE(sent, body);

            // Two little-endian float32s, base64.
            const std::string answer =
                R"({"object":"list","model":"text-embedding-3-small","usage":{"prompt_tokens":5,"total_tokens":5},)"
                R"("data":[{"object":"embedding","index":0,"embedding":"AACAPwAAAAA="},)"
                R"({"object":"embedding","index":1,"embedding":"AAAAAAAAgD8="}]})";
            const auto parsed = adapter->parse_response_for(*request, ok_response(answer));
            QVERIFY(parsed.has_value());
            QCOMPARE(parsed->usage.input_tokens, std::int64_t(5));
            QCOMPARE(parsed->usage.output_tokens, std::int64_t(0));
            QCOMPARE(parsed->content, std::string("2 embeddings × 2 dimensions, base64"));
            QCOMPARE(parsed->passthrough_body, answer);
            const auto broken = adapter->parse_response_for(*request, ok_response(R"({"object":"list"})"));
            QVERIFY(!broken.has_value());
            QCOMPARE(broken.error().cls, sb::ErrorClass::MalformedResponse);
        }
    }

    // The answer is read as the parser goes (no tree): what it reports, and every malformed shape named.
    void embeddingsAnswerIsScanned_data() {
        QTest::addColumn<QByteArray>("answer");
        QTest::addColumn<QString>("expected");  // the content, or "error: <words of the message>"
        QTest::newRow("floats") << QByteArray(R"({"data":[{"embedding":[0.1,-2,3e-3]},{"embedding":[1,2,3]}],)"
                                              R"("model":"m","usage":{"prompt_tokens":7}})")
                                << "2 embeddings × 3 dimensions, float";
        QTest::newRow("usage first, nested noise") << QByteArray(R"({"usage":{"prompt_tokens":7,"x":[1,2]},"meta":{"data":[1]},)"
                                                                 R"("data":[{"index":0,"extra":{"embedding":"zz"},"embedding":[1,2]}]})")
                                                   << "1 embedding × 2 dimensions, float";
        QTest::newRow("empty data") << QByteArray(R"({"data":[]})") << "0 embeddings × 0 dimensions, float";
        QTest::newRow("repeated data key: the last counts")
            << QByteArray(R"({"data":[{"embedding":[1]}],"data":[{"embedding":[1,2]},{"embedding":[3,4]}]})")
            << "2 embeddings × 2 dimensions, float";
        QTest::newRow("embedding of no known kind") << QByteArray(R"({"data":[{"embedding":null}]})")
                                                    << "1 embedding × 0 dimensions, float";
        QTest::newRow("not json") << QByteArray("<html>") << "error: is not a JSON object";
        QTest::newRow("array root") << QByteArray(R"([{"data":[]}])") << "error: is not a JSON object";
        QTest::newRow("truncated") << QByteArray(R"({"data":[{"embedding":[1,2)") << "error: is not a JSON object";
        QTest::newRow("no data") << QByteArray(R"({"object":"list"})") << "error: has no data array";
        QTest::newRow("data not array") << QByteArray(R"({"data":{"embedding":[1]}})") << "error: has no data array";
        QTest::newRow("item without") << QByteArray(R"({"data":[{"embedding":[1]},{"index":1}]})")
                                      << "error: has an item without an embedding";
        QTest::newRow("scalar item") << QByteArray(R"({"data":[{"embedding":[1]},5]})")
                                     << "error: has an item without an embedding";
    }
    void embeddingsAnswerIsScanned() {
        QFETCH(QByteArray, answer);
        QFETCH(QString, expected);
        const auto parsed = sb::chat_response_from_embeddings(answer.toStdString(), 200);
        if (expected.startsWith("error: ")) {
            QVERIFY(!parsed.has_value());
            QCOMPARE(parsed.error().cls, sb::ErrorClass::MalformedResponse);
            QVERIFY2(parsed.error().message.find(expected.mid(7).toStdString()) != std::string::npos,
                     parsed.error().message.c_str());
            return;
        }
        QVERIFY2(parsed.has_value(), parsed ? "" : parsed.error().message.c_str());
        QCOMPARE(parsed->content, expected.toStdString());
        if (answer.contains("prompt_tokens")) QCOMPARE(parsed->usage.input_tokens, std::int64_t(7));
        if (answer.contains(R"("model":"m")")) QCOMPARE(parsed->model, std::string("m"));
    }

    void embeddingsRefusalsNameTheField_data() {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("field");
        QTest::newRow("no model") << QByteArray(R"({"input":"lamp"})") << "model";
        QTest::newRow("no input") << QByteArray(R"({"model":"m"})") << "input";
        QTest::newRow("empty string") << QByteArray(R"({"model":"m","input":""})") << "input";
        QTest::newRow("empty array") << QByteArray(R"({"model":"m","input":[]})") << "input";
        QTest::newRow("empty item") << QByteArray(R"({"model":"m","input":["a",""]})") << "input[1]";
        QTest::newRow("object item") << QByteArray(R"({"model":"m","input":["a",{"x":1}]})") << "input[1]";
        QTest::newRow("negative token") << QByteArray(R"({"model":"m","input":[1,-2]})") << "input";
        QTest::newRow("bad encoding") << QByteArray(R"({"model":"m","input":"a","encoding_format":"int8"})")
                                      << "encoding_format";
        QTest::newRow("zero dimensions") << QByteArray(R"({"model":"m","input":"a","dimensions":0})") << "dimensions";
    }
    void embeddingsRefusalsNameTheField() {
        QFETCH(QByteArray, body);
        QFETCH(QString, field);
        const auto request = sb::chat_request_from_embeddings(nlohmann::json::parse(body.toStdString()));
        QVERIFY(!request.has_value());
        QCOMPARE(request.error().cls, sb::ErrorClass::BadRequest);
        QVERIFY2(request.error().message.starts_with(field.toStdString() + ": "), request.error().message.c_str());
    }

    void buildRequestMatchesSample() {
        auto sample = testing::sample_json("openai/chat-completion-request.json");
        QVERIFY(sample.is_object());
        auto request = sb::chat_request_from_openai(sample["body"]);
        QVERIFY(request.has_value());
        auto adapter = sb::make_provider_adapter(sb::ProviderKind::OpenAI);
        QCOMPARE(adapter->kind(), sb::ProviderKind::OpenAI);
        auto http = adapter->build_request(*request, openai_provider(), "gpt-4o-mini");
        QCOMPARE(http.method, sample["method"].get<std::string>());
        QCOMPARE(http.url, sample["url"].get<std::string>());
        for (const auto& [name, value] : sample["headers"].items()) {
            auto expected = value.get<std::string>();
            if (auto at = expected.find("${OPENAI_API_KEY}"); at != std::string::npos)
                expected.replace(at, std::string("${OPENAI_API_KEY}").size(), kDummyKey);
            QCOMPARE(sb::header_value(http.headers, name), std::optional<std::string_view>(expected));
        }
        auto body = nlohmann::json::parse(http.body);
        QCOMPARE(body.dump(2), sample["body"].dump(2));
    }

    void buildRequestOptions() {
        sb::ChatRequest request;
        request.messages = {{sb::Role::User, "hi", "", {}, ""}};
        request.max_tokens = 50;
        request.stream = true;
        request.stop = {"END"};
        request.extra = {{"response_format", {{"type", "json_object"}}}, {"model", "must-not-win"}};
        request.extra_headers = {{"X-Sim-Fault", "503"}};
        auto provider = openai_provider();
        provider.base_url = "https://proxy.example/v1/";
        provider.openai_version = "2020-10-01";
        provider.organization = "org-123";
        provider.project = "proj_456";
        provider.headers = {{"X-Team", "ops"}};
        provider.timeouts = {std::chrono::milliseconds{1234}, std::chrono::milliseconds{5678},
                             std::chrono::milliseconds{910}};
        auto http =
            sb::make_provider_adapter(sb::ProviderKind::OpenAI)->build_request(request, provider, "gpt-x");
        QCOMPARE(http.url, std::string("https://proxy.example/v1/chat/completions"));
        QCOMPARE(sb::header_value(http.headers, "openai-version"),
                 std::optional<std::string_view>("2020-10-01"));
        QCOMPARE(sb::header_value(http.headers, "openai-organization"),
                 std::optional<std::string_view>("org-123"));
        QCOMPARE(sb::header_value(http.headers, "openai-project"),
                 std::optional<std::string_view>("proj_456"));
        QCOMPARE(sb::header_value(http.headers, "x-team"), std::optional<std::string_view>("ops"));
        QCOMPARE(sb::header_value(http.headers, "x-sim-fault"), std::optional<std::string_view>("503"));
        QCOMPARE(http.connect_timeout.count(), 1234);
        QCOMPARE(http.total_timeout.count(), 5678);
        QCOMPARE(http.idle_timeout.count(), 910);
        auto body = nlohmann::json::parse(http.body);
        QVERIFY(body["model"] == nlohmann::json("gpt-x"));
        QVERIFY(body["max_completion_tokens"] == nlohmann::json(50));
        QVERIFY(!body.contains("max_tokens"));
        QVERIFY(body["stream"] == nlohmann::json(true));
        QVERIFY(body["stream_options"]["include_usage"] == nlohmann::json(true));
        QVERIFY(body["stop"] == nlohmann::json({"END"}));
        QVERIFY(body["response_format"]["type"] == nlohmann::json("json_object"));
    }

    void localServerRequest() {
        sb::ChatRequest request;
        request.messages = {{sb::Role::User, "hi", "", {}, ""}};
        request.max_tokens = 64;
        sb::ProviderConfig provider;
        provider.kind = sb::ProviderKind::OpenAICompatible;
        provider.base_url = "http://127.0.0.1:11434/v1";
        provider.organization = "org-ignored";
        auto adapter = sb::make_provider_adapter(sb::ProviderKind::OpenAICompatible);
        QCOMPARE(adapter->kind(), sb::ProviderKind::OpenAICompatible);
        auto http = adapter->build_request(request, provider, "llama3.2");
        QCOMPARE(http.url, std::string("http://127.0.0.1:11434/v1/chat/completions"));
        QVERIFY(!sb::header_value(http.headers, "authorization").has_value());
        QVERIFY(!sb::header_value(http.headers, "openai-organization").has_value());
        auto body = nlohmann::json::parse(http.body);
        QVERIFY(body["max_tokens"] == nlohmann::json(64));
        QVERIFY(!body.contains("max_completion_tokens"));
        provider.api_key = kDummyKey;
        http = adapter->build_request(request, provider, "llama3.2");
        QCOMPARE(sb::header_value(http.headers, "authorization"),
                 std::optional<std::string_view>("Bearer sk-test-dummy"));
    }

    void parseOpenAIResponse() {
        auto adapter = sb::make_provider_adapter(sb::ProviderKind::OpenAI);
        auto parsed =
            adapter->parse_response(ok_response(testing::read_sample("openai/chat-completion.json")));
        QVERIFY(parsed.has_value());
        QCOMPARE(parsed->id, std::string("chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG"));
        QCOMPARE(parsed->model, std::string("gpt-4o-2024-08-06"));
        QVERIFY(parsed->content.starts_with("The image shows a wooden boardwalk path"));
        QVERIFY(parsed->content.ends_with("Trees and shrubs are visible in the background."));
        QCOMPARE(parsed->finish_reason, std::string("stop"));
        QCOMPARE(parsed->usage, (sb::Usage{1117, 46, 0, 0}));
        QVERIFY(parsed->tool_calls.empty());
    }

    void parseOllamaResponse() {
        auto adapter = sb::make_provider_adapter(sb::ProviderKind::OpenAICompatible);
        auto parsed =
            adapter->parse_response(ok_response(testing::read_sample("ollama/chat-completion.json")));
        QVERIFY(parsed.has_value());
        QCOMPARE(parsed->content, std::string("Hello! How can I assist you today?"));
        QCOMPARE(parsed->model, std::string("llama3.2"));
        QCOMPARE(parsed->finish_reason, std::string("stop"));
        QCOMPARE(parsed->usage, (sb::Usage{22, 10, 0, 0}));
    }

    void parseToolCallsAndDetails() {
        nlohmann::json call = {{"id", "call_1"},
                               {"type", "function"},
                               {"function", {{"name", "get_weather"}, {"arguments", R"({"city":"SF"})"}}}};
        nlohmann::json message = {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", {call}}};
        nlohmann::json body = {
            {"id", "c1"},
            {"model", "m"},
            {"choices", {{{"index", 0}, {"message", message}, {"finish_reason", "tool_calls"}}}},
            {"usage",
             {{"prompt_tokens", 100},
              {"completion_tokens", 20},
              {"prompt_tokens_details", {{"cached_tokens", 64}}},
              {"completion_tokens_details", {{"reasoning_tokens", 12}}}}}};
        auto parsed =
            sb::make_provider_adapter(sb::ProviderKind::OpenAI)->parse_response(ok_response(body.dump()));
        QVERIFY(parsed.has_value());
        QCOMPARE(parsed->content, std::string());
        QCOMPARE(parsed->finish_reason, std::string("tool_calls"));
        QCOMPARE(parsed->tool_calls.size(), std::size_t(1));
        QCOMPARE(parsed->tool_calls[0], (sb::ToolCall{"call_1", "get_weather", R"({"city":"SF"})"}));
        QCOMPARE(parsed->usage, (sb::Usage{100, 20, 64, 12}));
    }

    // The answer is read without a JSON tree (openai_response_reader): it must still read
    // the body as a JSON reader would, whatever the order, escapes or extra fields.
    void answerReadAsAJsonTreeWouldReadIt() {
        const auto parse = [](std::string body) {
            return sb::make_provider_adapter(sb::ProviderKind::OpenAI)->parse_response(ok_response(std::move(body)));
        };
        // Usage before the choices, unknown fields nested deep, a second choice ignored.
        auto reordered = parse(
            R"({"usage":{"completion_tokens_details":{"reasoning_tokens":3},"prompt_tokens":7,)"
            R"("prompt_tokens_details":{"cached_tokens":2,"audio":[{"x":[[[]]]}]},"completion_tokens":5},)"
            R"("system_fingerprint":{"a":[1,{"content":"not this"}]},)"
            R"("choices":[{"finish_reason":"length","logprobs":{"content":[{"token":"x"}]},)"
            R"("message":{"annotations":[{"content":"nor this"}],"content":"Hi","role":"assistant"}},)"
            R"({"message":{"content":"second"}}],"model":"m","id":"c"})");
        QVERIFY(reordered.has_value());
        QCOMPARE(reordered->content, std::string("Hi"));
        QCOMPARE(reordered->finish_reason, std::string("length"));
        QCOMPARE(reordered->usage, (sb::Usage{7, 5, 2, 3}));
        QCOMPARE(reordered->id, std::string("c"));

        // Escapes in values and in keys: "con\u0074ent" is "content".
        // (Not a raw string: moc misreads backslashes in those.)
        auto escaped = parse("{\"choices\":[{\"message\":{\"con\\u0074ent\":"
                             "\"a\\\"b\\\\c\\n\\u00e9\\ud83d\\ude00\"}}]}");
        QVERIFY(escaped.has_value());
        QCOMPARE(escaped->content, std::string("a\"b\\c\n\xC3\xA9\xF0\x9F\x98\x80"));

        // A repeated key counts with its last value, as in a tree.
        auto repeated = parse(
            R"({"choices":[{"message":{"content":"old","tool_calls":[{"function":{"name":"f"}}]}}],)"
            R"("usage":{"prompt_tokens":9},"choices":[{"message":{"content":[{"type":"text","text":"new"}],)"
            R"("content":[{"type":"text","text":"ne"},{"type":"text","text":"west"}]}}],"usage":{"completion_tokens":4}})");
        QVERIFY(repeated.has_value());
        QCOMPARE(repeated->content, std::string("newest"));
        QVERIFY(repeated->tool_calls.empty());
        QCOMPARE(repeated->usage, (sb::Usage{0, 4, 0, 0}));
        auto later_invalid = parse(R"({"choices":[{"message":{"content":"ok","content":7}}]})");
        QVERIFY(!later_invalid.has_value());
        QVERIFY(later_invalid.error().message.find("content is neither text") != std::string::npos);
        auto later_valid = parse(R"({"choices":[{"message":{"content":7,"content":"ok"}}]})");
        QVERIFY(later_valid.has_value());
        QCOMPARE(later_valid->content, std::string("ok"));

        // A part that is not text, and a tool call without a function, are errors.
        QVERIFY(!parse(R"({"choices":[{"message":{"content":[{"type":"text","text":"a"},{"type":"image_url"}]}}]})"));
        auto no_function = parse(R"({"choices":[{"message":{"tool_calls":[{"id":"c","function":null}]}}]})");
        QVERIFY(!no_function.has_value());
        QVERIFY(no_function.error().message.find("tool_calls has an entry without a function") != std::string::npos);

        // A byte order mark is tolerated; trailing text and trailing commas are not JSON, nor is
        // a number beyond double's range, even in a skipped field (a tree refuses it). One that
        // underflows reads as 0, as in a tree.
        QVERIFY(parse("\xEF\xBB\xBF" R"({"choices":[{"message":{"content":"x"}}]})").has_value());
        QVERIFY(parse(R"({"x":1e-400,"choices":[{"message":{"content":"x"}}]})").has_value());
        for (const char* broken : {R"({"choices":[{"message":{}}]} x)", R"({"choices":[{"message":{}}],})",
                                   R"({"choices":[{"message":{"content":"x"}}])", "",
                                   R"({"x":[-1e400],"choices":[{"message":{"content":"x"}}]})"}) {
            auto parsed = parse(broken);
            QVERIFY2(!parsed.has_value(), broken);
            QVERIFY2(parsed.error().message.find("body is not JSON (HTTP 200") != std::string::npos, broken);
        }

        // Nesting as deep as a body can be is read, not refused for depth.
        const std::string deep = R"({"x":)" + std::string(5000, '[') + std::string(5000, ']') +
                                 R"(,"choices":[{"message":{"content":"deep"}}]})";
        auto nested = parse(deep);
        QVERIFY(nested.has_value());
        QCOMPARE(nested->content, std::string("deep"));
    }

    void malformedBodies_data() {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("mention");
        QTest::newRow("not json") << QByteArray("<html>oops</html>") << "body is not JSON";
        QTest::newRow("array") << QByteArray("[]") << "is not a JSON object";
        QTest::newRow("no choices") << QByteArray(R"({"id":"x"})") << "choices[0]";
        QTest::newRow("empty choices") << QByteArray(R"({"choices":[]})") << "choices[0]";
        QTest::newRow("no message") << QByteArray(R"({"choices":[{"index":0}]})") << "choices[0].message";
        QTest::newRow("bad content") << QByteArray(R"({"choices":[{"message":{"content":42}}]})")
                                     << "choices[0].message.content";
    }

    void malformedBodies() {
        QFETCH(QByteArray, body);
        QFETCH(QString, mention);
        auto parsed = sb::make_provider_adapter(sb::ProviderKind::OpenAI)
                          ->parse_response(ok_response(body.toStdString()));
        QVERIFY(!parsed.has_value());
        QCOMPARE(parsed.error().cls, sb::ErrorClass::MalformedResponse);
        QVERIFY2(parsed.error().message.find(mention.toStdString()) != std::string::npos,
                 parsed.error().message.c_str());
        QCOMPARE(parsed.error().http_status, 200);
    }

    void errorResponsesAreClassified() {
        auto sample = testing::error_case("openai/errors.json", "429_insufficient_quota");
        sb::HttpResponse response;
        response.status = 429;
        response.headers = testing::headers_of(sample["headers"]);
        response.body = sample["body"].dump();
        auto parsed = sb::make_provider_adapter(sb::ProviderKind::OpenAI)->parse_response(response);
        QVERIFY(!parsed.has_value());
        QCOMPARE(parsed.error().cls, sb::ErrorClass::QuotaExhausted);

        sb::HttpResponse refused;
        refused.curl_code = 7;
        refused.curl_error = "Failed to connect to 127.0.0.1 port 9";
        auto transport =
            sb::make_provider_adapter(sb::ProviderKind::OpenAICompatible)->parse_response(refused);
        QVERIFY(!transport.has_value());
        QCOMPARE(transport.error().cls, sb::ErrorClass::Network);
    }

    void decodeRecordedStream() {
        auto out =
            testing::decode(sb::ProviderKind::OpenAI, testing::read_sample("openai/chat-completion-stream.txt"));
        QVERIFY2(!out.error, out.error.message.c_str());
        QCOMPARE(
            out.text,
            std::string("I'm unable to provide real-time weather updates. To get the current weather in "
                        "San Francisco, I recommend checking a reliable weather website or a weather app."));
        QCOMPARE(out.finish_reason, std::string("stop"));
        QCOMPARE(out.usage, std::optional(sb::Usage{14, 30, 0, 0}));
        QVERIFY(out.finished);
        QCOMPARE(out.response.content, out.text);
        QCOMPARE(out.response.id, std::string("chatcmpl-ABfw031mOJeYCSHe4yI2ZjOA6kMJL"));
        QCOMPARE(out.response.model, std::string("gpt-4o-2024-08-06"));
    }

    void decodeCurrentStream() {
        auto out = testing::decode(sb::ProviderKind::OpenAI,
                          testing::read_sample("openai/chat-completion-stream-current.txt"));
        QVERIFY2(!out.error, out.error.message.c_str());
        QCOMPARE(out.text, std::string("Hello! How can I assist you today?"));
        QCOMPARE(out.finish_reason, std::string("stop"));
        QCOMPARE(out.usage, std::optional(sb::Usage{19, 10, 0, 0}));
        QVERIFY(out.finished);
    }

    void decodeMidStreamError() {
        auto sample = testing::error_case("openai/errors.json", "sse_midstream_error");
        auto out = testing::decode(sb::ProviderKind::OpenAI, sample["sse"].get<std::string>());
        QCOMPARE(out.error.cls, sb::ErrorClass::ServerTransient);
        QVERIFY(out.error.message.find("The server had an error") != std::string::npos);
        QCOMPARE(out.text, std::string("Hello"));  // what arrived before the error is kept
        QVERIFY(!out.finished);
    }

    void decodeToolCallStream() {
        std::string stream =
            "data: "
            "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,"
            "\"id\":\"call_9\","
            "\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"arguments\":\"\"}}]}}]}\n\n"
            "data: "
            "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
            "\"{\\\"q\\\":\"}}]}}]}\n\n"
            "data: "
            "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
            "\"\\\"x\\\"}\"}}]}}]}\n\n"
            "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n"
            "data: [DONE]\n\n";
        auto out = testing::decode(sb::ProviderKind::OpenAI, stream);
        QVERIFY2(!out.error, out.error.message.c_str());
        QCOMPARE(out.finish_reason, std::string("tool_calls"));
        QCOMPARE(out.response.tool_calls.size(), std::size_t(1));
        QCOMPARE(out.response.tool_calls[0], (sb::ToolCall{"call_9", "lookup", R"({"q":"x"})"}));
    }

    void contentPartsReadAndWrittenBack() {
        const auto body = nlohmann::json::parse(R"({"model":"gpt-4o","messages":[{"role":"user","content":[
            {"type":"text","text":"Is this parcel damaged?"},
            {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"high"}},
            {"type":"image_url","image_url":{"url":"https:\/\/example.com\/parcel.jpg"}},
            {"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}},
            {"type":"file","file":{"file_data":"data:application/pdf;base64,JVBERi0=","filename":"receipt.pdf"}},
            {"type":"file","file":{"file_id":"file-abc"}}]}]})");
        auto request = sb::chat_request_from_openai(body);
        QVERIFY2(request.has_value(), request ? "" : request.error().message.c_str());
        const auto& message = request->messages[0];
        QCOMPARE(message.content, std::string("Is this parcel damaged?"));
        QCOMPARE(message.parts.size(), std::size_t(6));
        QCOMPARE(message.parts[1].kind, sb::ContentPart::Kind::Image);
        QCOMPARE(message.parts[1].media_type, std::string("image/png"));
        QCOMPARE(message.parts[1].data_base64, std::string("iVBORw0KGgo="));
        QCOMPARE(sb::decoded_size(message.parts[1]), std::size_t(8));
        QCOMPARE(message.parts[2].url, std::string("https://example.com/parcel.jpg"));
        QCOMPARE(message.parts[3].media_type, std::string("audio/wav"));
        QCOMPARE(message.parts[4].media_type, std::string("application/pdf"));
        QCOMPARE(message.parts[4].filename, std::string("receipt.pdf"));
        QCOMPARE(message.parts[5].file_id, std::string("file-abc"));
        // To an OpenAI-kind provider every part goes as the client sent it.
        auto sent = nlohmann::json::parse(sb::chat_request_to_openai(*request));
        QCOMPARE(sent["messages"][0]["content"].dump(), body["messages"][0]["content"].dump());
    }

    void badRequestFieldsAreNamed_data() {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("message");
        const auto user = [](const char* part) {
            return QByteArray(R"({"messages":[{"role":"user","content":[{"type":"text","text":"a"},)") + part + "]}]}";
        };
        QTest::newRow("image without url") << user(R"({"type":"image_url","image_url":{}})")
                                           << "messages[0].content[1].image_url.url: must be an http(s) URL or a "
                                              "base64 data: URL";
        QTest::newRow("unknown part") << user(R"({"type":"video"})")
                                      << "messages[0].content[1].type: unsupported content part \"video\"";
        QTest::newRow("audio without format") << user(R"({"type":"input_audio","input_audio":{"data":"AAAA"}})")
                                              << "messages[0].content[1].input_audio.format: is missing (wav or mp3)";
        QTest::newRow("file without data")
            << user(R"({"type":"file","file":{}})") << "messages[0].content[1].file: needs file_data or file_id";
        QTest::newRow("image in a system turn")
            << QByteArray(R"({"messages":[{"role":"system","content":[{"type":"image_url","image_url":{"url":"https:\/\/x.io\/a.png"}}]},{"role":"user","content":"a"}]})")
            << "messages[0].content[0].type: only user messages carry \"image\" parts";
        QTest::newRow("n zero") << QByteArray(R"({"n":0,"messages":[{"role":"user","content":"a"}]})")
                                << "n: must be an integer from 1 to 128";
        QTest::newRow("tools not a list") << QByteArray(R"({"tools":{},"messages":[{"role":"user","content":"a"}]})")
                                          << "tools: must be an array";
        QTest::newRow("tool without name")
            << QByteArray(R"({"tools":[{"type":"function","function":{}}],"messages":[{"role":"user","content":"a"}]})")
            << "tools[0].function.name: is missing";
        QTest::newRow("schema without name")
            << QByteArray(R"({"response_format":{"type":"json_schema","json_schema":{"schema":{}}},"messages":[{"role":"user","content":"a"}]})")
            << "response_format.json_schema.name: is missing";
    }

    void badRequestFieldsAreNamed() {
        QFETCH(QByteArray, body);
        QFETCH(QString, message);
        auto parsed = sb::chat_request_from_openai(nlohmann::json::parse(body.toStdString()));
        QVERIFY(!parsed.has_value());
        QCOMPARE(parsed.error().cls, sb::ErrorClass::BadRequest);
        QCOMPARE(QString::fromStdString(parsed.error().message), message);
    }

    void toolFieldsAreKeptAndSent() {
        const auto body = nlohmann::json::parse(R"({"model":"gpt-4o","n":2,"parallel_tool_calls":false,
            "tools":[{"type":"function","function":{"name":"get_order","parameters":{"type":"object"}}}],
            "tool_choice":{"type":"function","function":{"name":"get_order"}},
            "response_format":{"type":"json_schema","json_schema":{"name":"order","schema":{"type":"object"}}},
            "seed":7,"messages":[{"role":"user","content":"Where is order 12?"}]})");
        auto request = sb::chat_request_from_openai(body);
        QVERIFY(request.has_value());
        QCOMPARE(request->n, 2);
        QCOMPARE(request->parallel_tool_calls, std::optional<bool>(false));
        QVERIFY(request->tools == body["tools"]);
        QVERIFY(request->tool_choice == body["tool_choice"]);
        QVERIFY(request->response_format == body["response_format"]);
        QVERIFY(!request->extra.contains("tools"));
        auto sent = nlohmann::json::parse(sb::chat_request_to_openai(*request));
        for (const char* field : {"n", "parallel_tool_calls", "tools", "tool_choice", "response_format", "seed"})
            QVERIFY2(sent[field] == body[field], field);
        // A request that came in another wire format keeps its own extra fields to itself.
        request->wire = sb::WireApi::AnthropicMessages;
        sent = nlohmann::json::parse(sb::chat_request_to_openai(*request));
        QVERIFY(!sent.contains("seed"));
        QVERIFY(sent["tools"] == body["tools"]);
    }

    void severalChoicesReadAndWritten() {
        const std::string answer = R"({"id":"c1","object":"chat.completion","model":"gpt-4o","choices":[
            {"index":0,"message":{"role":"assistant","content":"First"},"finish_reason":"stop"},
            {"index":1,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_2","type":"function",
              "function":{"name":"get_order","arguments":"{}"}}]},"finish_reason":"tool_calls"}],
            "usage":{"prompt_tokens":5,"completion_tokens":9}})";
        sb::ChatRequest request;
        request.n = 2;
        auto parsed = sb::make_provider_adapter(sb::ProviderKind::OpenAI)->parse_response_for(request, ok_response(answer));
        QVERIFY(parsed.has_value());
        QCOMPARE(parsed->content, std::string("First"));
        QCOMPARE(parsed->more_choices.size(), std::size_t(1));
        QCOMPARE(parsed->more_choices[0].finish_reason, std::string("tool_calls"));
        QCOMPARE(parsed->more_choices[0].tool_calls[0].name, std::string("get_order"));
        const auto written = nlohmann::json::parse(sb::chat_response_to_openai(*parsed, 1));
        QCOMPARE(written["choices"].size(), std::size_t(2));
        QCOMPARE(written["choices"][1]["index"].get<int>(), 1);
        QCOMPARE(written["choices"][1]["message"]["tool_calls"][0]["id"].get<std::string>(), std::string("call_2"));
    }

    void decodeToolCallDeltasAndChoices() {
        std::string stream =
            "data: {\"choices\":[{\"index\":1,\"delta\":{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,"
            "\"id\":\"call_7\",\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"arguments\":\"\"}}]}}]}\n\n"
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n"
            "data: {\"choices\":[{\"index\":1,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
            "\"{}\"}}]}}]}\n\n"
            "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"},"
            "{\"index\":1,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n"
            "data: [DONE]\n\n";
        auto out = testing::decode(sb::ProviderKind::OpenAI, stream);
        QVERIFY2(!out.error, out.error.message.c_str());
        QCOMPARE(out.deltas.size(), std::size_t(5));
        QCOMPARE(out.deltas[0].choice, 1);
        QCOMPARE(out.deltas[0].tool_calls.size(), std::size_t(1));
        QCOMPARE(out.deltas[0].tool_calls[0].id, std::string("call_7"));
        QCOMPARE(out.deltas[0].tool_calls[0].name, std::string("lookup"));
        QCOMPARE(out.deltas[2].tool_calls[0].arguments, std::string("{}"));
        QVERIFY(out.deltas[2].tool_calls[0].id.empty());
        QCOMPARE(out.response.content, std::string("Hi"));
        QCOMPARE(out.response.finish_reason, std::string("stop"));
        QCOMPARE(out.response.more_choices.size(), std::size_t(1));
        QCOMPARE(out.response.more_choices[0].tool_calls[0], (sb::ToolCall{"call_7", "lookup", "{}"}));
    }

    void decodeGarbageChunk() {
        auto out = testing::decode(sb::ProviderKind::OpenAI, "data: {\"choices\":[\n\n");
        QCOMPARE(out.error.cls, sb::ErrorClass::MalformedResponse);
        QVERIFY(out.error.message.find("not a JSON object") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestOpenAIAdapter)
#include "tst_openai_adapter.moc"
