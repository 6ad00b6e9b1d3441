// The simulator over real loopback sockets, with libcurl easy handles as the client.
#include <QtTest>

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <set>
#include <thread>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

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
};

QTEST_GUILESS_MAIN(tst_Simulator)
#include "tst_simulator.moc"
