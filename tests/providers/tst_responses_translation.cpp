#include <QTest>

#include "gateway/responses_sse_writer.h"
#include "providers/responses_stream_decoder.h"
#include "providers/responses_translation.h"
#include "transport/sse_parser.h"

// moc reads raw strings as ordinary ones, so the JSON bodies below avoid what would end one
// early or start a comment there: quotes inside strings are \u0022 and URLs https:\/\/….
namespace {

using nlohmann::json;

// QCOMPARE cannot take nlohmann::json (its conversion to any type defeats Qt's overloads):
// values are compared as their text, which a failure then shows.
#define QCOMPARE_JSON(actual, expected) QCOMPARE(json(actual).dump(), json(expected).dump())

sb::ChatRequest translated(const char* body) {
    auto request = sb::chat_request_from_responses(json::parse(body));
    if (!request) qFatal("translation refused: %s", request.error().message.c_str());
    return std::move(*request);
}

struct Event {
    std::string name;
    json data;
};

// Events as a client reads them: the real SSE parser, each data parsed as JSON.
std::vector<Event> parse_events(const std::string& stream) {
    std::vector<Event> events;
    sb::SseParser parser;
    parser.feed(stream, [&](sb::SseEvent&& event) {
        events.push_back({event.event, json::parse(event.data)});
    });
    return events;
}

std::vector<std::string> names_of(const std::vector<Event>& events) {
    std::vector<std::string> names;
    for (const auto& event : events) names.push_back(event.name);
    return names;
}

// A Responses stream's deltas as the engine sees them: the real SSE parser feeding the decoder.
struct DecodedStream {
    std::vector<sb::StreamDelta> deltas;
    sb::Error error;
    bool finished = false;
    sb::ChatResponse response;
};

DecodedStream decode_stream(const std::string& stream) {
    sb::ResponsesStreamDecoder decoder;
    DecodedStream out;
    sb::SseParser parser;
    parser.feed(stream, [&](sb::SseEvent&& event) {
        if (!out.error) out.error = decoder.on_event(event.event, event.data, out.deltas);
    });
    out.finished = decoder.finished();
    out.response = decoder.response();
    return out;
}

std::string sse(std::string_view name, const json& data) {
    return "event: " + std::string(name) + "\ndata: " + data.dump() + "\n\n";
}

const char* kUpstreamAnswer = R"({
  "id":"resp_up1","object":"response","created_at":1741476542,"status":"completed","model":"gpt-4.1-2025-04-14",
  "error":null,"incomplete_details":null,
  "output":[
    {"type":"reasoning","id":"rs_1","summary":[]},
    {"type":"message","id":"msg_1","status":"completed","role":"assistant",
     "content":[{"type":"output_text","text":"Hello","annotations":[]},{"type":"output_text","text":" world","annotations":[]}]}
  ],
  "usage":{"input_tokens":10,"input_tokens_details":{"cached_tokens":2},
           "output_tokens":5,"output_tokens_details":{"reasoning_tokens":1},"total_tokens":15}})";

}  // namespace

class TestResponsesTranslation : public QObject {
    Q_OBJECT

private slots:
    void readsInstructionsAndStringInput() {
        const char* body =
            R"({"model":"gpt-4.1","instructions":"Be brief.","input":"hi","max_output_tokens":50,
                              "temperature":0.5,"top_p":0.9,"stream":true,"store":false,"metadata":{"k":"v"}})";
        auto request = translated(body);
        QCOMPARE(request.wire, sb::WireApi::OpenAIResponses);
        QCOMPARE_JSON(request.passthrough_body, json::parse(body));
        QCOMPARE(request.model, std::string("gpt-4.1"));
        QCOMPARE(request.messages.size(), std::size_t(2));
        QCOMPARE(request.messages[0].role, sb::Role::System);
        QCOMPARE(request.messages[0].content, std::string("Be brief."));
        QCOMPARE(request.messages[1].role, sb::Role::User);
        QCOMPARE(request.messages[1].content, std::string("hi"));
        QCOMPARE(request.max_tokens, std::optional<int>(50));
        QCOMPARE(request.temperature, std::optional<double>(0.5));
        QCOMPARE(request.top_p, std::optional<double>(0.9));
        QVERIFY(request.stream);
        // Fields with no chat translation stay out of the neutral request's own fields.
        QCOMPARE_JSON(request.extra, json::parse(R"({"store":false,"metadata":{"k":"v"}})"));
    }

    void readsMessageItemsWithMedia() {
        auto request = translated(R"({"model":"m","input":[
            {"type":"message","role":"developer","content":"Answer in French."},
            {"role":"user","content":[
              {"type":"input_text","text":"What is "},
              {"type":"input_image","image_url":"data:image/png;base64,iVBORw0K","detail":"low"},
              {"type":"input_image","image_url":"https:\/\/example.com/cat.jpg"},
              {"type":"input_file","file_data":"data:application/pdf;base64,JVBERi0x","filename":"a.pdf"},
              {"type":"input_file","file_id":"file-123"},
              {"type":"input_text","text":"this?"}]},
            {"type":"message","role":"assistant","content":[{"type":"output_text","text":"A cat."}]}]})");
        QCOMPARE(request.messages.size(), std::size_t(3));
        QCOMPARE(request.messages[0].role, sb::Role::System);
        const auto& user = request.messages[1];
        QCOMPARE(user.content, std::string("What is this?"));
        QCOMPARE(user.parts.size(), std::size_t(6));
        QCOMPARE(user.parts[0].kind, sb::ContentPart::Kind::Text);
        QCOMPARE(user.parts[1].kind, sb::ContentPart::Kind::Image);
        QCOMPARE(user.parts[1].media_type, std::string("image/png"));
        QCOMPARE(user.parts[1].data_base64, std::string("iVBORw0K"));
        QCOMPARE(user.parts[1].detail, std::string("low"));
        QCOMPARE(user.parts[2].url, std::string("https://example.com/cat.jpg"));
        QCOMPARE(user.parts[3].kind, sb::ContentPart::Kind::File);
        QCOMPARE(user.parts[3].media_type, std::string("application/pdf"));
        QCOMPARE(user.parts[3].data_base64, std::string("JVBERi0x"));
        QCOMPARE(user.parts[3].filename, std::string("a.pdf"));
        QCOMPARE(user.parts[4].file_id, std::string("file-123"));
        QCOMPARE(user.parts[5].text, std::string("this?"));
        // Text alone keeps no parts.
        QCOMPARE(request.messages[2].role, sb::Role::Assistant);
        QCOMPARE(request.messages[2].content, std::string("A cat."));
        QVERIFY(request.messages[2].parts.empty());
    }

    void readsFunctionCallsAndTheirOutputs() {
        auto request = translated(R"({"model":"m","input":[
            {"role":"user","content":"Weather in Paris and Rome?"},
            {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Checking."}]},
            {"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather","arguments":"{\u0022city\u0022:\u0022Paris\u0022}"},
            {"type":"function_call","id":"fc_2","call_id":"call_2","name":"get_weather","arguments":"{\u0022city\u0022:\u0022Rome\u0022}"},
            {"type":"function_call_output","call_id":"call_1","output":"18C"},
            {"type":"function_call_output","call_id":"call_2","output":[{"type":"input_text","text":"21"},{"type":"input_text","text":"C"}]},
            {"type":"reasoning","id":"rs_1","summary":[]}]})");
        QCOMPARE(request.messages.size(), std::size_t(4));
        // The text and both calls are one assistant turn, as chat has it.
        const auto& assistant = request.messages[1];
        QCOMPARE(assistant.role, sb::Role::Assistant);
        QCOMPARE(assistant.content, std::string("Checking."));
        QCOMPARE(assistant.tool_calls.size(), std::size_t(2));
        QCOMPARE(assistant.tool_calls[0], (sb::ToolCall{"call_1", "get_weather", R"({"city":"Paris"})"}));
        QCOMPARE(assistant.tool_calls[1], (sb::ToolCall{"call_2", "get_weather", R"({"city":"Rome"})"}));
        QCOMPARE(request.messages[2].role, sb::Role::Tool);
        QCOMPARE(request.messages[2].tool_call_id, std::string("call_1"));
        QCOMPARE(request.messages[2].content, std::string("18C"));
        QCOMPARE(request.messages[3].tool_call_id, std::string("call_2"));
        QCOMPARE(request.messages[3].content, std::string("21C"));
    }

    void readsToolsToolChoiceAndTextFormat() {
        auto request = translated(R"({"model":"m","input":"hi",
            "tools":[{"type":"function","name":"get_weather","description":"Weather","parameters":{"type":"object"},"strict":true},
                     {"type":"web_search"}],
            "tool_choice":{"type":"function","name":"get_weather"},"parallel_tool_calls":false,
            "text":{"format":{"type":"json_schema","name":"w","schema":{"type":"object"},"strict":true}}})");
        QCOMPARE_JSON(
            request.tools,
            json::parse(R"([{"type":"function","function":{"name":"get_weather","description":"Weather",
                                                 "parameters":{"type":"object"},"strict":true}}])"));
        QCOMPARE_JSON(request.tool_choice,
                      json::parse(R"({"type":"function","function":{"name":"get_weather"}})"));
        QCOMPARE(request.parallel_tool_calls, std::optional<bool>(false));
        QCOMPARE_JSON(request.response_format, json::parse(R"({"type":"json_schema","json_schema":{"name":"w",
                                                          "schema":{"type":"object"},"strict":true}})"));

        auto plain =
            translated(R"({"input":"hi","tool_choice":"required","text":{"format":{"type":"json_object"}}})");
        QCOMPARE_JSON(plain.tool_choice, json("required"));
        QCOMPARE_JSON(plain.response_format, json::parse(R"({"type":"json_object"})"));
        QVERIFY(plain.tools.is_null());

        auto text = translated(R"({"input":"hi","text":{"format":{"type":"text"}}})");
        QVERIFY(text.response_format.is_null());
    }

    void refusesNamingThePath_data() {
        QTest::addColumn<QString>("body");
        QTest::addColumn<QString>("message");
        QTest::newRow("content part")
            << R"({"input":[{"role":"user","content":[{"type":"input_video"}]}]})"
            << R"(input[0].content[0].type: unsupported content part "input_video")";
        QTest::newRow("role") << R"({"input":[{"role":"robot","content":"x"}]})"
                              << R"(input[0].role: unknown role "robot")";
        QTest::newRow("item type") << R"({"input":["hi",{"content":"x"}]})"
                                   << "input[0]: must be an object";
        QTest::newRow("no type or role") << R"({"input":[{"content":"x"}]})"
                                         << "input[0].type: is missing";
        QTest::newRow("call id") << R"({"input":[{"type":"function_call","name":"f","arguments":"{}"}]})"
                                 << "input[0].call_id: is missing";
        QTest::newRow("output") << R"({"input":[{"type":"function_call_output","call_id":"c"}]})"
                                << "input[0].output: must be a string or an array of parts";
        QTest::newRow("media in assistant turn")
            << R"({"input":[{"role":"assistant","content":[{"type":"input_image","image_url":"https:\/\/x/y.png"}]}]})"
            << R"(input[0].content[0].type: only user messages carry "image" parts)";
        QTest::newRow("image url")
            << R"({"input":[{"role":"user","content":[{"type":"input_image","image_url":"ftp:\/\/x"}]}]})"
            << "input[0].content[0].image_url: must be an http(s) URL or a base64 data: URL";
        QTest::newRow("file")
            << R"({"input":[{"role":"user","content":[{"type":"input_file","filename":"a.pdf"}]}]})"
            << "input[0].content[0]: input_file needs file_data, file_id or file_url";
        QTest::newRow("input") << R"({"input":5})"
                               << "input: must be a string or an array of items";
        QTest::newRow("tool name") << R"({"input":"hi","tools":[{"type":"function"}]})"
                                   << "tools[0].name: is missing";
        QTest::newRow("tool choice") << R"({"input":"hi","tool_choice":"sometimes"})"
                                     << R"(tool_choice: must be "auto", "none", "required" or an object)";
        QTest::newRow("schema name")
            << R"({"input":"hi","text":{"format":{"type":"json_schema","schema":{}}}})"
            << "text.format.name: is missing";
        QTest::newRow("max tokens") << R"({"input":"hi","max_output_tokens":0})"
                                    << "max_output_tokens: must be from 1 to 2147483647";
        QTest::newRow("stream") << R"({"input":"hi","stream":"yes"})"
                                << "stream: must be a boolean";
    }

    void refusesNamingThePath() {
        QFETCH(QString, body);
        QFETCH(QString, message);
        auto request = sb::chat_request_from_responses(json::parse(body.toStdString()));
        QVERIFY(!request);
        QCOMPARE(request.error().cls, sb::ErrorClass::BadRequest);
        QCOMPARE(QString::fromStdString(request.error().message), message);
    }

    void namesWhatOnlyOpenAICanDo_data() {
        QTest::addColumn<QString>("body");
        QTest::addColumn<QString>("reason");
        QTest::newRow("plain") << R"({"input":"hi","tools":[{"type":"function","name":"f"}],"store":true})"
                               << "";
        QTest::newRow("reasoning items are dropped")
            << R"({"input":[{"role":"user","content":"hi"},{"type":"reasoning","id":"rs_1","summary":[]}]})"
            << "";
        QTest::newRow("previous response")
            << R"({"input":"hi","previous_response_id":"resp_1"})"
            << "previous_response_id: stored conversation state needs an OpenAI target";
        QTest::newRow("conversation") << R"({"input":"hi","conversation":"conv_1"})"
                                      << "conversation: stored conversation state needs an OpenAI target";
        QTest::newRow("background") << R"({"input":"hi","background":true})"
                                    << "background: background responses need an OpenAI target";
        QTest::newRow("not in background") << R"({"input":"hi","background":false})"
                                           << "";
        QTest::newRow("prompt") << R"({"input":"hi","prompt":{"id":"pmpt_1"}})"
                                << "prompt: stored prompts need an OpenAI target";
        QTest::newRow("item reference")
            << R"({"input":[{"role":"user","content":"hi"},{"type":"item_reference","id":"msg_1"}]})"
            << R"(input[1]: "item_reference" items need an OpenAI target)";
        QTest::newRow("built-in tool")
            << R"({"input":"hi","tools":[{"type":"function","name":"f"},{"type":"web_search"}]})"
            << R"(tools[1]: built-in tool "web_search" needs an OpenAI target)";
        QTest::newRow("built-in tool choice") << R"({"input":"hi","tool_choice":{"type":"file_search"}})"
                                              << R"(tool_choice: "file_search" needs an OpenAI target)";
        QTest::newRow("image tool result")
            << R"({"input":[{"role":"user","content":"hi"},{"type":"function_call_output","call_id":"c",
                   "output":[{"type":"input_text","text":"see"},{"type":"input_image","image_url":"https:\/\/x/y.png"}]}]})"
            << R"(input[1].output[1]: "input_image" tool results need an OpenAI target)";
    }

    void namesWhatOnlyOpenAICanDo() {
        QFETCH(QString, body);
        QFETCH(QString, reason);
        // The translation takes these requests: an OpenAI target gets the body passed through.
        auto request = translated(body.toUtf8().constData());
        const auto why = sb::responses_untranslatable(request);
        QCOMPARE(QString::fromStdString(why.value_or("")), reason);
    }

    void untranslatableNeedsAResponsesBody() {
        sb::ChatRequest chat;
        chat.messages = {sb::Message{.role = sb::Role::User, .content = "hi"}};
        QCOMPARE(sb::responses_untranslatable(chat), std::nullopt);
    }

    void readsAnUpstreamAnswer() {
        auto answer = sb::chat_response_from_responses(kUpstreamAnswer, 200);
        QVERIFY2(answer.has_value(), answer ? "" : answer.error().message.c_str());
        QCOMPARE(answer->id, std::string("resp_up1"));
        QCOMPARE(answer->model, std::string("gpt-4.1-2025-04-14"));
        QCOMPARE(answer->content, std::string("Hello world"));
        QVERIFY(answer->tool_calls.empty());
        QCOMPARE(answer->finish_reason, std::string("stop"));
        QCOMPARE(answer->usage, (sb::Usage{10, 5, 2, 1}));
        QCOMPARE(answer->passthrough_body, std::string(kUpstreamAnswer));
    }

    void readsAnUpstreamFunctionCall() {
        auto answer =
            sb::chat_response_from_responses(R"({"id":"resp_2","status":"completed","model":"m","output":[
            {"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather","arguments":"{\u0022city\u0022:\u0022SF\u0022}","status":"completed"}],
            "usage":{"input_tokens":3,"output_tokens":4}})",
                                             200);
        QVERIFY(answer.has_value());
        QCOMPARE(answer->tool_calls.size(), std::size_t(1));
        QCOMPARE(answer->tool_calls[0], (sb::ToolCall{"call_1", "get_weather", R"({"city":"SF"})"}));
        QCOMPARE(answer->finish_reason, std::string("tool_calls"));
        QCOMPARE(answer->usage.total(), std::int64_t(7));
    }

    void readsAnIncompleteUpstreamAnswer() {
        auto truncated = sb::chat_response_from_responses(
            R"({"id":"r","status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},"output":[]})",
            200);
        QVERIFY(truncated.has_value());
        QCOMPARE(truncated->finish_reason, std::string("length"));
        auto filtered = sb::chat_response_from_responses(
            R"({"id":"r","status":"incomplete","incomplete_details":{"reason":"content_filter"},"output":[]})",
            200);
        QVERIFY(filtered.has_value());
        QCOMPARE(filtered->finish_reason, std::string("content_filter"));
    }

    void refusesAMalformedUpstreamAnswer() {
        auto garbage = sb::chat_response_from_responses("<html>", 200);
        QVERIFY(!garbage);
        QCOMPARE(garbage.error().cls, sb::ErrorClass::MalformedResponse);
        QCOMPARE(garbage.error().http_status, 200);
        QVERIFY(garbage.error().message.find("is not JSON") != std::string::npos);
        auto no_output = sb::chat_response_from_responses(R"({"id":"r","status":"completed"})", 200);
        QVERIFY(!no_output);
        QCOMPARE(no_output.error().cls, sb::ErrorClass::MalformedResponse);
        QVERIFY(no_output.error().message.find("has no output array") != std::string::npos);
        auto failed = sb::chat_response_from_responses(
            R"({"id":"r","status":"failed","error":{"code":"rate_limit_exceeded","message":"slow down"},"output":[]})",
            200);
        QVERIFY(!failed);
        QCOMPARE(failed.error().cls, sb::ErrorClass::RateLimited);
    }

    void writesTheResponsesObject() {
        auto request =
            translated(R"({"model":"gpt-x","instructions":"Be brief.","input":"weather?","metadata":{"k":"v"},
            "temperature":0.2,"tools":[{"type":"function","name":"get_weather","parameters":{"type":"object"}}]})");
        sb::ChatResponse answer;
        answer.model = "claude-x";
        answer.content = "Let me check.";
        answer.tool_calls = {{"call_1", "get_weather", R"({"city":"SF"})"}, {"", "get_time", "{}"}};
        answer.finish_reason = "tool_calls";
        answer.usage = {12, 7, 3, 0};
        const auto object =
            json::parse(sb::chat_response_to_responses(answer, request, "resp_abc", 1700000000));
        // Every field openai-node's Response type requires (output_text is the SDK's own).
        for (const char* name :
             {"id", "created_at", "error", "incomplete_details", "instructions", "metadata", "model",
              "object", "output", "parallel_tool_calls", "temperature", "tool_choice", "tools", "top_p"})
            QVERIFY2(object.contains(name), name);
        QCOMPARE_JSON(object["id"], json("resp_abc"));
        QCOMPARE_JSON(object["object"], json("response"));
        QCOMPARE_JSON(object["created_at"], json(1700000000));
        QCOMPARE_JSON(object["status"], json("completed"));
        QVERIFY(object["error"].is_null());
        QVERIFY(object["incomplete_details"].is_null());
        QCOMPARE_JSON(object["instructions"], json("Be brief."));
        QCOMPARE_JSON(object["metadata"], json::parse(R"({"k":"v"})"));
        QCOMPARE_JSON(object["model"], json("claude-x"));
        QCOMPARE_JSON(object["temperature"], json(0.2));
        QCOMPARE_JSON(object["top_p"], json(1.0));
        QCOMPARE_JSON(object["parallel_tool_calls"], json(true));
        QCOMPARE_JSON(object["tool_choice"], json("auto"));
        QCOMPARE_JSON(
            object["tools"],
            json::parse(
                R"([{"type":"function","name":"get_weather","parameters":{"type":"object"},"strict":null}])"));
        QCOMPARE_JSON(object["text"], json::parse(R"({"format":{"type":"text"}})"));
        QCOMPARE_JSON(object["usage"],
                      json::parse(R"({"input_tokens":12,"input_tokens_details":{"cached_tokens":3},
            "output_tokens":7,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":19})"));
        const auto& output = object["output"];
        QCOMPARE(output.size(), std::size_t(3));
        QCOMPARE_JSON(output[0]["type"], json("message"));
        QVERIFY(output[0]["id"].get<std::string>().starts_with("msg_"));
        QCOMPARE_JSON(output[0]["role"], json("assistant"));
        QCOMPARE_JSON(output[0]["status"], json("completed"));
        QCOMPARE_JSON(
            output[0]["content"],
            json::parse(R"([{"type":"output_text","annotations":[],"logprobs":[],"text":"Let me check."}])"));
        QCOMPARE_JSON(output[1]["type"], json("function_call"));
        QVERIFY(output[1]["id"].get<std::string>().starts_with("fc_"));
        QCOMPARE_JSON(output[1]["call_id"], json("call_1"));
        QCOMPARE_JSON(output[1]["name"], json("get_weather"));
        QCOMPARE_JSON(output[1]["arguments"], json(R"({"city":"SF"})"));
        QCOMPARE_JSON(output[1]["status"], json("completed"));
        // A call without an id still gets a call_id, and no two items share an id.
        QVERIFY(!output[2]["call_id"].get<std::string>().empty());
        QVERIFY(output[2]["id"] != output[1]["id"]);
        QVERIFY(output[2]["call_id"] != output[1]["call_id"]);
    }

    void writesAnIncompleteObjectAndPassesThrough() {
        auto request = translated(R"({"model":"m","input":"hi","max_output_tokens":5,
            "text":{"format":{"type":"json_schema","name":"w","schema":{"type":"object"},"strict":true}}})");
        sb::ChatResponse answer;
        answer.content = "{\"a\":";
        answer.finish_reason = "length";
        const auto object = json::parse(sb::chat_response_to_responses(answer, request, "resp_1", 1));
        QCOMPARE_JSON(object["status"], json("incomplete"));
        QCOMPARE_JSON(object["incomplete_details"], json::parse(R"({"reason":"max_output_tokens"})"));
        QCOMPARE_JSON(object["max_output_tokens"], json(5));
        QCOMPARE_JSON(object["model"], json("m"));
        QCOMPARE_JSON(
            object["text"],
            json::parse(
                R"({"format":{"type":"json_schema","name":"w","schema":{"type":"object"},"strict":true}})"));

        answer.passthrough_body = kUpstreamAnswer;
        QCOMPARE(sb::chat_response_to_responses(answer, request, "resp_1", 1), std::string(kUpstreamAnswer));
    }

    void writerOrdersTextThenAToolCall() {
        auto request = translated(R"({"model":"gpt-x","input":"weather?"})");
        sb::ResponsesSseWriter writer(request, "resp_s1", 1700000000, "gpt-x");
        std::string stream;
        stream += writer.on_delta(sb::StreamDelta{.content = "Hel"});
        stream += writer.on_delta(sb::StreamDelta{.content = "lo"});
        stream += writer.on_delta(sb::StreamDelta{.tool_calls = {{0, "call_9", "lookup", ""}}});
        stream += writer.on_delta(sb::StreamDelta{.tool_calls = {{0, "", "", "{\"q\":"}}});
        stream += writer.on_delta(sb::StreamDelta{.tool_calls = {{0, "", "", "1}"}}});
        stream +=
            writer.on_delta(sb::StreamDelta{.finish_reason = "tool_calls", .usage = sb::Usage{4, 6, 0, 0}});
        sb::ChatResponse final_answer;
        final_answer.model = "claude-x";
        final_answer.content = "Hello";
        final_answer.tool_calls = {{"call_9", "lookup", "{\"q\":1}"}};
        final_answer.finish_reason = "tool_calls";
        final_answer.usage = {4, 6, 0, 0};
        stream += writer.finish(final_answer);

        const auto events = parse_events(stream);
        const std::vector<std::string> expected = {"response.created",
                                                   "response.in_progress",
                                                   "response.output_item.added",
                                                   "response.content_part.added",
                                                   "response.output_text.delta",
                                                   "response.output_text.delta",
                                                   "response.output_text.done",
                                                   "response.content_part.done",
                                                   "response.output_item.done",
                                                   "response.output_item.added",
                                                   "response.function_call_arguments.delta",
                                                   "response.function_call_arguments.delta",
                                                   "response.function_call_arguments.done",
                                                   "response.output_item.done",
                                                   "response.completed"};
        QCOMPARE(names_of(events), expected);
        // What openai-node's accumulator checks, replayed.
        std::vector<json> output;
        for (std::size_t i = 0; i < events.size(); ++i) {
            const auto& [name, data] = events[i];
            QCOMPARE_JSON(data["type"], json(name));
            QCOMPARE_JSON(data["sequence_number"], json(i));
            if (name == "response.output_item.added") {
                QCOMPARE_JSON(data["output_index"], json(output.size()));
                QVERIFY(!data["item"]["id"].get<std::string>().empty());
                output.push_back(data["item"]);
            } else if (data.contains("item_id")) {
                const auto& item = output.at(data["output_index"].get<std::size_t>());
                QCOMPARE_JSON(data["item_id"], item["id"]);
                const bool text_event =
                    name.starts_with("response.output_text") || name.starts_with("response.content_part");
                QCOMPARE_JSON(item["type"], json(text_event ? "message" : "function_call"));
            }
        }
        QCOMPARE_JSON(events[0].data["response"]["status"], json("in_progress"));
        QCOMPARE_JSON(events[0].data["response"]["output"], json::array());
        QCOMPARE_JSON(output[1]["call_id"], json("call_9"));
        QCOMPARE_JSON(output[1]["arguments"], json(""));
        QCOMPARE_JSON(events[6].data["text"], json("Hello"));
        QCOMPARE_JSON(events[12].data["arguments"], json("{\"q\":1}"));
        const auto& completed = events.back().data["response"];
        QCOMPARE_JSON(completed["status"], json("completed"));
        QCOMPARE_JSON(completed["model"], json("claude-x"));
        QCOMPARE_JSON(completed["usage"]["total_tokens"], json(10));
        QCOMPARE(completed["output"].size(), std::size_t(2));
        QCOMPARE_JSON(completed["output"][0]["id"], output[0]["id"]);
        QCOMPARE_JSON(completed["output"][0]["content"][0]["text"], json("Hello"));
        QCOMPARE_JSON(completed["output"][1]["id"], output[1]["id"]);
        QCOMPARE_JSON(completed["output"][1]["arguments"], json("{\"q\":1}"));
    }

    void writerWritesAWholeAnswerAndAFailure() {
        auto request = translated(R"({"model":"m","input":"hi"})");
        sb::ResponsesSseWriter whole(request, "resp_w", 1, "m");
        sb::ChatResponse answer;
        answer.content = "Hi";
        answer.tool_calls = {{"call_1", "f", "{}"}};
        answer.finish_reason = "length";
        const auto events = parse_events(whole.finish(answer));
        QCOMPARE(events.front().name, std::string("response.created"));
        QCOMPARE(events.back().name, std::string("response.incomplete"));
        QCOMPARE_JSON(events.back().data["response"]["incomplete_details"]["reason"],
                      json("max_output_tokens"));
        QCOMPARE(events.back().data["response"]["output"].size(), std::size_t(2));

        sb::ResponsesSseWriter failing(request, "resp_f", 1, "m");
        const auto begun = parse_events(failing.on_delta(sb::StreamDelta{.content = "par"}));
        sb::GatewayError error;
        error.message = "The upstream provider is overloaded";
        error.type = "server_error";
        const auto failure = parse_events(failing.failure(error));
        QCOMPARE(failure.size(), std::size_t(1));
        QCOMPARE(failure[0].name, std::string("error"));
        QCOMPARE_JSON(failure[0].data["sequence_number"], json(begun.size()));
        QCOMPARE_JSON(failure[0].data["code"], json("server_error"));
        QCOMPARE_JSON(failure[0].data["message"], json("The upstream provider is overloaded"));
        QVERIFY(failure[0].data["param"].is_null());
        QVERIFY(!failure[0].data.contains("error"));  // a top-level error key reads as another error
    }

    void writerPassesUpstreamEventsThrough() {
        auto request = translated(R"({"model":"m","input":"hi"})");
        sb::ResponsesSseWriter writer(request, "resp_p", 1, "m");
        const std::string data =
            R"({"type":"response.created","sequence_number":0,"response":{"id":"resp_up"}})";
        QCOMPARE(
            writer.on_delta(sb::StreamDelta{.responses_event = "response.created", .responses_data = data}),
            "event: response.created\ndata: " + data + "\n\n");
        const std::string text = R"({"type":"response.output_text.delta","sequence_number":1,"delta":"Hi"})";
        // The metering the delta also carries is not written a second time.
        QCOMPARE(
            writer.on_delta(sb::StreamDelta{
                .content = "Hi", .responses_event = "response.output_text.delta", .responses_data = text}),
            "event: response.output_text.delta\ndata: " + text + "\n\n");
        QCOMPARE(writer.finish(sb::ChatResponse{.content = "Hi", .passthrough_body = "{}"}), std::string());
        const auto failure = parse_events(writer.failure(sb::GatewayError{}));
        QCOMPARE_JSON(failure[0].data["sequence_number"], json(2));
    }

    void decoderForwardsEveryEventAndMeters() {
        const json completed_response =
            json::parse(R"({"id":"resp_u","object":"response","status":"completed","model":"gpt-4.1",
            "output":[{"type":"message","id":"msg_1","status":"completed","role":"assistant",
                       "content":[{"type":"output_text","text":"Hi there","annotations":[]}]},
                      {"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather","arguments":"{\u0022c\u0022:1}","status":"completed"}],
            "usage":{"input_tokens":9,"input_tokens_details":{"cached_tokens":4},"output_tokens":3,
                     "output_tokens_details":{"reasoning_tokens":0},"total_tokens":12}})");
        const json in_progress = {
            {"id", "resp_u"}, {"status", "in_progress"}, {"model", "gpt-4.1"}, {"output", json::array()}};
        std::vector<std::pair<std::string, json>> upstream = {
            {"response.created", {{"response", in_progress}}},
            {"response.in_progress", {{"response", in_progress}}},
            {"response.output_item.added",
             {{"output_index", 0},
              {"item", {{"type", "message"}, {"id", "msg_1"}, {"content", json::array()}}}}},
            {"response.content_part.added",
             {{"item_id", "msg_1"}, {"output_index", 0}, {"content_index", 0}}},
            {"response.output_text.delta",
             {{"item_id", "msg_1"}, {"output_index", 0}, {"content_index", 0}, {"delta", "Hi"}}},
            {"response.output_text.delta",
             {{"item_id", "msg_1"}, {"output_index", 0}, {"content_index", 0}, {"delta", " there"}}},
            {"response.output_item.added",
             {{"output_index", 1},
              {"item",
               {{"type", "function_call"},
                {"id", "fc_1"},
                {"call_id", "call_1"},
                {"name", "get_weather"},
                {"arguments", ""}}}}},
            {"response.function_call_arguments.delta",
             {{"item_id", "fc_1"}, {"output_index", 1}, {"delta", "{\"c\":"}}},
            {"response.function_call_arguments.delta",
             {{"item_id", "fc_1"}, {"output_index", 1}, {"delta", "1}"}}},
            {"response.completed", {{"response", completed_response}}},
        };
        std::string stream;
        for (std::size_t i = 0; i < upstream.size(); ++i) {
            auto data = upstream[i].second;
            data["type"] = upstream[i].first;
            data["sequence_number"] = i;
            upstream[i].second = data;
            stream += sse(upstream[i].first, data);
        }
        const auto out = decode_stream(stream + "data: [DONE]\n\n");
        QVERIFY2(!out.error, out.error.message.c_str());
        QVERIFY(out.finished);
        // Every event, once and in order, as it came.
        QCOMPARE(out.deltas.size(), upstream.size());
        for (std::size_t i = 0; i < upstream.size(); ++i) {
            QCOMPARE(out.deltas[i].responses_event, upstream[i].first);
            QCOMPARE_JSON(json::parse(out.deltas[i].responses_data), upstream[i].second);
        }
        QCOMPARE(out.deltas[4].content, std::string("Hi"));
        QCOMPARE(out.deltas[5].content, std::string(" there"));
        QCOMPARE(out.deltas[6].tool_calls.size(), std::size_t(1));
        QCOMPARE(out.deltas[6].tool_calls[0].index, 0);
        QCOMPARE(out.deltas[6].tool_calls[0].id, std::string("call_1"));
        QCOMPARE(out.deltas[6].tool_calls[0].name, std::string("get_weather"));
        QCOMPARE(out.deltas[7].tool_calls[0].arguments, std::string("{\"c\":"));
        QVERIFY(out.deltas[7].tool_calls[0].id.empty());
        QCOMPARE(out.deltas.back().finish_reason, std::string("tool_calls"));
        QCOMPARE(out.deltas.back().usage, std::optional<sb::Usage>(sb::Usage{9, 3, 4, 0}));
        QCOMPARE(out.response.id, std::string("resp_u"));
        QCOMPARE(out.response.content, std::string("Hi there"));
        QCOMPARE(out.response.tool_calls.size(), std::size_t(1));
        QCOMPARE(out.response.tool_calls[0], (sb::ToolCall{"call_1", "get_weather", "{\"c\":1}"}));
        QCOMPARE_JSON(json::parse(out.response.passthrough_body), completed_response);
    }

    void decoderSendsNothingOfAResponseThatFailsBeforeAnswering() {
        const json created = {{"type", "response.created"},
                              {"sequence_number", 0},
                              {"response", {{"id", "resp_x"}, {"status", "in_progress"}}}};
        const json failed = {
            {"type", "response.failed"},
            {"sequence_number", 1},
            {"response",
             {{"id", "resp_x"},
              {"status", "failed"},
              {"output", json::array()},
              {"error", {{"code", "rate_limit_exceeded"}, {"message", "Rate limit reached"}}}}}};
        const auto out = decode_stream(sse("response.created", created) + sse("response.failed", failed));
        QCOMPARE(out.error.cls, sb::ErrorClass::RateLimited);
        // Nothing went out, so the engine may still try another target.
        QVERIFY(out.deltas.empty());

        const json error = {{"type", "error"},
                            {"sequence_number", 3},
                            {"code", "server_is_overloaded"},
                            {"message", "busy"},
                            {"param", nullptr}};
        const auto errored = decode_stream(sse("response.created", created) + sse("error", error));
        QCOMPARE(errored.error.cls, sb::ErrorClass::Overloaded);
        QVERIFY(!errored.finished);

        const auto garbage = decode_stream("event: response.created\ndata: {nope\n\n");
        QCOMPARE(garbage.error.cls, sb::ErrorClass::MalformedResponse);
    }
};

QTEST_GUILESS_MAIN(TestResponsesTranslation)
#include "tst_responses_translation.moc"
