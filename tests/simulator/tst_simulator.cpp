// The simulator over real loopback sockets, with libcurl easy handles as the client.
#include <QtTest>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <future>
#include <map>
#include <set>
#include <thread>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include "model/base64.h"
#include "simulator/sim_embeddings.h"
#include "simulator/simulator.h"
#include "sim_test_client.h"

using namespace sb;
using namespace sbtest;

namespace {

std::string openai_body(const std::string& text, bool stream = false, bool include_usage = false,
                        int max_tokens = 0)
{
    ojson body{{"model", "gpt-test-1"},
               {"messages",
                {{{"role", "system"}, {"content", "You are a helpful assistant."}},
                 {{"role", "user"}, {"content", text}}}}};
    if (stream)
        body["stream"] = true;
    if (include_usage)
        body["stream_options"] = {{"include_usage", true}};
    if (max_tokens > 0)
        body["max_completion_tokens"] = max_tokens;
    return body.dump();
}

std::string anthropic_body(const std::string& text, bool stream = false, int max_tokens = 1024)
{
    ojson body{{"model", "claude-test-1"},
               {"max_tokens", max_tokens},
               {"system", "You are a helpful assistant."},
               {"messages", {{{"role", "user"}, {"content", text}}}}};
    if (stream)
        body["stream"] = true;
    return body.dump();
}

SimulatorProfile quiet_profile(int reply_words = 16)
{
    SimulatorProfile profile;
    profile.reply_words = reply_words;
    return profile;
}

// The simulator's key, made for this run: no key-shaped text in the source.
const std::string& run_key()
{
    static const std::string key = [] {
        std::string made = "sk-sim-";
        for (int i = 0; i < 32; ++i)
            made += "0123456789abcdef"[QRandomGenerator::system()->bounded(16)];
        return made;
    }();
    return key;
}

int classify(const Reply& reply)
{
    if (reply.code != CURLE_OK)
        return -1;
    if (reply.status == 200 && !nlohmann::json::accept(reply.body))
        return -2;
    return static_cast<int>(reply.status);
}

const std::string kChat = "/v1/chat/completions";
const std::string kMessages = "/v1/messages";
const std::string kResponses = "/v1/responses";

// Base64 of `bytes` zero bytes (a multiple of 3): it decodes to exactly that many.
std::string zero_base64(std::size_t bytes)
{
    return std::string(bytes / 3 * 4, 'A');
}

ojson weather_schema()
{
    return ojson::parse(R"({"type":"object","properties":{"city":{"type":"string"},
        "unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city"]})");
}

ojson openai_weather_request(const std::string& question)
{
    ojson function{{"name", "get_weather"}, {"description", "Weather now"}, {"parameters", weather_schema()}};
    return ojson{{"model", "gpt-test-1"},
                 {"messages", ojson::array({ojson{{"role", "user"}, {"content", question}}})},
                 {"tools", ojson::array({ojson{{"type", "function"}, {"function", function}}})}};
}

ojson anthropic_weather_request(const std::string& question)
{
    ojson tool{{"name", "get_weather"}, {"description", "Weather now"}, {"input_schema", weather_schema()}};
    return ojson{{"model", "claude-test-1"},
                 {"max_tokens", 256},
                 {"messages", ojson::array({ojson{{"role", "user"}, {"content", question}}})},
                 {"tools", ojson::array({tool})}};
}

ojson responses_weather_request(const std::string& question)
{
    ojson tool{{"type", "function"}, {"name", "get_weather"}, {"parameters", weather_schema()}};
    return ojson{{"model", "gpt-test-1"}, {"input", question}, {"tools", ojson::array({tool})}};
}

// The answer text of a non-streamed reply and its prompt tokens, in any of the three formats.
std::string answer_text(const std::string& path, const ojson& body)
{
    if (path == kMessages)
        return body["content"][0]["text"].get<std::string>();
    if (path == kResponses) {
        for (const auto& item : body["output"])
            if (item["type"] == "message")
                return item["content"][0]["text"].get<std::string>();
        return {};
    }
    return body["choices"][0]["message"]["content"].get<std::string>();
}

std::int64_t prompt_tokens(const std::string& path, const ojson& body)
{
    const auto& usage = body["usage"];
    return (path == kChat ? usage["prompt_tokens"] : usage["input_tokens"]).get<std::int64_t>();
}

// The data objects of an OpenAI chat stream, [DONE] left out.
std::vector<ojson> chat_chunks(const std::string& body)
{
    std::vector<ojson> chunks;
    for (const auto& event : split_events(body))
        if (event != "data: [DONE]")
            chunks.push_back(event_data(event));
    return chunks;
}

}  // namespace

class tst_Simulator : public QObject {
    Q_OBJECT

private:
    std::string url(const Simulator& sim, const char* path) const
    {
        return "http://127.0.0.1:" + std::to_string(sim.port()) + path;
    }

private slots:
    void initTestCase() { curl_global_init(CURL_GLOBAL_DEFAULT); }
    void cleanupTestCase() { curl_global_cleanup(); }

    void shippedProfiles()
    {
        const std::string dir = std::string(SB_RESOURCES_DIR) + "/simulator/";
        auto demo = load_simulator_profile(dir + "demo.json");
        auto zero = load_simulator_profile(dir + "zero.json");
        auto flaky = load_simulator_profile(dir + "flaky.json");
        QVERIFY2(demo, demo ? "" : demo.error().c_str());
        QVERIFY2(zero, zero ? "" : zero.error().c_str());
        QVERIFY2(flaky, flaky ? "" : flaky.error().c_str());
        QCOMPARE(demo->latency_median_ms, 800.0);
        QVERIFY(demo->errors.total() > 0.04 && demo->errors.total() < 0.08);
        QVERIFY(demo->errors.hang > 0);
        QCOMPARE(zero->latency_median_ms, 0.0);
        QCOMPARE(zero->errors.total(), 0.0);
        QVERIFY(std::abs(flaky->errors.total() - 0.08) < 1e-9);
        QCOMPARE(flaky->errors.hang, 0.0);
        QCOMPARE(flaky->retry_after_s, 1);
    }

    void profileValidation_data()
    {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("expected");
        QTest::newRow("probability") << R"({"errors":{"rate_limited":1.5}})"
                                     << "errors.rate_limited: must be a probability in [0, 1]";
        QTest::newRow("sum") << R"({"errors":{"server_error":0.6,"reset":0.6}})"
                             << "errors: probabilities must sum to at most 1";
        QTest::newRow("unknown error") << R"({"errors":{"teapot":0.1}})" << "errors.teapot: unknown key";
        QTest::newRow("unknown top") << R"({"latncy":{}})" << "latncy: unknown key";
        QTest::newRow("p99 below median") << R"({"latency":{"median_ms":50,"p99_ms":10}})"
                                          << "latency.p99_ms: must be at least latency.median_ms";
        QTest::newRow("negative latency") << R"({"latency":{"median_ms":-1}})" << "latency.median_ms:";
        QTest::newRow("reply words") << R"({"reply_words":0})" << "reply_words: must be an integer";
        QTest::newRow("model id") << R"({"models":["a",3]})" << "models[1]: must be a non-empty string";
        QTest::newRow("seed") << R"({"seed":"x"})" << "seed: must be a non-negative integer";
    }

    void profileValidation()
    {
        QFETCH(QString, json);
        QFETCH(QString, expected);
        auto profile = parse_simulator_profile(nlohmann::json::parse(json.toStdString()));
        QVERIFY(!profile);
        QVERIFY2(QString::fromStdString(profile.error()).startsWith(expected), profile.error().c_str());
    }

    void profileLoadErrors()
    {
        auto missing = load_simulator_profile("/nonexistent/profile.json");
        QVERIFY(!missing);
        QVERIFY(missing.error().find("cannot open") != std::string::npos);
    }

    void openaiCompletion()
    {
        Simulator sim(quiet_profile(16));
        QVERIFY(sim.start());
        Http http;
        const std::string body = openai_body("Describe the routing of requests please");
        const Reply reply = http.post(url(sim, "/v1/chat/completions"), body);
        QCOMPARE(reply.code, CURLE_OK);
        QCOMPARE(reply.status, 200L);
        QVERIFY(reply.header("content-type").starts_with("application/json"));
        QVERIFY(reply.header("x-request-id").starts_with("req_"));
        const ojson got = ojson::parse(reply.body);
        const ojson sample = read_json(std::string(SB_TESTDATA_DIR) + "/wire/openai/chat-completion.json");
        QCOMPARE(keys(got), keys(sample));
        QCOMPARE(keys(got["choices"][0]), keys(sample["choices"][0]));
        QCOMPARE(keys(got["choices"][0]["message"]), keys(sample["choices"][0]["message"]));
        QCOMPARE(shape(got["usage"]), shape(sample["usage"]));
        QVERIFY(got["id"].get<std::string>().starts_with("chatcmpl-"));
        QCOMPARE(got["model"].get<std::string>(), std::string("gpt-test-1"));
        QCOMPARE(got["choices"][0]["finish_reason"].get<std::string>(), std::string("stop"));
        const std::string text = got["choices"][0]["message"]["content"];
        QVERIFY(text.starts_with("Simulated answer to: Describe the routing"));
        QCOMPARE(std::count(text.begin(), text.end(), ' ') + 1, 16L);
        const auto& usage = got["usage"];
        QCOMPARE(usage["completion_tokens"].get<int>(), 16);
        const std::size_t chars = std::string("You are a helpful assistant.").size()
            + std::string("Describe the routing of requests please").size();
        QCOMPARE(usage["prompt_tokens"].get<std::size_t>(), (chars + 3) / 4);
        QCOMPARE(usage["total_tokens"].get<int>(),
                 usage["prompt_tokens"].get<int>() + usage["completion_tokens"].get<int>());

        // Same question, same answer; the connection is reused.
        const Reply again = http.post(url(sim, "/v1/chat/completions"), body);
        QCOMPARE(ojson::parse(again.body)["choices"][0]["message"]["content"].get<std::string>(), text);
        QCOMPARE(again.connects, 0L);

        const Reply cut = http.post(url(sim, "/v1/chat/completions"), openai_body("Short", false, false, 3));
        const ojson cut_json = ojson::parse(cut.body);
        QCOMPARE(cut_json["choices"][0]["finish_reason"].get<std::string>(), std::string("length"));
        QCOMPARE(cut_json["usage"]["completion_tokens"].get<int>(), 3);
        QCOMPARE(cut_json["choices"][0]["message"]["content"].get<std::string>(),
                 std::string("Simulated answer to:"));
        QCOMPARE(sim.stats().requests_to(SimEndpoint::chat_completions), 3u);
        QCOMPARE(sim.stats().count(SimOutcome::ok), 3u);
    }

    void anthropicMessage()
    {
        Simulator sim(quiet_profile(10));
        QVERIFY(sim.start());
        Http http;
        const Reply reply = http.post(url(sim, "/v1/messages"), anthropic_body("Can you describe LLMs"));
        QCOMPARE(reply.status, 200L);
        QVERIFY(reply.header("request-id").starts_with("req_"));
        const ojson got = ojson::parse(reply.body);
        const ojson sample = read_json(std::string(SB_TESTDATA_DIR) + "/wire/anthropic/message.json");
        QCOMPARE(keys(got), keys(sample));
        QCOMPARE(keys(got["content"][0]), keys(sample["content"][0]));
        QCOMPARE(shape(got["usage"]), shape(sample["usage"]));
        QCOMPARE(got["model"].get<std::string>(), std::string("claude-test-1"));
        QVERIFY(got["id"].get<std::string>().starts_with("msg_"));
        QCOMPARE(got["stop_reason"].get<std::string>(), std::string("end_turn"));
        QCOMPARE(got["usage"]["output_tokens"].get<int>(), 10);

        const ojson cut = ojson::parse(http.post(url(sim, "/v1/messages"), anthropic_body("x", false, 2)).body);
        QCOMPARE(cut["stop_reason"].get<std::string>(), std::string("max_tokens"));
        QCOMPARE(cut["usage"]["output_tokens"].get<int>(), 2);

        ojson no_max = ojson::parse(anthropic_body("x"));
        no_max.erase("max_tokens");
        const Reply bad = http.post(url(sim, "/v1/messages"), no_max.dump());
        QCOMPARE(bad.status, 400L);
        const ojson error = ojson::parse(bad.body);
        QCOMPARE(error["error"]["type"].get<std::string>(), std::string("invalid_request_error"));
        QVERIFY(error["error"]["message"].get<std::string>().find("max_tokens") != std::string::npos);
    }

    void openaiStream_data()
    {
        QTest::addColumn<bool>("includeUsage");
        QTest::newRow("usage") << true;
        QTest::newRow("no usage") << false;
    }

    void openaiStream()
    {
        QFETCH(bool, includeUsage);
        Simulator sim(quiet_profile(12));
        QVERIFY(sim.start());
        Http http;
        const std::string question = "Stream me something nice";
        const Reply reply = http.post(url(sim, "/v1/chat/completions"), openai_body(question, true, includeUsage));
        QCOMPARE(reply.status, 200L);
        QCOMPARE(reply.header("content-type"), std::string("text/event-stream; charset=utf-8"));
        const auto events = split_events(reply.body);
        QCOMPARE(events.back(), std::string("data: [DONE]"));
        const auto sample_events = split_events(
            read_text(std::string(SB_TESTDATA_DIR) + "/wire/openai/chat-completion-stream-current.txt"));
        const ojson sample_first = event_data(sample_events.front());

        std::string text;
        int finish_chunks = 0;
        int usage_chunks = 0;
        for (std::size_t i = 0; i + 1 < events.size(); ++i) {
            QVERIFY(events[i].starts_with("data: "));
            const ojson chunk = event_data(events[i]);
            QVERIFY(!chunk.is_discarded());
            QCOMPARE(chunk["model"].get<std::string>(), std::string("gpt-test-1"));
            if (includeUsage)
                QCOMPARE(keys(chunk), keys(sample_first));
            else
                QVERIFY(!chunk.contains("usage"));
            if (chunk["choices"].empty()) {
                ++usage_chunks;
                QCOMPARE(shape(chunk["usage"]), shape(event_data(sample_events[sample_events.size() - 2])["usage"]));
                QCOMPARE(chunk["usage"]["completion_tokens"].get<int>(), 12);
                continue;
            }
            const auto& choice = chunk["choices"][0];
            QCOMPARE(keys(choice), keys(sample_first["choices"][0]));
            if (i == 0) {
                QCOMPARE(choice["delta"], sample_first["choices"][0]["delta"]);
                continue;
            }
            if (!choice["finish_reason"].is_null()) {
                ++finish_chunks;
                QCOMPARE(choice["finish_reason"].get<std::string>(), std::string("stop"));
                continue;
            }
            text += choice["delta"]["content"].get<std::string>();
        }
        QCOMPARE(finish_chunks, 1);
        QCOMPARE(usage_chunks, includeUsage ? 1 : 0);
        const Reply plain = http.post(url(sim, "/v1/chat/completions"), openai_body(question));
        QCOMPARE(text, ojson::parse(plain.body)["choices"][0]["message"]["content"].get<std::string>());
    }

    void anthropicStream()
    {
        SimulatorProfile profile = quiet_profile(6);
        profile.chunk_interval_ms = 5;
        Simulator sim(profile);
        QVERIFY(sim.start());
        Http http;
        const Reply reply = http.post(url(sim, "/v1/messages"), anthropic_body("Tell me more", true));
        QCOMPARE(reply.status, 200L);
        QCOMPARE(reply.header("content-type"), std::string("text/event-stream; charset=utf-8"));
        const auto events = split_events(reply.body);
        const auto sample = split_events(read_text(std::string(SB_TESTDATA_DIR) + "/wire/anthropic/message-stream.txt"));
        // Compare the event name sequence with runs of deltas collapsed.
        auto names = [](const std::vector<std::string>& list) {
            QStringList out;
            for (const auto& e : list) {
                const QString name = QString::fromStdString(event_name(e));
                if (out.isEmpty() || out.back() != name || name != "content_block_delta")
                    out << name;
            }
            return out;
        };
        QCOMPARE(names(events), names(sample));
        std::string text;
        int deltas = 0;
        for (const auto& e : events) {
            const ojson data = event_data(e);
            QVERIFY2(!data.is_discarded(), e.c_str());
            if (event_name(e) == "content_block_delta") {
                ++deltas;
                text += data["delta"]["text"].get<std::string>();
            }
            if (event_name(e) == "message_start") {
                QCOMPARE(keys(data["message"]), keys(event_data(sample[0])["message"]));
                QCOMPARE(data["message"]["model"].get<std::string>(), std::string("claude-test-1"));
            }
            if (event_name(e) == "message_delta") {
                QCOMPARE(data["usage"]["output_tokens"].get<int>(), 6);
                QCOMPARE(data["delta"]["stop_reason"].get<std::string>(), std::string("end_turn"));
            }
        }
        QCOMPARE(deltas, 6);
        const Reply plain = http.post(url(sim, "/v1/messages"), anthropic_body("Tell me more"));
        QCOMPARE(text, ojson::parse(plain.body)["content"][0]["text"].get<std::string>());
    }

    void forcedFaults_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("fault");
        QTest::addColumn<long>("status");
        QTest::addColumn<QString>("provider");     // sample file of the body shape
        QTest::addColumn<QString>("sampleCase");
        QTest::addColumn<bool>("retryAfter");       // retry-after header expected (value 7)
        QTest::addColumn<QString>("shouldRetry");   // Anthropic x-should-retry, "" = absent

        const QString oa = "/v1/chat/completions";
        const QString an = "/v1/messages";
        QTest::newRow("oa rate_limited") << oa << "rate_limited" << 429L << "openai" << "429_rate_limit_exceeded_requests" << true << "";
        QTest::newRow("oa rate_limited_no_header") << oa << "rate_limited_no_header" << 429L << "openai" << "429_rate_limit_exceeded_requests" << false << "";
        QTest::newRow("oa insufficient_quota") << oa << "insufficient_quota" << 429L << "openai" << "429_insufficient_quota" << false << "";
        QTest::newRow("oa auth") << oa << "auth" << 401L << "openai" << "401_invalid_api_key" << false << "";
        QTest::newRow("oa permission") << oa << "permission" << 403L << "openai" << "403_unsupported_country_region_territory" << false << "";
        QTest::newRow("oa not_found") << oa << "not_found" << 404L << "openai" << "404_model_not_found" << false << "";
        QTest::newRow("oa context_length") << oa << "context_length" << 400L << "openai" << "400_context_length_exceeded" << false << "";
        QTest::newRow("oa server_error") << oa << "server_error" << 500L << "openai" << "500_server_error" << false << "";
        QTest::newRow("oa bad_gateway_json") << oa << "bad_gateway_json" << 502L << "openai" << "502_cf_bad_gateway_json" << false << "";
        QTest::newRow("oa unavailable") << oa << "unavailable" << 503L << "openai" << "503_engine_overloaded_legacy" << false << "";
        QTest::newRow("oa overloaded") << oa << "overloaded" << 503L << "openai" << "503_server_is_overloaded" << false << "";
        QTest::newRow("an rate_limited") << an << "rate_limited" << 429L << "anthropic" << "429_rate_limit_error" << true << "true";
        QTest::newRow("an rate_limited_no_header") << an << "rate_limited_no_header" << 429L << "anthropic" << "429_rate_limit_error_recorded" << false << "true";
        QTest::newRow("an insufficient_quota") << an << "insufficient_quota" << 429L << "anthropic" << "429_enforced_spend_limit_reached" << false << "";
        QTest::newRow("an auth") << an << "auth" << 401L << "anthropic" << "401_authentication_error" << false << "";
        QTest::newRow("an permission") << an << "permission" << 403L << "anthropic" << "403_permission_error" << false << "";
        QTest::newRow("an not_found") << an << "not_found" << 404L << "anthropic" << "404_not_found_error_doc" << false << "";
        QTest::newRow("an context_length") << an << "context_length" << 400L << "anthropic" << "400_invalid_request_error" << false << "false";
        QTest::newRow("an server_error") << an << "server_error" << 500L << "anthropic" << "500_api_error" << false << "true";
        QTest::newRow("an bad_gateway_json") << an << "bad_gateway_json" << 502L << "openai" << "502_cf_bad_gateway_json" << false << "";
        // 529 and 503 share the envelope of the other Anthropic errors (current bodies carry request_id).
        QTest::newRow("an unavailable") << an << "unavailable" << 503L << "anthropic" << "500_api_error" << false << "true";
        QTest::newRow("an overloaded") << an << "overloaded" << 529L << "anthropic" << "500_api_error" << false << "true";
    }

    void forcedFaults()
    {
        QFETCH(QString, path);
        QFETCH(QString, fault);
        QFETCH(long, status);
        QFETCH(QString, provider);
        QFETCH(QString, sampleCase);
        QFETCH(bool, retryAfter);
        QFETCH(QString, shouldRetry);
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        const bool anthropic = path == "/v1/messages";
        const Reply reply = http.post(url(sim, path.toUtf8().constData()),
                                      anthropic ? anthropic_body("fault") : openai_body("fault"),
                                      {"x-sim-fault: " + fault.toStdString(), "x-sim-retry-after: 7"});
        QCOMPARE(reply.status, status);
        QVERIFY(reply.header("content-type").starts_with("application/json"));
        const ojson sample = sample_error(provider.toStdString(), sampleCase.toStdString());
        QVERIFY(!sample.is_null());
        QCOMPARE(shape(ojson::parse(reply.body)), shape(sample["body"]));
        QCOMPARE(reply.has("retry-after"), retryAfter);
        if (retryAfter)
            QCOMPARE(reply.header("retry-after"), std::string("7"));
        QCOMPARE(QString::fromStdString(reply.header("x-should-retry")), shouldRetry);
        if (status != 502)
            QVERIFY(reply.has(anthropic ? "request-id" : "x-request-id"));
        if (!anthropic && fault == "rate_limited")
            QVERIFY(reply.has("x-ratelimit-remaining-requests"));
        if (!anthropic && fault == "rate_limited_no_header")
            QVERIFY(!reply.has("x-ratelimit-remaining-requests"));
        const auto kind = parse_sim_fault(fault.toStdString());
        QVERIFY(kind);
        QCOMPARE(sim.stats().count(*kind), 1u);
    }

    void badGatewayHtml()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        const Reply reply = http.post(url(sim, "/v1/messages"), anthropic_body("x"), {"x-sim-fault: bad_gateway_html"});
        QCOMPARE(reply.status, 502L);
        QCOMPARE(reply.header("content-type"), std::string("text/html"));
        QCOMPARE(reply.body, sample_error("openai", "502_cloudflare_html")["body_text"].get<std::string>());
    }

    void malformedAndReset()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        const Reply malformed = http.post(url(sim, "/v1/chat/completions"), openai_body("m", true), {"x-sim-fault: malformed"});
        QCOMPARE(malformed.status, 200L);
        QVERIFY(!malformed.body.empty());
        QVERIFY(!nlohmann::json::accept(malformed.body));
        QVERIFY(malformed.body.starts_with("{\"id\":\"chatcmpl-"));

        // A fresh connection: curl silently retries a request whose reused connection died.
        Http fresh;
        const Reply reset = fresh.post(url(sim, "/v1/messages"), anthropic_body("r"), {"x-sim-fault: reset"});
        QVERIFY2(reset.code != CURLE_OK, curl_easy_strerror(reset.code));
        QVERIFY(reset.code != CURLE_OPERATION_TIMEDOUT);
        QCOMPARE(reset.status, 0L);
        // The handle recovers on a fresh connection.
        QCOMPARE(fresh.post(url(sim, "/v1/messages"), anthropic_body("r2")).status, 200L);
        QCOMPARE(sim.stats().count(SimOutcome::reset), 1u);
    }

    // Faults only a header forces: the answer dies half way (silence or RST), carries
    // ill-formed UTF-8, or is huge; and a per-request pause between stream chunks.
    void headerOnlyFaults()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        const auto chat = url(sim, "/v1/chat/completions");

        Http stall;
        const Reply stalled = stall.post(chat, openai_body("s", true), {"x-sim-fault: stall_mid_stream"}, 500);
        QCOMPARE(stalled.code, CURLE_OPERATION_TIMEDOUT);
        QCOMPARE(stalled.status, 200L);
        QVERIFY(stalled.body.find("\"content\"") != std::string::npos);  // part of the answer came
        QVERIFY(stalled.body.find("[DONE]") == std::string::npos);

        Http reset;
        const Reply cut = reset.post(chat, openai_body("r"), {"x-sim-fault: reset_mid_stream"});
        QVERIFY2(cut.code != CURLE_OK && cut.code != CURLE_OPERATION_TIMEDOUT, curl_easy_strerror(cut.code));
        QVERIFY(!cut.body.empty());
        QVERIFY(!nlohmann::json::accept(cut.body));

        Http http;
        const Reply bad = http.post(chat, openai_body("u"), {"x-sim-fault: invalid_utf8"});
        QCOMPARE(bad.status, 200L);
        QVERIFY(bad.body.find("Simu\xFF\xE2\x82lated") != std::string::npos);
        QVERIFY(!nlohmann::json::accept(bad.body));  // JSON must be UTF-8

        const Reply huge = http.post(chat, openai_body("h"), {"x-sim-fault: huge", "x-sim-reply-bytes: 100000"});
        QCOMPARE(huge.status, 200L);
        const auto content = nlohmann::json::parse(huge.body)["choices"][0]["message"]["content"].get<std::string>();
        QCOMPARE(content.size(), std::size_t(100000));

        QElapsedTimer timer;
        timer.start();
        const Reply slow = http.post(chat, openai_body("d", true), {"x-sim-chunk-interval-ms: 30"});
        QCOMPARE(slow.status, 200L);
        QVERIFY(slow.body.find("[DONE]") != std::string::npos);
        QVERIFY2(timer.elapsed() >= 16 * 30 - 50, qPrintable(QString::number(timer.elapsed())));

        QCOMPARE(sim.stats().count(SimOutcome::stall_mid_stream), 1u);
        QCOMPARE(sim.stats().count(SimOutcome::reset_mid_stream), 1u);
        QCOMPARE(sim.stats().count(SimOutcome::invalid_utf8), 1u);
        QCOMPARE(sim.stats().count(SimOutcome::huge), 1u);
    }

    void streamErrors()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        const Reply oa = http.post(url(sim, "/v1/chat/completions"), openai_body("e", true), {"x-sim-fault: stream_error"});
        QCOMPARE(oa.status, 200L);
        auto events = split_events(oa.body);
        QVERIFY(events.size() >= 3);
        QVERIFY(event_data(events[1])["choices"][0]["delta"].contains("content"));
        const ojson error = event_data(events.back());
        QVERIFY(events.back().starts_with("data: {\"error\""));
        QCOMPARE(shape(error), shape(ojson::parse(
            split_events(sample_error("openai", "sse_midstream_error")["sse"].get<std::string>()).back().substr(6))));
        QVERIFY(oa.body.find("[DONE]") == std::string::npos);

        const Reply an = http.post(url(sim, "/v1/messages"), anthropic_body("e", true), {"x-sim-fault: stream_error"});
        QCOMPARE(an.status, 200L);
        events = split_events(an.body);
        QCOMPARE(event_name(events.back()), std::string("error"));
        QCOMPARE(events.back() + "\n\n", sample_error("anthropic", "sse_midstream_overloaded_error")["sse"].get<std::string>());
        QCOMPARE(event_name(events[3]), std::string("content_block_delta"));
    }

    void faultTimesThenSuccess()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        const std::vector<std::string> headers = {"x-sim-fault: unavailable", "x-sim-fault-times: 2", "x-sim-key: twice"};
        QCOMPARE(http.post(url(sim, "/v1/chat/completions"), openai_body("a"), headers).status, 503L);
        QCOMPARE(http.post(url(sim, "/v1/chat/completions"), openai_body("b"), headers).status, 503L);
        QCOMPARE(http.post(url(sim, "/v1/chat/completions"), openai_body("c"), headers).status, 200L);
        QCOMPARE(http.post(url(sim, "/v1/chat/completions"), openai_body("d"), headers).status, 200L);
        // Without x-sim-key the body is the key.
        const std::vector<std::string> once = {"x-sim-fault: server_error", "x-sim-fault-times: 1"};
        QCOMPARE(http.post(url(sim, "/v1/messages"), anthropic_body("body key"), once).status, 500L);
        QCOMPARE(http.post(url(sim, "/v1/messages"), anthropic_body("other body"), once).status, 500L);
        QCOMPARE(http.post(url(sim, "/v1/messages"), anthropic_body("body key"), once).status, 200L);
        const Reply unknown = http.post(url(sim, "/v1/messages"), anthropic_body("x"), {"x-sim-fault: teapot"});
        QCOMPARE(unknown.status, 400L);
    }

    void hangDoesNotStallServer()
    {
        SimulatorOptions options;
        options.threads = 1;  // a blocked thread would stall everything
        Simulator sim(quiet_profile(), options);
        QVERIFY(sim.start());
        const std::string target = url(sim, "/v1/chat/completions");
        auto hung = std::async(std::launch::async, [&] {
            Http http;
            return http.post(target, openai_body("h"), {"x-sim-fault: hang"}, 1500);
        });
        QTRY_COMPARE_WITH_TIMEOUT(sim.stats().count(SimOutcome::hang), 1u, 5000);
        Http other;
        const Reply ok = other.post(target, openai_body("other"), {}, 5000);
        QCOMPARE(ok.status, 200L);
        QVERIFY2(ok.seconds < 1.0, std::to_string(ok.seconds).c_str());
        QCOMPARE(hung.wait_for(std::chrono::seconds(10)), std::future_status::ready);
        const Reply timed_out = hung.get();
        QCOMPARE(timed_out.code, CURLE_OPERATION_TIMEDOUT);
        QVERIFY(timed_out.seconds >= 1.0);
    }

    void stopClosesHangingConnections()
    {
        auto sim = std::make_unique<Simulator>(quiet_profile());
        QVERIFY(sim->start());
        const std::string target = url(*sim, "/v1/messages");
        std::vector<std::future<Reply>> hung;
        for (int i = 0; i < 3; ++i) {
            hung.push_back(std::async(std::launch::async, [&target, i] {
                Http http;
                return http.post(target, anthropic_body("hang " + std::to_string(i)), {"x-sim-fault: hang"}, 20'000);
            }));
        }
        QTRY_COMPARE_WITH_TIMEOUT(sim->stats().count(SimOutcome::hang), 3u, 5000);
        const auto start = std::chrono::steady_clock::now();
        sim->stop();
        sim->stop();  // idempotent
        QVERIFY(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
        QVERIFY(!sim->running());
        for (auto& f : hung) {
            QCOMPARE(f.wait_for(std::chrono::seconds(5)), std::future_status::ready);
            const Reply r = f.get();
            QVERIFY(r.code != CURLE_OK && r.code != CURLE_OPERATION_TIMEDOUT);
        }
    }

    void determinism()
    {
        SimulatorProfile profile = quiet_profile(4);
        profile.seed = 99;
        profile.errors.rate_limited = 0.1;
        profile.errors.server_error = 0.1;
        profile.errors.bad_gateway = 0.1;
        profile.errors.unavailable = 0.1;
        // No reset here: curl retries a reset reused connection, which depends on connection reuse.
        profile.errors.malformed = 0.1;
        constexpr int kKeys = 30;
        constexpr int kAttempts = 3;
        using Outcomes = std::map<std::pair<int, int>, int>;
        auto run = [&](std::uint64_t seed, bool attempt_major) {
            SimulatorProfile p = profile;
            p.seed = seed;
            Simulator sim(p);
            Outcomes out;
            if (!sim.start())
                return out;
            Http a;
            Http b;
            auto one = [&](int key, int attempt) {
                Http& http = (key + attempt) % 2 ? a : b;  // spread over two connections
                out[{key, attempt}] = classify(http.post(url(sim, "/v1/chat/completions"), openai_body("d"),
                                                         {"x-sim-key: k" + std::to_string(key)}));
            };
            if (attempt_major) {
                for (int attempt = 0; attempt < kAttempts; ++attempt)
                    for (int key = 0; key < kKeys; ++key)
                        one(key, attempt);
            } else {
                for (int key = kKeys - 1; key >= 0; --key)
                    for (int attempt = 0; attempt < kAttempts; ++attempt)
                        one(key, attempt);
            }
            return out;
        };
        const Outcomes first = run(99, true);
        const Outcomes second = run(99, false);
        const Outcomes other = run(100, true);
        QCOMPARE(first.size(), std::size_t(kKeys * kAttempts));
        QCOMPARE(first, second);
        QVERIFY(first != other);
        const auto failures = std::count_if(first.begin(), first.end(), [](auto& kv) { return kv.second != 200; });
        QVERIFY(failures > 10 && failures < 80);
    }

    void flakyFailureRate()
    {
        auto profile = load_simulator_profile(std::string(SB_RESOURCES_DIR) + "/simulator/flaky.json");
        QVERIFY(profile);
        Simulator sim(*profile);
        QVERIFY(sim.start());
        Http http;
        constexpr int kAttempts = 2000;
        int failures = 0;
        std::map<int, int> by_class;
        for (int i = 0; i < kAttempts; ++i) {
            // Latency off: the rate is what matters here, not the wait.
            const Reply r = http.post(url(sim, "/v1/chat/completions"), openai_body("rate"),
                                      {"x-sim-key: rate-" + std::to_string(i), "x-sim-latency-ms: 0"});
            const int c = classify(r);
            ++by_class[c];
            if (c != 200)
                ++failures;
            if (c == 429)
                QCOMPARE(r.header("retry-after"), std::string("1"));
        }
        const double rate = double(failures) / kAttempts;
        QVERIFY2(rate > 0.05 && rate < 0.11, std::to_string(rate).c_str());
        for (int c : {429, 500, 502, 503, -1, -2})
            QVERIFY2(by_class[c] > 0, std::to_string(c).c_str());
        const auto stats = sim.stats();
        QCOMPARE(stats.count(SimOutcome::ok), std::uint64_t(by_class[200]));
        QCOMPARE(stats.count(SimOutcome::hang), 0u);
        // At least: curl resends a request once when its reused connection was reset.
        QVERIFY(stats.requests_to(SimEndpoint::chat_completions) >= std::uint64_t(kAttempts));
        QVERIFY(stats.count(SimOutcome::reset) > 0);
    }

    void latencyProfile()
    {
        SimulatorProfile profile = quiet_profile(4);
        profile.latency_median_ms = 20;
        profile.latency_p99_ms = 60;
        Simulator sim(profile);
        QVERIFY(sim.start());
        Http http;
        std::vector<double> ms;
        for (int i = 0; i < 200; ++i) {
            const Reply r = http.post(url(sim, "/v1/chat/completions"), openai_body("lat"),
                                      {"x-sim-key: lat-" + std::to_string(i)});
            QCOMPARE(r.status, 200L);
            ms.push_back(r.seconds * 1000);
        }
        std::sort(ms.begin(), ms.end());
        QVERIFY2(ms[100] >= 10 && ms[100] <= 40, std::to_string(ms[100]).c_str());
        QVERIFY2(ms[197] >= 30 && ms[197] <= 250, std::to_string(ms[197]).c_str());
        QVERIFY(ms[0] >= 2);

        const Reply fixed = http.post(url(sim, "/v1/chat/completions"), openai_body("lat"), {"x-sim-latency-ms: 300"});
        QVERIFY2(fixed.seconds >= 0.29 && fixed.seconds < 2.0, std::to_string(fixed.seconds).c_str());
    }

    void apiKey()
    {
        SimulatorOptions options;
        options.api_key = run_key();
        Simulator sim(quiet_profile(), options);
        QVERIFY(sim.start());
        Http http;
        const std::string oa = url(sim, "/v1/chat/completions");
        const std::string an = url(sim, "/v1/messages");
        const Reply wrong = http.post(oa, openai_body("k"), {"Authorization: Bearer nope"});
        QCOMPARE(wrong.status, 401L);
        QCOMPARE(shape(ojson::parse(wrong.body)), shape(sample_error("openai", "401_invalid_api_key")["body"]));
        QCOMPARE(ojson::parse(wrong.body)["error"]["code"].get<std::string>(), std::string("invalid_api_key"));
        const Reply missing = http.post(oa, openai_body("k"));
        QCOMPARE(missing.status, 401L);
        QCOMPARE(http.post(oa, openai_body("k"), {"Authorization: Bearer " + run_key()}).status, 200L);
        // The OpenAI header does not authenticate Anthropic requests.
        const Reply an_wrong = http.post(an, anthropic_body("k"), {"Authorization: Bearer " + run_key()});
        QCOMPARE(an_wrong.status, 401L);
        QCOMPARE(shape(ojson::parse(an_wrong.body)), shape(sample_error("anthropic", "401_authentication_error")["body"]));
        QVERIFY(an_wrong.has("request-id"));
        QCOMPARE(http.post(an, anthropic_body("k"), {"x-api-key: " + run_key()}).status, 200L);
        QCOMPARE(sim.stats().count(SimOutcome::auth), 3u);
    }

    // Only the right key passes, whatever the length or likeness of a wrong one (the
    // comparison is of SHA-256 digests, in constant time); a missing key is told apart.
    void apiKeyComparison_data()
    {
        QTest::addColumn<QString>("endpoint");
        QTest::addColumn<QString>("header");  // empty: none sent
        QTest::addColumn<long>("status");
        QTest::addColumn<bool>("missing");
        const QString key = QString::fromStdString(run_key());
        QString same_length = key;
        same_length[same_length.size() - 1] = key.back() == QLatin1Char('0') ? QLatin1Char('1') : QLatin1Char('0');
        const QString oa = QStringLiteral("/v1/chat/completions");
        const QString an = QStringLiteral("/v1/messages");
        const QString bearer = QStringLiteral("Authorization: Bearer ");
        const QString x_api_key = QStringLiteral("x-api-key: ");
        QTest::newRow("openai right") << oa << bearer + key << 200L << false;
        QTest::newRow("openai same length") << oa << bearer + same_length << 401L << false;
        QTest::newRow("openai one short") << oa << bearer + key.chopped(1) << 401L << false;
        QTest::newRow("openai one long") << oa << bearer + key + QLatin1Char('0') << 401L << false;
        QTest::newRow("openai prefix") << oa << bearer + key.left(7) << 401L << false;
        QTest::newRow("openai other scheme") << oa << QStringLiteral("Authorization: Basic ") + key << 401L << false;
        QTest::newRow("openai missing") << oa << QString() << 401L << true;
        QTest::newRow("anthropic right") << an << x_api_key + key << 200L << false;
        QTest::newRow("anthropic same length") << an << x_api_key + same_length << 401L << false;
        QTest::newRow("anthropic one short") << an << x_api_key + key.chopped(1) << 401L << false;
        QTest::newRow("anthropic one long") << an << x_api_key + key + QLatin1Char('0') << 401L << false;
        QTest::newRow("anthropic missing") << an << QString() << 401L << true;
    }

    void apiKeyComparison()
    {
        QFETCH(QString, endpoint);
        QFETCH(QString, header);
        QFETCH(long, status);
        QFETCH(bool, missing);
        SimulatorOptions options;
        options.api_key = run_key();
        Simulator sim(quiet_profile(), options);
        QVERIFY(sim.start());
        Http http;
        const bool openai = endpoint.contains(QLatin1String("chat"));
        std::vector<std::string> headers;
        if (!header.isEmpty())
            headers.push_back(header.toStdString());
        const Reply reply = http.post(url(sim, endpoint.toStdString().c_str()),
                                      openai ? openai_body("k") : anthropic_body("k"), headers);
        QCOMPARE(reply.status, status);
        if (status == 200)
            return;
        const std::string message = ojson::parse(reply.body)["error"]["message"].get<std::string>();
        const std::string missing_text = openai ? "You didn't provide an API key" : "x-api-key header is required";
        QVERIFY2((message.find(missing_text) != std::string::npos) == missing, message.c_str());
        QVERIFY2(message.find(run_key()) == std::string::npos, message.c_str());
    }

    void modelsAndRoutes()
    {
        SimulatorProfile profile = quiet_profile();
        profile.models = {"m-one", "m-two"};
        Simulator sim(profile);
        QVERIFY(sim.start());
        Http http;
        const Reply models = http.send(url(sim, "/v1/models"), nullptr);
        QCOMPARE(models.status, 200L);
        const ojson got = ojson::parse(models.body);
        const ojson sample = read_json(std::string(SB_TESTDATA_DIR) + "/wire/openai/models.json");
        QCOMPARE(keys(got), keys(sample));
        QCOMPARE(got["data"].size(), std::size_t(2));
        QCOMPARE(keys(got["data"][0]), keys(sample["data"][0]));
        QCOMPARE(got["data"][1]["id"].get<std::string>(), std::string("m-two"));

        const Reply missing = http.post(url(sim, "/v1/completions"), "{}");
        QCOMPARE(missing.status, 404L);
        const ojson error = ojson::parse(missing.body);
        QCOMPARE(shape(error), shape(sample_error("openai", "500_server_error")["body"]));
        QVERIFY(error["error"]["message"].get<std::string>().find("/v1/completions") != std::string::npos);

        const Reply not_json = http.post(url(sim, "/v1/chat/completions"), "{nope");
        QCOMPARE(not_json.status, 400L);
        QCOMPARE(ojson::parse(not_json.body)["error"]["type"].get<std::string>(), std::string("invalid_request_error"));
        const Reply no_messages = http.post(url(sim, "/v1/chat/completions"), R"({"model":"x"})");
        QCOMPARE(no_messages.status, 400L);
        QVERIFY(ojson::parse(no_messages.body)["error"]["message"].get<std::string>().find("messages") != std::string::npos);
        QCOMPARE(sim.stats().count(SimOutcome::bad_request), 2u);
        QCOMPARE(sim.stats().requests_to(SimEndpoint::other), 1u);
    }

    void largeBodyWithExpectContinue()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        const Reply r = http.post(url(sim, "/v1/chat/completions"), openai_body(std::string(2 * 1024 * 1024, 'a')));
        QCOMPARE(r.status, 200L);
        QVERIFY2(r.seconds < 0.9, std::to_string(r.seconds).c_str());  // no 1 s Expect stall
    }

    void setProfileLive()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        QCOMPARE(http.post(url(sim, "/v1/chat/completions"), openai_body("live")).status, 200L);
        SimulatorProfile failing = quiet_profile();
        failing.errors.server_error = 1.0;
        sim.set_profile(failing);
        QCOMPARE(http.post(url(sim, "/v1/chat/completions"), openai_body("live")).status, 500L);
    }

    void portInUse()
    {
        Simulator first(quiet_profile());
        auto port = first.start();
        QVERIFY(port);
        QVERIFY(*port != 0);
        Simulator second(quiet_profile());
        auto clash = second.start(*port);
        QVERIFY(!clash);
        QVERIFY2(clash.error().find("cannot listen on 127.0.0.1:" + std::to_string(*port)) != std::string::npos,
                 clash.error().c_str());
        QVERIFY(!second.running());
        auto again = first.start();
        QVERIFY(!again);  // already running
        first.stop();
        QVERIFY(second.start(*port));  // free once the first one stopped
    }

    // Images, audio and files arrive in each format's own shape: each is counted as prompt
    // tokens by the documented rule (sim_part_tokens) and shown in the echo transcript.
    void contentParts_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("part");  // the JSON of the part after the text "Look at this"
        QTest::addColumn<int>("partTokens");
        QTest::addColumn<QString>("described");
        const std::string png = "data:image/png;base64," + zero_base64(1500);
        const std::string pdf = "data:application/pdf;base64," + zero_base64(3000);
        auto json = [](const ojson& part) { return QString::fromStdString(part.dump()); };
        const QString chat = QString::fromStdString(kChat);
        const QString messages = QString::fromStdString(kMessages);
        const QString responses = QString::fromStdString(kResponses);
        // image 85 + bytes/750, audio 50 + bytes/1000, file 100 + bytes/500
        QTest::newRow("openai image data url")
            << chat << json({{"type", "image_url"}, {"image_url", {{"url", png}}}}) << 87
            << "[image_url image/png 1500 bytes]";
        QTest::newRow("openai image https")
            << chat
            << json({{"type", "image_url"},
                     {"image_url", {{"url", "https://example.com/cat.png"}, {"detail", "low"}}}})
            << 85 << "[image_url https://example.com/cat.png detail=low]";
        QTest::newRow("openai audio")
            << chat
            << json({{"type", "input_audio"},
                     {"input_audio", {{"data", zero_base64(3000)}, {"format", "wav"}}}})
            << 53 << "[input_audio wav 3000 bytes]";
        QTest::newRow("openai file data")
            << chat << json({{"type", "file"}, {"file", {{"file_data", pdf}, {"filename", "report.pdf"}}}})
            << 106 << "[file application/pdf 3000 bytes report.pdf]";
        QTest::newRow("openai file id")
            << chat << json({{"type", "file"}, {"file", {{"file_id", "file-abc123"}}}}) << 100
            << "[file file_id file-abc123]";
        QTest::newRow("anthropic image base64")
            << messages
            << json({{"type", "image"},
                     {"source",
                      {{"type", "base64"}, {"media_type", "image/png"}, {"data", zero_base64(1500)}}}})
            << 87 << "[image/base64 image/png 1500 bytes]";
        QTest::newRow("anthropic image url")
            << messages
            << json(
                   {{"type", "image"}, {"source", {{"type", "url"}, {"url", "https://example.com/cat.png"}}}})
            << 85 << "[image/url https://example.com/cat.png]";
        QTest::newRow("anthropic pdf")
            << messages
            << json({{"type", "document"},
                     {"title", "report.pdf"},
                     {"source",
                      {{"type", "base64"}, {"media_type", "application/pdf"}, {"data", zero_base64(3000)}}}})
            << 106 << "[document/base64 application/pdf 3000 bytes title=report.pdf]";
        QTest::newRow("anthropic text document")
            << messages
            << json({{"type", "document"},
                     {"source", {{"type", "text"}, {"media_type", "text/plain"}, {"data", "plain words"}}}})
            << 100 << "[document/text text/plain 11 bytes]";
        QTest::newRow("responses image") << responses << json({{"type", "input_image"}, {"image_url", png}})
                                         << 87 << "[input_image image/png 1500 bytes]";
        QTest::newRow("responses file")
            << responses << json({{"type", "input_file"}, {"file_data", pdf}, {"filename", "report.pdf"}})
            << 106 << "[input_file application/pdf 3000 bytes report.pdf]";
    }

    void contentParts()
    {
        QFETCH(QString, path);
        QFETCH(QString, part);
        QFETCH(int, partTokens);
        QFETCH(QString, described);
        const std::string target = path.toStdString();
        const bool responses = target == kResponses;
        const ojson text{{"type", responses ? "input_text" : "text"}, {"text", "Look at this"}};
        const ojson content = ojson::array({text, ojson::parse(part.toStdString())});
        ojson body{{"model", "m-test"}};
        if (responses)
            body["input"] = ojson::array({ojson{{"role", "user"}, {"content", content}}});
        else
            body["messages"] = ojson::array({ojson{{"role", "user"}, {"content", content}}});
        if (target == kMessages)
            body["max_tokens"] = 64;
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        const Reply plain = http.post(url(sim, target.c_str()), body.dump());
        QCOMPARE(plain.status, 200L);
        const std::int64_t text_tokens = (std::string("Look at this").size() + 3) / 4;
        QCOMPARE(prompt_tokens(target, ojson::parse(plain.body)), text_tokens + partTokens);

        const Reply echo = http.post(url(sim, target.c_str()), body.dump(), {"x-sim-echo: 1"});
        QCOMPARE(echo.status, 200L);
        QCOMPARE(QString::fromStdString(answer_text(target, ojson::parse(echo.body))),
                 "user: Look at this " + described + "\n");
    }

    // A malformed part is the provider's own 400, naming the field.
    void malformedParts_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("part");
        QTest::addColumn<QString>("named");  // in the error message
        QTest::addColumn<QString>("param");  // OpenAI error.param; "" for Anthropic
        const QString chat = QString::fromStdString(kChat);
        const QString messages = QString::fromStdString(kMessages);
        const QString responses = QString::fromStdString(kResponses);
        QTest::newRow("openai unknown type") << chat << R"({"type":"video","video":{}})"
                                             << "messages[0].content[1].type"
                                             << "messages[0].content[1].type";
        QTest::newRow("openai image without url") << chat << R"({"type":"image_url","image_url":{}})"
                                                  << "messages[0].content[1].image_url.url"
                                                  << "messages[0].content[1].image_url.url";
        QTest::newRow("openai bad base64")
            << chat << R"({"type":"image_url","image_url":{"url":"data:image/png;base64,@@@"}})"
            << "messages[0].content[1].image_url.url"
            << "messages[0].content[1].image_url.url";
        QTest::newRow("openai not an image")
            << chat << R"({"type":"image_url","image_url":{"url":"data:text/plain;base64,QUJD"}})"
            << "messages[0].content[1].image_url.url"
            << "messages[0].content[1].image_url.url";
        QTest::newRow("openai audio format")
            << chat << R"({"type":"input_audio","input_audio":{"data":"QUJD","format":"ogg"}})"
            << "messages[0].content[1].input_audio.format"
            << "messages[0].content[1].input_audio.format";
        QTest::newRow("anthropic unknown type") << messages << R"({"type":"video","source":{}})"
                                                << "messages.0.content.1: Input tag 'video'"
                                                << "";
        QTest::newRow("anthropic bad base64")
            << messages
            << R"({"type":"image","source":{"type":"base64","media_type":"image/png","data":"@@@"}})"
            << "messages.0.content.1.image.source.base64.data"
            << "";
        QTest::newRow("anthropic media type")
            << messages
            << R"({"type":"image","source":{"type":"base64","media_type":"image/bmp","data":"QUJD"}})"
            << "messages.0.content.1.image.source.base64.media_type"
            << "";
        QTest::newRow("anthropic openai image shape")
            << messages << R"({"type":"image_url","image_url":{"url":"https://example.com/a.png"}})"
            << "messages.0.content.1: Input tag 'image_url'"
            << "";
        QTest::newRow("responses unknown type")
            << responses << R"({"type":"image_url","image_url":"https://x.io/a.png"})"
            << "input[0].content[1].type"
            << "input[0].content[1].type";
        QTest::newRow("responses image without url") << responses << R"({"type":"input_image"})"
                                                     << "input[0].content[1]"
                                                     << "input[0].content[1]";
    }

    void malformedParts()
    {
        QFETCH(QString, path);
        QFETCH(QString, part);
        QFETCH(QString, named);
        QFETCH(QString, param);
        const std::string target = path.toStdString();
        const bool responses = target == kResponses;
        const ojson text{{"type", responses ? "input_text" : "text"}, {"text", "Look"}};
        const ojson content = ojson::array({text, ojson::parse(part.toStdString())});
        ojson body{{"model", "m-test"}, {"max_tokens", 64}};
        body[responses ? "input" : "messages"] =
            ojson::array({ojson{{"role", "user"}, {"content", content}}});
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        const Reply reply = http.post(url(sim, target.c_str()), body.dump());
        QCOMPARE(reply.status, 400L);
        const ojson error = ojson::parse(reply.body);
        QCOMPARE(error["error"]["type"].get<std::string>(), std::string("invalid_request_error"));
        const std::string message = error["error"]["message"].get<std::string>();
        QVERIFY2(message.find(named.toStdString()) != std::string::npos, message.c_str());
        if (target == kMessages) {
            QCOMPARE(error["type"].get<std::string>(), std::string("error"));
            QCOMPARE(reply.header("x-should-retry"), std::string("false"));
        } else {
            QCOMPARE(error["error"]["param"].get<std::string>(), param.toStdString());
        }
        QCOMPARE(sim.stats().count(SimOutcome::bad_request), 1u);
    }

    // A user turn offered tools is answered with a call of the first (or the forced) tool,
    // its arguments made from the schema and the user's words.
    void openaiToolCall()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        const std::string target = url(sim, kChat.c_str());
        ojson request = openai_weather_request("What is the weather in Paris?");
        const Reply reply = http.post(target, request.dump());
        QCOMPARE(reply.status, 200L);
        const ojson got = ojson::parse(reply.body);
        const auto& choice = got["choices"][0];
        QCOMPARE(choice["finish_reason"].get<std::string>(), std::string("tool_calls"));
        const auto& message = choice["message"];
        QVERIFY(message["content"].is_null());
        QCOMPARE(message["tool_calls"].size(), std::size_t(1));
        const auto& call = message["tool_calls"][0];
        QVERIFY(call["id"].get<std::string>().starts_with("call_"));
        QCOMPARE(call["type"].get<std::string>(), std::string("function"));
        QCOMPARE(call["function"]["name"].get<std::string>(), std::string("get_weather"));
        const std::string arguments = call["function"]["arguments"].get<std::string>();
        QCOMPARE(ojson::parse(arguments), ojson::parse(R"({"city":"Paris","unit":"celsius"})"));
        QVERIFY(got["usage"]["completion_tokens"].get<int>() > 1);
        // Same request, same call.
        const ojson again = ojson::parse(http.post(target, request.dump()).body);
        QCOMPARE(again["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"].get<std::string>(),
                 arguments);

        // A second tool with other kinds of properties, forced by name.
        const ojson forecast =
            ojson::parse(R"({"type":"function","function":{"name":"get_forecast","parameters":
            {"type":"object","properties":{"place":{"type":"string"},"days":{"type":"integer","minimum":5},
             "hourly":{"type":"boolean"},"ratio":{"type":"number"},"tags":{"type":"array","items":{"type":"string"}}}}}})");
        request["tools"].push_back(forecast);
        request["tool_choice"] = {{"type", "function"}, {"function", {{"name", "get_forecast"}}}};
        const ojson forced = ojson::parse(http.post(target, request.dump()).body);
        const auto& forced_call = forced["choices"][0]["message"]["tool_calls"][0]["function"];
        QCOMPARE(forced_call["name"].get<std::string>(), std::string("get_forecast"));
        QCOMPARE(ojson::parse(forced_call["arguments"].get<std::string>()),
                 ojson::parse(R"({"days":5,"hourly":true,"place":"Paris","ratio":1.5,"tags":["in"]})"));

        request["tool_choice"] = "required";
        const ojson required = ojson::parse(http.post(target, request.dump()).body);
        QCOMPARE(required["choices"][0]["message"]["tool_calls"][0]["function"]["name"].get<std::string>(),
                 std::string("get_weather"));

        request["tool_choice"] = "none";
        const ojson none = ojson::parse(http.post(target, request.dump()).body);
        QCOMPARE(none["choices"][0]["finish_reason"].get<std::string>(), std::string("stop"));
        QVERIFY(!none["choices"][0]["message"].contains("tool_calls"));
        QVERIFY(
            none["choices"][0]["message"]["content"].get<std::string>().starts_with("Simulated answer to:"));
    }

    // The stream opens the call with id, type, name and empty arguments; argument fragments
    // follow with the index alone; then finish_reason tool_calls, usage, [DONE].
    void openaiToolCallStream()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        ojson request = openai_weather_request("What is the weather like in Lisbon?");
        request["stream"] = true;
        request["stream_options"] = {{"include_usage", true}};
        const Reply reply = http.post(url(sim, kChat.c_str()), request.dump());
        QCOMPARE(reply.status, 200L);
        QCOMPARE(split_events(reply.body).back(), std::string("data: [DONE]"));
        const auto chunks = chat_chunks(reply.body);
        QVERIFY(chunks.size() >= 5);
        const auto& opening = chunks.front()["choices"][0]["delta"];
        QCOMPARE(opening["role"].get<std::string>(), std::string("assistant"));
        const auto& start = opening["tool_calls"][0];
        QCOMPARE(start["index"].get<int>(), 0);
        QVERIFY(start["id"].get<std::string>().starts_with("call_"));
        QCOMPARE(start["type"].get<std::string>(), std::string("function"));
        QCOMPARE(start["function"]["name"].get<std::string>(), std::string("get_weather"));
        QCOMPARE(start["function"]["arguments"].get<std::string>(), std::string());
        std::string arguments;
        int fragments = 0;
        int finishes = 0;
        for (std::size_t i = 1; i < chunks.size(); ++i) {
            const auto& chunk = chunks[i];
            if (chunk["choices"].empty()) {
                QCOMPARE(i, chunks.size() - 1);  // usage comes last
                QVERIFY(chunk["usage"]["completion_tokens"].get<int>() > 1);
                continue;
            }
            const auto& choice = chunk["choices"][0];
            if (!choice["finish_reason"].is_null()) {
                ++finishes;
                QCOMPARE(choice["finish_reason"].get<std::string>(), std::string("tool_calls"));
                continue;
            }
            const auto& delta = choice["delta"]["tool_calls"][0];
            QCOMPARE(keys(delta), QStringList({"index", "function"}));
            QCOMPARE(keys(delta["function"]), QStringList({"arguments"}));
            arguments += delta["function"]["arguments"].get<std::string>();
            ++fragments;
        }
        QCOMPARE(finishes, 1);
        QVERIFY(fragments >= 2);
        QVERIFY(nlohmann::json::accept(arguments));
        QCOMPARE(ojson::parse(arguments), ojson::parse(R"({"city":"Lisbon","unit":"celsius"})"));
    }

    void anthropicToolUse()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        ojson request = anthropic_weather_request("What's the weather in Paris?");
        const Reply reply = http.post(url(sim, kMessages.c_str()), request.dump());
        QCOMPARE(reply.status, 200L);
        const ojson got = ojson::parse(reply.body);
        QCOMPARE(got["stop_reason"].get<std::string>(), std::string("tool_use"));
        // Unforced, Claude says a sentence first: the call is block 1.
        QCOMPARE(got["content"].size(), std::size_t(2));
        QCOMPARE(got["content"][0]["type"].get<std::string>(), std::string("text"));
        QCOMPARE(got["content"][0]["text"].get<std::string>(), std::string("I'll call get_weather."));
        const auto& use = got["content"][1];
        QCOMPARE(use["type"].get<std::string>(), std::string("tool_use"));
        QVERIFY(use["id"].get<std::string>().starts_with("toolu_01"));
        QCOMPARE(use["name"].get<std::string>(), std::string("get_weather"));
        QCOMPARE(use["input"], ojson::parse(R"({"city":"Paris","unit":"celsius"})"));

        request["tool_choice"] = {{"type", "tool"}, {"name", "get_weather"}};
        const ojson forced = ojson::parse(http.post(url(sim, kMessages.c_str()), request.dump()).body);
        QCOMPARE(forced["content"].size(), std::size_t(1));
        QCOMPARE(forced["content"][0]["type"].get<std::string>(), std::string("tool_use"));

        request["tool_choice"] = {{"type", "none"}};
        const ojson none = ojson::parse(http.post(url(sim, kMessages.c_str()), request.dump()).body);
        QCOMPARE(none["stop_reason"].get<std::string>(), std::string("end_turn"));
    }

    void anthropicToolUseStream()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        ojson request = anthropic_weather_request("What's the weather in Paris?");
        request["stream"] = true;
        const Reply reply = http.post(url(sim, kMessages.c_str()), request.dump());
        QCOMPARE(reply.status, 200L);
        QStringList names;
        std::string text;
        std::string partial_json;
        for (const auto& e : split_events(reply.body)) {
            const QString name = QString::fromStdString(event_name(e));
            const ojson data = event_data(e);
            QVERIFY2(!data.is_discarded(), e.c_str());
            if (name != "content_block_delta" || names.back() != name)
                names << name;
            if (name == "content_block_start" && data["index"] == 1) {
                QCOMPARE(data["content_block"]["type"].get<std::string>(), std::string("tool_use"));
                QCOMPARE(data["content_block"]["name"].get<std::string>(), std::string("get_weather"));
                QVERIFY(data["content_block"]["id"].get<std::string>().starts_with("toolu_01"));
                QCOMPARE(data["content_block"]["input"], ojson::object());
            }
            if (name == "content_block_delta") {
                const auto& delta = data["delta"];
                if (data["index"] == 0) {
                    QCOMPARE(delta["type"].get<std::string>(), std::string("text_delta"));
                    text += delta["text"].get<std::string>();
                } else {
                    QCOMPARE(data["index"].get<int>(), 1);
                    QCOMPARE(delta["type"].get<std::string>(), std::string("input_json_delta"));
                    partial_json += delta["partial_json"].get<std::string>();
                }
            }
            if (name == "message_delta") {
                QCOMPARE(data["delta"]["stop_reason"].get<std::string>(), std::string("tool_use"));
                QVERIFY(data["usage"]["output_tokens"].get<int>() > 1);
            }
        }
        QCOMPARE(names, QStringList({"message_start", "content_block_start", "ping", "content_block_delta",
                                     "content_block_stop", "content_block_start", "content_block_delta",
                                     "content_block_stop", "message_delta", "message_stop"}));
        QCOMPARE(text, std::string("I'll call get_weather."));
        QCOMPARE(ojson::parse(partial_json), ojson::parse(R"({"city":"Paris","unit":"celsius"})"));
    }

    // A turn of tool results is answered with text quoting them; with x-sim-echo the
    // transcript shows every call and result in the format's own terms.
    void toolResultsAreQuoted_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("request");
        QTest::addColumn<QString>("transcript");
        const std::string arguments = ojson{{"city", "Paris"}}.dump();
        const ojson question{{"role", "user"}, {"content", "Weather in Paris?"}};

        ojson chat = openai_weather_request("Weather in Paris?");
        const ojson call{{"id", "call_1"},
                         {"type", "function"},
                         {"function", {{"name", "get_weather"}, {"arguments", arguments}}}};
        chat["messages"].push_back(
            {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", ojson::array({call})}});
        chat["messages"].push_back(
            {{"role", "tool"}, {"tool_call_id", "call_1"}, {"content", "72F and sunny"}});
        QTest::newRow("openai") << QString::fromStdString(kChat) << QString::fromStdString(chat.dump())
                                << "user: Weather in Paris?\nassistant: [tool_call call_1 get_weather "
                                       + QString::fromStdString(arguments)
                                       + "]\ntool(call_1): 72F and sunny\n";

        ojson messages = anthropic_weather_request("Weather in Paris?");
        const ojson use{
            {"type", "tool_use"}, {"id", "toolu_1"}, {"name", "get_weather"}, {"input", {{"city", "Paris"}}}};
        const ojson result{{"type", "tool_result"}, {"tool_use_id", "toolu_1"}, {"content", "72F and sunny"}};
        messages["messages"].push_back({{"role", "assistant"}, {"content", ojson::array({use})}});
        messages["messages"].push_back({{"role", "user"}, {"content", ojson::array({result})}});
        QTest::newRow("anthropic") << QString::fromStdString(kMessages)
                                   << QString::fromStdString(messages.dump())
                                   << "user: Weather in Paris?\nassistant: [tool_use id=toolu_1 get_weather "
                                          + QString::fromStdString(arguments)
                                          + "]\nuser: [tool_result toolu_1: 72F and sunny]\n";

        ojson responses = responses_weather_request("Weather in Paris?");
        responses["input"] = ojson::array(
            {question,
             ojson{{"type", "function_call"},
                   {"call_id", "call_1"},
                   {"name", "get_weather"},
                   {"arguments", arguments}},
             ojson{{"type", "function_call_output"}, {"call_id", "call_1"}, {"output", "72F and sunny"}}});
        QTest::newRow("responses") << QString::fromStdString(kResponses)
                                   << QString::fromStdString(responses.dump())
                                   << "user: Weather in Paris?\nassistant: [function_call call_1 get_weather "
                                          + QString::fromStdString(arguments)
                                          + "]\nfunction_call_output(call_1): 72F and sunny\n";
    }

    void toolResultsAreQuoted()
    {
        QFETCH(QString, path);
        QFETCH(QString, request);
        QFETCH(QString, transcript);
        const std::string target = path.toStdString();
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        const Reply reply = http.post(url(sim, target.c_str()), request.toStdString());
        QVERIFY2(reply.status == 200, reply.body.c_str());
        const ojson got = ojson::parse(reply.body);
        QCOMPARE(answer_text(target, got), std::string("The tool said: 72F and sunny"));
        if (target == kChat)
            QCOMPARE(got["choices"][0]["finish_reason"].get<std::string>(), std::string("stop"));
        if (target == kMessages)
            QCOMPARE(got["stop_reason"].get<std::string>(), std::string("end_turn"));
        if (target == kResponses)
            QCOMPARE(got["output"].size(), std::size_t(1));

        const Reply echo = http.post(url(sim, target.c_str()), request.toStdString(), {"x-sim-echo: 1"});
        QCOMPARE(QString::fromStdString(answer_text(target, ojson::parse(echo.body))), transcript);
    }

    // Echo wins over a tool call: the transcript comes back as text.
    void echoWithToolsOffered()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        const ojson got =
            ojson::parse(http.post(url(sim, kChat.c_str()), openai_weather_request("Weather in Oslo?").dump(),
                                   {"x-sim-echo: 1"})
                             .body);
        QCOMPARE(got["choices"][0]["finish_reason"].get<std::string>(), std::string("stop"));
        QCOMPARE(got["choices"][0]["message"]["content"].get<std::string>(),
                 std::string("user: Weather in Oslo?\n"));
    }

    // Tool turns that do not fit together, and tools in the other provider's shape, are the
    // provider's own 400 naming the field.
    void toolValidation_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("request");
        QTest::addColumn<QString>("named");
        QTest::addColumn<QString>("param");  // OpenAI error.param
        const QString chat = QString::fromStdString(kChat);
        const QString messages = QString::fromStdString(kMessages);
        const QString responses = QString::fromStdString(kResponses);
        const QString oa_tools =
            R"("tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}])";
        const QString an_tools = R"("tools":[{"name":"get_weather","input_schema":{"type":"object"}}])";
        const QString oa_call =
            R"({"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{}"}}]})";
        const QString an_use =
            R"({"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}]})";
        QTest::newRow("openai unknown tool_call_id")
            << chat
            << R"({"model":"m",)" + oa_tools + R"(,"messages":[{"role":"user","content":"hi"},)" + oa_call
                   + R"(,{"role":"tool","tool_call_id":"call_2","content":"x"}]})"
            << "messages[2].tool_call_id"
            << "messages[2].tool_call_id";
        QTest::newRow("openai tool without call")
            << chat
            << R"({"model":"m",)" + oa_tools
                   + R"(,"messages":[{"role":"user","content":"hi"},{"role":"tool","tool_call_id":"call_1","content":"x"}]})"
            << "messages[1]"
            << "messages[1].role";
        QTest::newRow("openai call unanswered")
            << chat
            << R"({"model":"m",)" + oa_tools + R"(,"messages":[{"role":"user","content":"hi"},)" + oa_call
                   + R"(,{"role":"user","content":"and?"}]})"
            << "did not have response messages (messages[1]): call_1"
            << "messages[1].role";
        QTest::newRow("openai arguments object")
            << chat
            << R"({"model":"m",)" + oa_tools
                   + R"(,"messages":[{"role":"user","content":"hi"},{"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":{}}}]},{"role":"tool","tool_call_id":"call_1","content":"x"}]})"
            << "messages[1].tool_calls[0].function.arguments"
            << "messages[1].tool_calls[0].function.arguments";
        QTest::newRow("openai anthropic tool shape")
            << chat << R"({"model":"m",)" + an_tools + R"(,"messages":[{"role":"user","content":"hi"}]})"
            << "tools[0].type"
            << "tools[0].type";
        QTest::newRow("openai tool_choice without tools")
            << chat << R"({"model":"m","tool_choice":"auto","messages":[{"role":"user","content":"hi"}]})"
            << "'tool_choice' is only allowed when 'tools' are specified"
            << "tool_choice";
        QTest::newRow("openai unknown forced tool")
            << chat
            << R"({"model":"m",)" + oa_tools
                   + R"(,"tool_choice":{"type":"function","function":{"name":"nope"}},"messages":[{"role":"user","content":"hi"}]})"
            << "tool_choice.function.name"
            << "tool_choice.function.name";
        QTest::newRow("anthropic unknown tool_use_id")
            << messages
            << R"({"model":"m","max_tokens":9,)" + an_tools
                   + R"(,"messages":[{"role":"user","content":"hi"},)" + an_use
                   + R"(,{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_2","content":"x"}]}]})"
            << "messages.2.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_2"
            << "";
        QTest::newRow("anthropic tool_use unanswered")
            << messages
            << R"({"model":"m","max_tokens":9,)" + an_tools
                   + R"(,"messages":[{"role":"user","content":"hi"},)" + an_use
                   + R"(,{"role":"user","content":"and?"}]})"
            << "messages.2: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1"
            << "";
        QTest::newRow("anthropic openai tool shape")
            << messages
            << R"({"model":"m","max_tokens":9,)" + oa_tools
                   + R"(,"messages":[{"role":"user","content":"hi"}]})"
            << "tools.0: Input tag 'function'"
            << "";
        QTest::newRow("anthropic parameters not input_schema")
            << messages
            << R"({"model":"m","max_tokens":9,"tools":[{"name":"get_weather","parameters":{"type":"object"}}],"messages":[{"role":"user","content":"hi"}]})"
            << "tools.0.custom.input_schema: Field required"
            << "";
        QTest::newRow("anthropic roles repeat")
            << messages
            << R"({"model":"m","max_tokens":9,"messages":[{"role":"user","content":"a"},{"role":"user","content":"b"}]})"
            << "messages.1.role: roles must alternate"
            << "";
        QTest::newRow("anthropic input as string")
            << messages
            << R"({"model":"m","max_tokens":9,)" + an_tools
                   + R"(,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"get_weather","input":"{}"}]}]})"
            << "messages.1.content.0.tool_use.input"
            << "";
        QTest::newRow("anthropic tool blocks without tools")
            << messages
            << R"({"model":"m","max_tokens":9,"messages":[{"role":"user","content":"hi"},)" + an_use
                   + R"(,{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"x"}]}]})"
            << "must define tools"
            << "";
        QTest::newRow("responses unknown call_id")
            << responses
            << R"({"model":"m","input":[{"role":"user","content":"hi"},{"type":"function_call_output","call_id":"call_9","output":"x"}]})"
            << "input[1].call_id"
            << "input[1].call_id";
        QTest::newRow("responses chat tool shape")
            << responses << R"({"model":"m",)" + oa_tools + R"(,"input":"hi"})"
            << "tools[0].name"
            << "tools[0].name";
    }

    void toolValidation()
    {
        QFETCH(QString, path);
        QFETCH(QString, request);
        QFETCH(QString, named);
        QFETCH(QString, param);
        const std::string target = path.toStdString();
        QVERIFY2(nlohmann::json::accept(request.toStdString()), qPrintable(request));
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        const Reply reply = http.post(url(sim, target.c_str()), request.toStdString());
        QCOMPARE(reply.status, 400L);
        const ojson error = ojson::parse(reply.body);
        QCOMPARE(error["error"]["type"].get<std::string>(), std::string("invalid_request_error"));
        const std::string message = error["error"]["message"].get<std::string>();
        QVERIFY2(message.find(named.toStdString()) != std::string::npos, message.c_str());
        if (target != kMessages)
            QCOMPARE(error["error"]["param"].get<std::string>(), param.toStdString());
    }

    // Structured output, asked for in each format's terms, is JSON made from the schema.
    void structuredOutput_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("request");
        QTest::addColumn<QString>("expected");
        const ojson question = ojson::array({ojson{{"role", "user"}, {"content", "What is the weather in Paris?"}}});
        const QString weather = R"({"city":"Paris","unit":"celsius"})";
        ojson chat{{"model", "gpt-test-1"}, {"messages", question}};
        chat["response_format"] = {{"type", "json_schema"},
                                   {"json_schema", {{"name", "weather"}, {"schema", weather_schema()}}}};
        QTest::newRow("openai json_schema") << QString::fromStdString(kChat) << QString::fromStdString(chat.dump())
                                            << weather;
        chat["response_format"] = {{"type", "json_object"}};
        QTest::newRow("openai json_object") << QString::fromStdString(kChat) << QString::fromStdString(chat.dump())
                                            << R"({"answer":"Paris"})";
        ojson messages{{"model", "claude-test-1"}, {"max_tokens", 100}, {"messages", question}};
        messages["output_config"] = {{"format", {{"type", "json_schema"}, {"schema", weather_schema()}}}};
        QTest::newRow("anthropic output_config")
            << QString::fromStdString(kMessages) << QString::fromStdString(messages.dump()) << weather;
        ojson responses{{"model", "gpt-test-1"}, {"input", "What is the weather in Paris?"}};
        responses["text"] = {{"format", {{"type", "json_schema"}, {"name", "weather"}, {"schema", weather_schema()}}}};
        QTest::newRow("responses text.format")
            << QString::fromStdString(kResponses) << QString::fromStdString(responses.dump()) << weather;
    }

    void structuredOutput()
    {
        QFETCH(QString, path);
        QFETCH(QString, request);
        QFETCH(QString, expected);
        const std::string target = path.toStdString();
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        const Reply reply = http.post(url(sim, target.c_str()), request.toStdString());
        QVERIFY2(reply.status == 200, reply.body.c_str());
        const std::string text = answer_text(target, ojson::parse(reply.body));
        QVERIFY2(nlohmann::json::accept(text), text.c_str());
        QCOMPARE(ojson::parse(text), ojson::parse(expected.toStdString()));
    }

    // n > 1: every choice has its own text, index and finish; usage covers all of them.
    void openaiChoices()
    {
        Simulator sim(quiet_profile(10));
        QVERIFY(sim.start());
        Http http;
        ojson request = ojson::parse(openai_body("Name a colour"));
        request["n"] = 2;
        const ojson got = ojson::parse(http.post(url(sim, kChat.c_str()), request.dump()).body);
        QCOMPARE(got["choices"].size(), std::size_t(2));
        std::vector<std::string> texts;
        for (int i = 0; i < 2; ++i) {
            QCOMPARE(got["choices"][i]["index"].get<int>(), i);
            QCOMPARE(got["choices"][i]["finish_reason"].get<std::string>(), std::string("stop"));
            texts.push_back(got["choices"][i]["message"]["content"].get<std::string>());
        }
        QVERIFY(texts[0].starts_with("Simulated answer to: Name a colour"));
        QVERIFY(texts[1].starts_with("Simulated answer #2 to: Name a colour"));
        QCOMPARE(got["usage"]["completion_tokens"].get<int>(), 20);

        request["stream"] = true;
        request["stream_options"] = {{"include_usage", true}};
        const auto chunks = chat_chunks(http.post(url(sim, kChat.c_str()), request.dump()).body);
        std::map<int, std::string> streamed;
        std::map<int, int> roles;
        std::map<int, int> finishes;
        int usage_chunks = 0;
        for (const auto& chunk : chunks) {
            if (chunk["choices"].empty()) {
                ++usage_chunks;
                QCOMPARE(chunk["usage"]["completion_tokens"].get<int>(), 20);
                continue;
            }
            const auto& choice = chunk["choices"][0];
            const int index = choice["index"].get<int>();
            QVERIFY(index == 0 || index == 1);
            const auto& delta = choice["delta"];
            if (delta.contains("role")) {
                QVERIFY(!streamed.count(index));  // the role opens the choice
                ++roles[index];
            }
            if (!choice["finish_reason"].is_null())
                ++finishes[index];
            if (delta.contains("content") && delta["content"].is_string()) {
                QCOMPARE(roles[index], 1);
                QCOMPARE(finishes[index], 0);
                streamed[index] += delta["content"].get<std::string>();
            }
        }
        QCOMPARE(roles, (std::map<int, int>{{0, 1}, {1, 1}}));
        QCOMPARE(finishes, (std::map<int, int>{{0, 1}, {1, 1}}));
        QCOMPARE(streamed[0], texts[0]);
        QCOMPARE(streamed[1], texts[1]);
        QCOMPARE(usage_chunks, 1);

        request["n"] = 0;
        request.erase("stream");
        request.erase("stream_options");
        const Reply bad = http.post(url(sim, kChat.c_str()), request.dump());
        QCOMPARE(bad.status, 400L);
        QCOMPARE(ojson::parse(bad.body)["error"]["param"].get<std::string>(), std::string("n"));
    }

    void responsesText()
    {
        SimulatorOptions options;
        options.api_key = run_key();
        Simulator sim(quiet_profile(12), options);
        QVERIFY(sim.start());
        Http http;
        const std::string target = url(sim, kResponses.c_str());
        const std::vector<std::string> auth = {"Authorization: Bearer " + run_key()};
        const ojson request{
            {"model", "gpt-test-1"}, {"instructions", "Be brief."}, {"input", "Describe the routing"}};
        const Reply reply = http.post(target, request.dump(), auth);
        QCOMPARE(reply.status, 200L);
        QVERIFY(reply.header("x-request-id").starts_with("req_"));
        const ojson got = ojson::parse(reply.body);
        for (const char* key : {"id", "object", "created_at", "status", "error", "incomplete_details",
                                "instructions", "metadata", "model", "output", "parallel_tool_calls",
                                "temperature", "tool_choice", "tools", "top_p", "usage"})
            QVERIFY2(got.contains(key), key);
        QVERIFY(got["id"].get<std::string>().starts_with("resp_"));
        QCOMPARE(got["object"].get<std::string>(), std::string("response"));
        QCOMPARE(got["status"].get<std::string>(), std::string("completed"));
        QVERIFY(got["error"].is_null());
        QVERIFY(got["incomplete_details"].is_null());
        QCOMPARE(got["instructions"].get<std::string>(), std::string("Be brief."));
        QCOMPARE(got["model"].get<std::string>(), std::string("gpt-test-1"));
        QCOMPARE(got["output"].size(), std::size_t(1));
        const auto& item = got["output"][0];
        QCOMPARE(item["type"].get<std::string>(), std::string("message"));
        QVERIFY(item["id"].get<std::string>().starts_with("msg_"));
        QCOMPARE(item["role"].get<std::string>(), std::string("assistant"));
        QCOMPARE(item["status"].get<std::string>(), std::string("completed"));
        QCOMPARE(item["content"][0]["type"].get<std::string>(), std::string("output_text"));
        QCOMPARE(item["content"][0]["annotations"], ojson::array());
        QVERIFY(item["content"][0]["text"].get<std::string>().starts_with(
            "Simulated answer to: Describe the routing"));
        const auto& usage = got["usage"];
        const auto chars = std::string("Be brief.").size() + std::string("Describe the routing").size();
        QCOMPARE(usage["input_tokens"].get<std::size_t>(), (chars + 3) / 4);
        QCOMPARE(usage["input_tokens_details"]["cached_tokens"].get<int>(), 0);
        QCOMPARE(usage["output_tokens"].get<int>(), 12);
        QCOMPARE(usage["output_tokens_details"]["reasoning_tokens"].get<int>(), 0);
        QCOMPARE(usage["total_tokens"].get<std::size_t>(), (chars + 3) / 4 + 12);

        ojson cut = request;
        cut["max_output_tokens"] = 3;
        const ojson incomplete = ojson::parse(http.post(target, cut.dump(), auth).body);
        QCOMPARE(incomplete["status"].get<std::string>(), std::string("incomplete"));
        QCOMPARE(incomplete["incomplete_details"]["reason"].get<std::string>(),
                 std::string("max_output_tokens"));
        QCOMPARE(incomplete["max_output_tokens"].get<int>(), 3);
        QCOMPARE(incomplete["output"][0]["content"][0]["text"].get<std::string>(),
                 std::string("Simulated answer to:"));

        const Reply wrong = http.post(target, request.dump(), {"Authorization: Bearer nope"});
        QCOMPARE(wrong.status, 401L);
        QCOMPARE(shape(ojson::parse(wrong.body)),
                 shape(sample_error("openai", "401_invalid_api_key")["body"]));
        QCOMPARE(sim.stats().requests_to(SimEndpoint::responses), 3u);
    }

    void responsesFunctionCall()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        ojson request = responses_weather_request("What is the weather in Paris?");
        request["tools"].push_back({{"type", "web_search_preview"}});  // built-in: accepted, never called
        const Reply reply = http.post(url(sim, kResponses.c_str()), request.dump());
        QCOMPARE(reply.status, 200L);
        const ojson got = ojson::parse(reply.body);
        QCOMPARE(got["status"].get<std::string>(), std::string("completed"));
        QVERIFY(nlohmann::json(got["tools"])
                == nlohmann::json(request["tools"]));  // as sent, key order aside
        QCOMPARE(got["output"].size(), std::size_t(1));
        const auto& call = got["output"][0];
        QCOMPARE(call["type"].get<std::string>(), std::string("function_call"));
        QVERIFY(call["id"].get<std::string>().starts_with("fc_"));
        QVERIFY(call["call_id"].get<std::string>().starts_with("call_"));
        QCOMPARE(call["name"].get<std::string>(), std::string("get_weather"));
        QCOMPARE(call["status"].get<std::string>(), std::string("completed"));
        QCOMPARE(ojson::parse(call["arguments"].get<std::string>()),
                 ojson::parse(R"({"city":"Paris","unit":"celsius"})"));

        request["tool_choice"] = "none";
        const ojson none = ojson::parse(http.post(url(sim, kResponses.c_str()), request.dump()).body);
        QCOMPARE(none["output"][0]["type"].get<std::string>(), std::string("message"));
        QCOMPARE(none["tool_choice"].get<std::string>(), std::string("none"));
    }

    // The event sequence openai-node's responses.stream() accepts.
    void responsesStream_data()
    {
        QTest::addColumn<bool>("tools");
        QTest::newRow("text") << false;
        QTest::newRow("function call") << true;
    }

    void responsesStream()
    {
        QFETCH(bool, tools);
        Simulator sim(quiet_profile(8));
        QVERIFY(sim.start());
        Http http;
        ojson request = tools ? responses_weather_request("Tell me the weather in Rome")
                              : ojson{{"model", "gpt-test-1"}, {"input", "Tell me the weather in Rome"}};
        request["stream"] = true;
        const Reply reply = http.post(url(sim, kResponses.c_str()), request.dump());
        QCOMPARE(reply.status, 200L);
        QCOMPARE(reply.header("content-type"), std::string("text/event-stream; charset=utf-8"));
        const auto events = split_events(reply.body);
        QVERIFY(events.size() >= 8);
        ojson items = ojson::array();                 // as output_item.done left them
        std::map<std::string, std::string> streamed;  // item id -> text or arguments
        std::map<std::string, int> parts;             // item id -> content parts added
        std::int64_t sequence = 0;
        QStringList kinds;
        for (const auto& e : events) {
            const std::string name = event_name(e);
            const ojson data = event_data(e);
            QVERIFY2(!data.is_discarded(), e.c_str());
            QCOMPARE(data["type"].get<std::string>(), name);
            QCOMPARE(data["sequence_number"].get<std::int64_t>(), sequence++);
            QVERIFY(!data.contains("error"));
            if (name == "response.output_item.added") {
                QCOMPARE(data["output_index"].get<std::size_t>(), items.size());
                QCOMPARE(data["item"]["status"].get<std::string>(), std::string("in_progress"));
                QVERIFY(!data["item"]["id"].get<std::string>().empty());
                kinds << QString::fromStdString(data["item"]["type"].get<std::string>());
            }
            if (name == "response.content_part.added") {
                QCOMPARE(data["content_index"].get<int>(), 0);
                ++parts[data["item_id"].get<std::string>()];
            }
            if (name == "response.output_text.delta") {
                QCOMPARE(parts[data["item_id"].get<std::string>()], 1);  // its part came first
                streamed[data["item_id"].get<std::string>()] += data["delta"].get<std::string>();
            }
            if (name == "response.output_text.done")
                QCOMPARE(data["text"].get<std::string>(), streamed[data["item_id"].get<std::string>()]);
            if (name == "response.function_call_arguments.delta")
                streamed[data["item_id"].get<std::string>()] += data["delta"].get<std::string>();
            if (name == "response.function_call_arguments.done") {
                QCOMPARE(data["arguments"].get<std::string>(), streamed[data["item_id"].get<std::string>()]);
                QCOMPARE(data["name"].get<std::string>(), std::string("get_weather"));
            }
            if (name == "response.output_item.done") {
                QCOMPARE(data["output_index"].get<std::size_t>(), items.size());
                items.push_back(data["item"]);
            }
        }
        QCOMPARE(event_name(events[0]), std::string("response.created"));
        QCOMPARE(event_data(events[0])["response"]["status"].get<std::string>(), std::string("in_progress"));
        QCOMPARE(event_data(events[0])["response"]["output"], ojson::array());
        QCOMPARE(event_name(events[1]), std::string("response.in_progress"));
        QCOMPARE(event_name(events.back()), std::string("response.completed"));
        const ojson final = event_data(events.back())["response"];
        QCOMPARE(final["status"].get<std::string>(), std::string("completed"));
        QCOMPARE(final["output"], items);
        QCOMPARE(final["id"], event_data(events[0])["response"]["id"]);
        QVERIFY(final["usage"]["output_tokens"].get<int>() > 0);
        if (tools) {
            QCOMPARE(kinds, QStringList({"function_call"}));
            QCOMPARE(items[0]["status"].get<std::string>(), std::string("completed"));
            const std::string arguments = items[0]["arguments"].get<std::string>();
            QCOMPARE(streamed[items[0]["id"].get<std::string>()], arguments);
            QCOMPARE(ojson::parse(arguments), ojson::parse(R"({"city":"Rome","unit":"celsius"})"));
        } else {
            QCOMPARE(kinds, QStringList({"message"}));
            const std::string text = items[0]["content"][0]["text"].get<std::string>();
            QCOMPARE(streamed[items[0]["id"].get<std::string>()], text);
            request.erase("stream");
            const ojson plain = ojson::parse(http.post(url(sim, kResponses.c_str()), request.dump()).body);
            QCOMPARE(plain["output"][0]["content"][0]["text"].get<std::string>(), text);
        }
    }

    // The fault headers work on /v1/responses: errors, latency, a stream that fails midway.
    // Embeddings: the same text gives the same vector; texts that share words are nearer than
    // texts that share none; base64 carries the same floats; a missing input is OpenAI's 400.
    void embeddingsTellNearFromFar()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        const ojson body = {{"model", "text-embedding-3-small"},
                            {"input", {"How do I return a damaged parcel?", "Returning a damaged parcel",
                                       "What are your opening hours on Sunday?"}}};
        const Reply reply = http.post(url(sim, "/v1/embeddings"), body.dump());
        QCOMPARE(reply.status, 200L);
        const ojson got = ojson::parse(reply.body);
        QCOMPARE(got["object"].get<std::string>(), std::string("list"));
        QCOMPARE(got["data"].size(), std::size_t(3));
        QVERIFY(got["usage"]["prompt_tokens"].get<int>() > 0);
        auto vector = [&](int i) { return got["data"][i]["embedding"].get<std::vector<float>>(); };
        auto cosine = [](const std::vector<float>& a, const std::vector<float>& b) {
            double dot = 0;
            for (std::size_t i = 0; i < a.size(); ++i) dot += static_cast<double>(a[i]) * b[i];
            return dot;  // unit vectors
        };
        QCOMPARE(vector(0).size(), std::size_t(256));
        QVERIFY(std::abs(cosine(vector(0), vector(0)) - 1.0) < 1e-5);
        const double near = cosine(vector(0), vector(1));
        const double far = cosine(vector(0), vector(2));
        QVERIFY2(near > 0.3 && near > far + 0.2, qPrintable(QString("near %1, far %2").arg(near).arg(far)));
        QCOMPARE(sim_embedding("Returning a damaged parcel", 256), vector(1));

        ojson encoded = {{"model", "m"}, {"input", "Returning a damaged parcel"}, {"encoding_format", "base64"},
                         {"dimensions", 64}};
        const ojson as_base64 = ojson::parse(http.post(url(sim, "/v1/embeddings"), encoded.dump()).body);
        const std::string bytes = sb::base64_decode(as_base64["data"][0]["embedding"].get<std::string>());
        std::vector<float> decoded(bytes.size() / sizeof(float));
        std::memcpy(decoded.data(), bytes.data(), bytes.size());
        QCOMPARE(decoded, sim_embedding("Returning a damaged parcel", 64));

        const Reply refused = http.post(url(sim, "/v1/embeddings"), ojson{{"model", "m"}}.dump());
        QCOMPARE(refused.status, 400L);
        QCOMPARE(ojson::parse(refused.body)["error"]["param"].get<std::string>(), std::string("input"));
    }

    void responsesFaults()
    {
        Simulator sim(quiet_profile());
        QVERIFY(sim.start());
        Http http;
        const std::string target = url(sim, kResponses.c_str());
        const ojson request{{"model", "gpt-test-1"}, {"input", "fault"}};
        const Reply limited =
            http.post(target, request.dump(), {"x-sim-fault: rate_limited", "x-sim-retry-after: 7"});
        QCOMPARE(limited.status, 429L);
        QCOMPARE(limited.header("retry-after"), std::string("7"));
        QCOMPARE(shape(ojson::parse(limited.body)),
                 shape(sample_error("openai", "429_rate_limit_exceeded_requests")["body"]));

        const Reply slow = http.post(target, request.dump(), {"x-sim-latency-ms: 200"});
        QCOMPARE(slow.status, 200L);
        QVERIFY2(slow.seconds >= 0.19, std::to_string(slow.seconds).c_str());

        ojson streamed = request;
        streamed["stream"] = true;
        const Reply broken = http.post(target, streamed.dump(), {"x-sim-fault: stream_error"});
        QCOMPARE(broken.status, 200L);
        const auto events = split_events(broken.body);
        QCOMPARE(event_name(events.front()), std::string("response.created"));
        QCOMPARE(event_name(events.back()), std::string("error"));
        QCOMPARE(event_data(events.back())["code"].get<std::string>(), std::string("server_error"));
        QVERIFY(broken.body.find("response.completed") == std::string::npos);
        QCOMPARE(event_name(events[events.size() - 2]), std::string("response.output_text.delta"));

        const Reply missing = http.post(target, R"({"model":"gpt-test-1"})");
        QCOMPARE(missing.status, 400L);
        QCOMPARE(ojson::parse(missing.body)["error"]["param"].get<std::string>(), std::string("input"));
    }
};

QTEST_GUILESS_MAIN(tst_Simulator)
#include "tst_simulator.moc"
