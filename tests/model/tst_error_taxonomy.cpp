#include <curl/curl.h>

#include <QFile>
#include <QTest>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "model/error.h"

using namespace std::chrono_literals;

namespace {

struct Expectation {
    sb::ErrorClass cls;
    bool retry;
    bool failover;
};

using enum sb::ErrorClass;

// Every case of both errors.json files must appear here; a new sample without an
// expectation fails the suite.
const std::map<std::string, Expectation> kExpected = {
    {"openai/400_context_length_exceeded", {ContextLength, false, false}},
    {"openai/401_invalid_api_key", {Auth, false, true}},
    {"openai/403_unsupported_country_region_territory", {Permission, false, true}},
    {"openai/404_model_not_found", {NotFound, false, true}},
    {"openai/429_rate_limit_exceeded_tokens", {RateLimited, true, true}},
    {"openai/429_rate_limit_exceeded_requests", {RateLimited, true, true}},
    {"openai/429_insufficient_quota", {QuotaExhausted, false, true}},
    {"openai/429_slow_down", {RateLimited, true, true}},
    {"openai/500_server_error", {ServerTransient, true, true}},
    {"openai/502_cf_bad_gateway_json", {ServerTransient, true, true}},
    {"openai/502_cloudflare_html", {ServerTransient, true, true}},
    {"openai/503_server_is_overloaded", {Overloaded, true, true}},
    {"openai/503_engine_overloaded_legacy", {Overloaded, true, true}},
    {"openai/503_slow_down_legacy", {RateLimited, true, true}},
    {"openai/sse_midstream_error", {ServerTransient, true, true}},
    {"anthropic/400_invalid_request_error", {BadRequest, false, false}},
    {"anthropic/401_authentication_error", {Auth, false, true}},
    {"anthropic/403_permission_error", {Permission, false, true}},
    {"anthropic/404_not_found_error_model", {NotFound, false, true}},
    {"anthropic/404_not_found_error_doc", {NotFound, false, true}},
    {"anthropic/413_request_too_large", {RequestTooLarge, false, false}},
    {"anthropic/429_rate_limit_error", {RateLimited, true, true}},
    {"anthropic/429_rate_limit_error_recorded", {RateLimited, true, true}},
    {"anthropic/429_enforced_spend_limit_reached", {QuotaExhausted, false, true}},
    {"anthropic/500_api_error", {ServerTransient, true, true}},
    {"anthropic/529_overloaded_error", {Overloaded, true, true}},
    {"anthropic/sse_midstream_overloaded_error", {Overloaded, true, true}},
};

const char* kProviders[] = {"openai", "anthropic"};

nlohmann::json load_cases(const char* provider) {
    QFile file(QStringLiteral(SB_TESTDATA_DIR "/wire/%1/errors.json").arg(QLatin1String(provider)));
    if (!file.open(QIODevice::ReadOnly)) return nlohmann::json();
    return nlohmann::json::parse(file.readAll().toStdString(), nullptr, false);
}

sb::Headers headers_of(const nlohmann::json& object) {
    sb::Headers headers;
    for (const auto& [name, value] : object.items()) headers.emplace_back(name, value.get<std::string>());
    return headers;
}

// The data of the stream's error event: `event: error`, or a data payload with an "error" key.
std::string error_event_data(const std::string& sse) {
    std::size_t start = 0;
    while (start < sse.size()) {
        auto end = sse.find("\n\n", start);
        if (end == std::string::npos) end = sse.size();
        std::string event, data;
        std::size_t line_start = start;
        while (line_start < end) {
            auto line_end = std::min(sse.find('\n', line_start), end);
            auto line = sse.substr(line_start, line_end - line_start);
            if (line.starts_with("event: ")) event = line.substr(7);
            if (line.starts_with("data: ")) data += line.substr(6);
            line_start = line_end + 1;
        }
        auto json = nlohmann::json::parse(data, nullptr, false);
        if (event == "error" || (json.is_object() && json.contains("error"))) return data;
        start = end + 2;
    }
    return {};
}

sb::Error classify_case(const nlohmann::json& sample) {
    if (sample.contains("sse"))
        return sb::classify_stream_error(error_event_data(sample["sse"].get<std::string>()));
    std::string body =
        sample["body"].is_null() ? sample.value("body_text", std::string{}) : sample["body"].dump();
    return sb::classify_http_error(sample["status"].get<int>(), headers_of(sample["headers"]), body);
}

}  // namespace

class TestErrorTaxonomy : public QObject {
    Q_OBJECT

private slots:
    void everySampleCaseHasAnExpectation() {
        std::size_t seen = 0;
        for (const char* provider : kProviders) {
            auto cases = load_cases(provider);
            QVERIFY2(cases.is_array() && !cases.empty(), provider);
            for (const auto& sample : cases) {
                auto key = std::string(provider) + "/" + sample["case"].get<std::string>();
                QVERIFY2(kExpected.contains(key), ("no expectation for case " + key).c_str());
                ++seen;
            }
        }
        QCOMPARE(seen, kExpected.size());  // and no expectation is stale
    }

    void sampleCases_data() {
        QTest::addColumn<QByteArray>("sample");
        QTest::addColumn<QString>("expectedClass");
        QTest::addColumn<bool>("retry");
        QTest::addColumn<bool>("failover");
        for (const char* provider : kProviders) {
            for (const auto& sample : load_cases(provider)) {
                auto key = std::string(provider) + "/" + sample["case"].get<std::string>();
                auto it = kExpected.find(key);
                QString expected = it == kExpected.end() ? QStringLiteral("<missing>")
                                                         : QString::fromUtf8(sb::to_string(it->second.cls));
                QTest::newRow(key.c_str()) << QByteArray::fromStdString(sample.dump()) << expected
                                           << (it != kExpected.end() && it->second.retry)
                                           << (it != kExpected.end() && it->second.failover);
            }
        }
    }

    void sampleCases() {
        QFETCH(QByteArray, sample);
        QFETCH(QString, expectedClass);
        QFETCH(bool, retry);
        QFETCH(bool, failover);
        QVERIFY2(expectedClass != QStringLiteral("<missing>"), "case has no expectation");
        auto json = nlohmann::json::parse(sample.toStdString());
        auto error = classify_case(json);
        QCOMPARE(QString::fromUtf8(sb::to_string(error.cls)), expectedClass);
        QCOMPARE(sb::should_retry_in_place(error), retry);
        QCOMPARE(sb::may_fail_over(error), failover);
        QVERIFY(error.message.size() < 600);
        // The operator sees the provider's own words.
        const auto& body = json["body"];
        if (body.is_object() && body.contains("error")) {
            auto provider_message = body["error"]["message"].get<std::string>().substr(0, 30);
            QVERIFY2(error.message.find(provider_message) != std::string::npos, error.message.c_str());
        }
        if (!json.contains("sse")) {
            auto prefix = "HTTP " + std::to_string(json["status"].get<int>());
            QVERIFY2(error.message.starts_with(prefix), error.message.c_str());
            QCOMPARE(error.http_status, json["status"].get<int>());
        }
    }

    void operatorMessageNamesTheCode() {
        auto cases = load_cases("openai");
        for (const auto& sample : cases) {
            if (sample["case"] != "429_rate_limit_exceeded_tokens") continue;
            auto error = classify_case(sample);
            QVERIFY2(error.message.starts_with("HTTP 429 rate_limit_exceeded: Rate limit reached for gpt-4"),
                     error.message.c_str());
            QCOMPARE(error.provider_type, std::string("tokens"));
            QCOMPARE(error.provider_code, std::string("rate_limit_exceeded"));
            QCOMPARE(error.provider_request_id, std::string("req_7f6e5d4c3b2a41908f7e6d5c4b3a2918"));
            QCOMPARE(error.retry_after, std::optional(26604ms));  // retry-after-ms wins over retry-after
            return;
        }
        QFAIL("sample case missing");
    }

    void anthropicFieldsAreKept() {
        for (const auto& sample : load_cases("anthropic")) {
            auto error = classify_case(sample);
            if (sample["case"] == "429_enforced_spend_limit_reached") {
                QCOMPARE(error.provider_code, std::string("enforced_spend_limit_reached"));
                QCOMPARE(error.provider_type, std::string("rate_limit_error"));
                QCOMPARE(error.provider_request_id, std::string("req_018EeWyXxfu5pfWkrYcMdjWG"));
                QVERIFY(!error.retry_after.has_value());
            } else if (sample["case"] == "429_rate_limit_error") {
                QCOMPARE(error.retry_after, std::optional(13000ms));
                QCOMPARE(error.should_retry, std::optional(true));
            } else if (sample["case"] == "400_invalid_request_error") {
                QCOMPARE(error.should_retry, std::optional(false));
            } else if (sample["case"] == "502_cf_bad_gateway_json") {
                QCOMPARE(error.provider_code, std::string("502"));
            }
        }
        auto cf = sb::classify_http_error(
            502, {},
            R"({"error":{"code":502,"message":"Bad gateway.","param":null,"type":"cf_bad_gateway"}})");
        QCOMPARE(cf.provider_code, std::string("502"));
        QCOMPARE(cf.message, std::string("HTTP 502 502: Bad gateway."));
    }

    void codeDecidesOverStatus_data() {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("expectedClass");
        QTest::newRow("429 credit_balance_exhausted")
            << 429
            << QByteArray(
                   R"({"error":{"type":"insufficient_quota","code":"credit_balance_exhausted","message":"x"}})")
            << "quota_exhausted";
        QTest::newRow("429 project_spend_limit_exceeded")
            << 429
            << QByteArray(R"({"error":{"type":"x","code":"project_spend_limit_exceeded","message":"x"}})")
            << "quota_exhausted";
        QTest::newRow("anthropic own spend cap 400")
            << 400
            << QByteArray(
                   R"({"type":"error","error":{"type":"invalid_request_error","message":"You have reached your specified API usage limits. You will regain access on 2026-10-01 at 00:00 UTC."}})")
            << "quota_exhausted";
        QTest::newRow("anthropic prompt too long")
            << 400
            << QByteArray(
                   R"({"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 215000 tokens > 200000 maximum"}})")
            << "context_length";
        QTest::newRow("402 billing_error")
            << 402 << QByteArray(R"({"type":"error","error":{"type":"billing_error","message":"x"}})")
            << "quota_exhausted";
        QTest::newRow("504 timeout_error")
            << 504 << QByteArray(R"({"type":"error","error":{"type":"timeout_error","message":"x"}})")
            << "server_transient";
        QTest::newRow("409 conflict_error")
            << 409 << QByteArray(R"({"type":"error","error":{"type":"conflict_error","message":"x"}})")
            << "server_transient";
        QTest::newRow("400 content_filter")
            << 400
            << QByteArray(
                   R"({"error":{"type":"invalid_request_error","code":"content_filter","message":"x"}})")
            << "content_filter";
        QTest::newRow("ollama 404 envelope")
            << 404
            << QByteArray(
                   R"({"error":{"message":"model 'llama9' not found, try pulling it first","type":"not_found_error","param":null,"code":null}})")
            << "not_found";
        QTest::newRow("ollama 429 api_error")
            << 429
            << QByteArray(R"({"error":{"message":"busy","type":"api_error","param":null,"code":null}})")
            << "rate_limited";
        QTest::newRow("ollama native string")
            << 500 << QByteArray(R"({"error":"model runner crashed"})") << "server_transient";
        QTest::newRow("vllm flat 400")
            << 400
            << QByteArray(
                   R"({"object":"error","message":"bad temp","type":"BadRequestError","param":null,"code":400})")
            << "bad_request";
        QTest::newRow("422 no body") << 422 << QByteArray() << "bad_request";
        QTest::newRow("408 no body") << 408 << QByteArray() << "server_transient";
    }

    void codeDecidesOverStatus() {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(QString, expectedClass);
        auto error = sb::classify_http_error(status, {}, body.toStdString());
        QCOMPARE(QString::fromUtf8(sb::to_string(error.cls)), expectedClass);
    }

    void oddBodiesGiveClearMessages_data() {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("expectedMessage");
        QTest::newRow("empty") << 503 << QByteArray("  \n") << "HTTP 503 (empty body)";
        QTest::newRow("html")
            << 502 << QByteArray("<html>\n<head><title>502 Bad Gateway</title></head>\n<body>x</body></html>")
            << "HTTP 502 (HTML body): 502 Bad Gateway";
        QTest::newRow("html without title")
            << 502 << QByteArray("<html><body><h1>Service\n  Unavailable</h1></body></html>")
            << "HTTP 502 (HTML body): Service Unavailable";
        QTest::newRow("plain text") << 500 << QByteArray("upstream connect error or disconnect")
                                    << "HTTP 500 (body is not JSON): upstream connect error or disconnect";
        QTest::newRow("json array") << 500 << QByteArray("[1,2]")
                                    << "HTTP 500 (JSON body is an array, not an object): [1,2]";
        QTest::newRow("json object without error")
            << 500 << QByteArray(R"({"status":"down"})") << "HTTP 500 (JSON body has no error object)";
    }

    void oddBodiesGiveClearMessages() {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(QString, expectedMessage);
        auto error = sb::classify_http_error(status, {}, body.toStdString());
        QCOMPARE(QString::fromStdString(error.message), expectedMessage);
    }

    void hugeBodiesAreCapped() {
        std::string huge_message(200'000, 'x');
        auto json_error = sb::classify_http_error(
            500, {}, R"({"error":{"message":")" + huge_message + R"(","type":"server_error"}})");
        QVERIFY2(json_error.message.size() < 500, std::to_string(json_error.message.size()).c_str());
        QVERIFY(json_error.message.ends_with("…"));

        std::string page = "<html><body>" + std::string(100'000, 'y') + "</body></html>";
        auto html_error = sb::classify_http_error(502, {}, page);
        QVERIFY(html_error.message.size() < 300);
        QVERIFY(html_error.message.find("<") == std::string::npos);

        // A cut never splits a UTF-8 sequence.
        std::string accents;
        for (int i = 0; i < 1000; ++i) accents += "é";
        auto utf8_error = sb::classify_http_error(500, {}, R"({"error":{"message":")" + accents + R"("}})");
        auto text =
            QString::fromUtf8(utf8_error.message.data(), static_cast<qsizetype>(utf8_error.message.size()));
        QVERIFY(!text.contains(QChar::ReplacementCharacter));
    }

    void unmaskedKeysAreHidden() {
        const std::string key = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
        auto error = sb::classify_http_error(401, {},
                                             R"({"error":{"message":"Incorrect API key provided: )" + key +
                                                 R"(.","code":"invalid_api_key"}})");
        QVERIFY(error.message.find(key) == std::string::npos);
        QVERIFY(error.message.find("sk-***") != std::string::npos);
        // The provider's own masked form is harmless and kept for the operator.
        auto masked = sb::classify_http_error(401, {}, R"({"error":{"message":"key sk-abc12****wxyz"}})");
        QVERIFY(masked.message.find("sk-abc12****wxyz") != std::string::npos);
    }

    void shouldRetryHeader_data() {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("header");
        QTest::addColumn<bool>("retry");
        QTest::newRow("500 false stops") << 500 << QByteArray() << "false" << false;
        QTest::newRow("500 absent retries") << 500 << QByteArray() << "" << true;
        QTest::newRow("429 FALSE stops") << 429 << QByteArray() << "FALSE" << false;
        QTest::newRow("400 true retries") << 400 << QByteArray() << "true" << true;
        QTest::newRow("404 true retries") << 404 << QByteArray() << "true" << true;
        QTest::newRow("401 true still stops") << 401 << QByteArray() << "true" << false;
        QTest::newRow("quota true still stops")
            << 429 << QByteArray(R"({"error":{"code":"insufficient_quota"}})") << "true" << false;
        QTest::newRow("413 true still stops") << 413 << QByteArray() << "true" << false;
        QTest::newRow("garbage ignored") << 503 << QByteArray() << "maybe" << true;
    }

    void shouldRetryHeader() {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(QString, header);
        QFETCH(bool, retry);
        sb::Headers headers;
        if (!header.isEmpty()) headers.emplace_back("x-should-retry", header.toStdString());
        auto error = sb::classify_http_error(status, headers, body.toStdString());
        QCOMPARE(sb::should_retry_in_place(error), retry);
    }

    void retryAfter_data() {
        QTest::addColumn<QString>("ms");
        QTest::addColumn<QString>("seconds");
        QTest::addColumn<qint64>("expected");  // -1 = none
        QTest::newRow("ms float") << "1500.4"
                                  << "" << qint64(1500);
        QTest::newRow("ms wins") << "250"
                                 << "30" << qint64(250);
        QTest::newRow("seconds") << ""
                                 << "27" << qint64(27000);
        QTest::newRow("fractional seconds") << ""
                                            << "0.25" << qint64(250);
        QTest::newRow("padded") << ""
                                << " 3 " << qint64(3000);
        QTest::newRow("http-date") << ""
                                   << "Wed, 25 Feb 2026 20:02:30 GMT" << qint64(30000);
        QTest::newRow("past http-date") << ""
                                        << "Wed, 25 Feb 2026 20:01:00 GMT" << qint64(0);
        QTest::newRow("garbage") << ""
                                 << "soon" << qint64(-1);
        QTest::newRow("negative") << ""
                                  << "-5" << qint64(-1);
        QTest::newRow("negative ms falls back") << "-100"
                                                << "2" << qint64(2000);
        QTest::newRow("garbage ms falls back") << "abc"
                                               << "4" << qint64(4000);
        QTest::newRow("absurd") << ""
                                << "99999999999999999999" << qint64(-1);
        QTest::newRow("date past 2262") << ""  // beyond a year: garbage, and no nanosecond overflow
                                        << "Sun, 06 Nov 3988 08:49:37 GMT" << qint64(-1);
        QTest::newRow("bad date") << ""
                                  << "Wed, 31 Feb 2026 20:02:30 GMT" << qint64(-1);
        QTest::newRow("absent") << ""
                                << "" << qint64(-1);
    }

    void retryAfter() {
        QFETCH(QString, ms);
        QFETCH(QString, seconds);
        QFETCH(qint64, expected);
        sb::Headers headers;
        if (!ms.isEmpty()) headers.emplace_back("retry-after-ms", ms.toStdString());
        if (!seconds.isEmpty()) headers.emplace_back("retry-after", seconds.toStdString());
        auto now = std::chrono::sys_days{std::chrono::year{2026} / 2 / 25} + 20h + 2min;
        auto parsed = sb::parse_retry_after(headers, now);
        QCOMPARE(parsed.has_value() ? qint64(parsed->count()) : qint64(-1), expected);
    }

    void transportErrors_data() {
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("expectedClass");
        QTest::addColumn<bool>("retry");
        QTest::addColumn<bool>("failover");
        QTest::newRow("resolve host") << int(CURLE_COULDNT_RESOLVE_HOST) << "network" << true << true;
        QTest::newRow("resolve proxy") << int(CURLE_COULDNT_RESOLVE_PROXY) << "network" << true << true;
        QTest::newRow("connect") << int(CURLE_COULDNT_CONNECT) << "network" << true << true;
        QTest::newRow("send") << int(CURLE_SEND_ERROR) << "network" << true << true;
        QTest::newRow("recv") << int(CURLE_RECV_ERROR) << "network" << true << true;
        QTest::newRow("got nothing") << int(CURLE_GOT_NOTHING) << "network" << true << true;
        QTest::newRow("partial") << int(CURLE_PARTIAL_FILE) << "network" << true << true;
        QTest::newRow("tls handshake") << int(CURLE_SSL_CONNECT_ERROR) << "network" << true << true;
        QTest::newRow("timeout") << int(CURLE_OPERATION_TIMEDOUT) << "timeout" << true << true;
        QTest::newRow("aborted") << int(CURLE_ABORTED_BY_CALLBACK) << "cancelled" << false << false;
        QTest::newRow("bad certificate") << int(CURLE_PEER_FAILED_VERIFICATION) << "network" << false << true;
        QTest::newRow("ca file") << int(CURLE_SSL_CACERT_BADFILE) << "network" << false << true;
        QTest::newRow("body over the size limit") << int(CURLE_FILESIZE_EXCEEDED) << "malformed_response" << false << true;
        QTest::newRow("redirects") << int(CURLE_TOO_MANY_REDIRECTS) << "bad_request" << false << false;
        QTest::newRow("url") << int(CURLE_URL_MALFORMAT) << "internal" << false << false;
        QTest::newRow("protocol") << int(CURLE_UNSUPPORTED_PROTOCOL) << "internal" << false << false;
        QTest::newRow("memory") << int(CURLE_OUT_OF_MEMORY) << "internal" << false << false;
        QTest::newRow("ok") << int(CURLE_OK) << "none" << false << false;
    }

    void transportErrors() {
        QFETCH(int, code);
        QFETCH(QString, expectedClass);
        QFETCH(bool, retry);
        QFETCH(bool, failover);
        auto error = sb::classify_transport_error(code, "");
        QCOMPARE(QString::fromUtf8(sb::to_string(error.cls)), expectedClass);
        QCOMPARE(sb::should_retry_in_place(error), retry);
        QCOMPARE(sb::may_fail_over(error), failover);
        if (code != CURLE_OK) {
            QCOMPARE(error.curl_code, code);
            QVERIFY2(error.message.starts_with("libcurl error " + std::to_string(code) + " ("),
                     error.message.c_str());
        }
    }

    void transportMessageKeepsCurlText() {
        auto error = sb::classify_transport_error(CURLE_COULDNT_RESOLVE_HOST,
                                                  "Could not resolve host: api.openai.com");
        QCOMPARE(
            error.message,
            std::string("libcurl error 6 (COULDNT_RESOLVE_HOST): Could not resolve host: api.openai.com"));
    }

    void streamErrors() {
        auto openai = sb::classify_stream_error(
            R"({"error":{"message":"The server had an error","type":"server_error","param":null,"code":null}})");
        QCOMPARE(openai.cls, ServerTransient);
        QCOMPARE(openai.message, std::string("stream error server_error: The server had an error"));
        auto anthropic = sb::classify_stream_error(
            R"({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}  })");
        QCOMPARE(anthropic.cls, Overloaded);
        auto rate = sb::classify_stream_error(
            R"({"type":"error","error":{"type":"rate_limit_error","message":"x"}})");
        QCOMPARE(rate.cls, RateLimited);
        auto garbage = sb::classify_stream_error("{not json");
        QCOMPARE(garbage.cls, MalformedResponse);
        QVERIFY(garbage.message.find("not JSON") != std::string::npos);
        auto wrong_shape = sb::classify_stream_error("[]");
        QCOMPARE(wrong_shape.cls, MalformedResponse);
    }

    void policies() {
        QCOMPARE(sb::policy_for(RateLimited).backoff_factor, 1.0);
        QCOMPARE(sb::policy_for(Overloaded).backoff_factor, 2.0);
        QCOMPARE(sb::policy_for(ServerTransient).backoff_factor, 2.0);
        QCOMPARE(sb::policy_for(Timeout).backoff_factor, 1.0);
        QVERIFY(!sb::policy_for(QuotaExhausted).retry);
        QVERIFY(sb::policy_for(QuotaExhausted).failover);
        QVERIFY(sb::policy_for(MalformedResponse).retry);
        QVERIFY(!sb::policy_for(Cancelled).retry && !sb::policy_for(Cancelled).failover);
        QVERIFY(!sb::policy_for(Budget).retry && !sb::policy_for(Budget).failover);
    }

    void namesRoundTrip() {
        const char* names[] = {"none",
                               "rate_limited",
                               "overloaded",
                               "server_transient",
                               "timeout",
                               "network",
                               "auth",
                               "permission",
                               "bad_request",
                               "context_length",
                               "request_too_large",
                               "not_found",
                               "quota_exhausted",
                               "content_filter",
                               "malformed_response",
                               "cancelled",
                               "budget",
                               "internal"};
        for (const char* name : names) {
            auto cls = sb::error_class_from_string(name);
            QVERIFY2(cls.has_value(), name);
            QCOMPARE(sb::to_string(*cls), std::string_view(name));
            QVERIFY(!sb::user_facing_text(*cls).empty());
        }
        QVERIFY(!sb::error_class_from_string("RateLimited").has_value());
        QVERIFY(!sb::error_class_from_string("").has_value());
    }

    void clientFacingMapping() {
        QCOMPARE(sb::http_status_for(RateLimited), 429);
        QCOMPARE(sb::openai_error_type_for(RateLimited), std::string_view("rate_limit_error"));
        QCOMPARE(sb::http_status_for(Auth), 401);
        QCOMPARE(sb::openai_error_type_for(Auth), std::string_view("authentication_error"));
        QCOMPARE(sb::http_status_for(BadRequest), 400);
        QCOMPARE(sb::openai_error_type_for(ContextLength), std::string_view("invalid_request_error"));
        QCOMPARE(sb::http_status_for(Overloaded), 503);
        QCOMPARE(sb::http_status_for(ServerTransient), 502);
        QCOMPARE(sb::http_status_for(Timeout), 504);
        QCOMPARE(sb::http_status_for(QuotaExhausted), 429);
        QCOMPARE(sb::openai_error_type_for(QuotaExhausted), std::string_view("insufficient_quota"));
        QCOMPARE(sb::http_status_for(Internal), 500);
    }
};

QTEST_GUILESS_MAIN(TestErrorTaxonomy)
#include "tst_error_taxonomy.moc"
