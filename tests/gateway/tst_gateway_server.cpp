// The gateway over real loopback HTTP: engine → loopback simulator, client → libcurl
// (HttpClient) or raw sockets for garbage. Answers, streams, every refusal with its status
// and OpenAI error body, auth and limits, cache headers, upstream failure, models, health,
// the admin API, disconnects, concurrency, and `switchboard-gateway serve` as a process.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <atomic>
#include <cstring>
#include <future>
#include <map>
#include <set>

#include "../support/engine_fixture.h"
#include "../support/loopback_http_server.h"
#include "config/routing_config.h"
#include "engine/engine.h"
#include "gateway/gateway_auth.h"
#include "gateway/gateway_server.h"
#include "model/base64.h"
#include "model/digest.h"
#include "transport/http_client.h"

using namespace sb;
using namespace std::chrono_literals;

namespace {

constexpr const char* kAdminKey = "admin-secret-key";

// Two good tokens: "tok-a" without limits, "tok-limited" admitted once a run, then
// rate-limited with retry_after 1.5 s; "tok-broke" is over its budget.
class TestAuth final : public GatewayAuth {
public:
    std::expected<GatewayCaller, Error> authenticate(std::string_view token) override {
        if (token == "tok-a" || token == "tok-limited" || token == "tok-broke")
            return GatewayCaller{std::string(token), std::string(token) + "-name"};
        return std::unexpected(Error{ErrorClass::Auth, "unknown or revoked API key"});
    }
    std::expected<void, Error> admit(const GatewayCaller& caller, std::int64_t estimated_tokens) override {
        last_estimate = estimated_tokens;
        if (caller.key_id == "tok-broke")
            return std::unexpected(Error{ErrorClass::Budget, "key tok-broke is over its monthly budget"});
        if (caller.key_id == "tok-limited" && limited_admitted++ >= 1) {
            Error error{ErrorClass::RateLimited, "key tok-limited is over 1 request per minute"};
            error.retry_after = 1500ms;
            return std::unexpected(error);
        }
        return {};
    }
    void charge(const GatewayCaller&, std::int64_t tokens, double) override {
        charged_tokens += tokens;
        ++charges;
    }
    std::atomic<int> limited_admitted{0};
    std::atomic<std::int64_t> charged_tokens{0};
    std::atomic<int> charges{0};
    std::atomic<std::int64_t> last_estimate{0};
};

struct Reply {
    int status = 0;
    Headers headers;
    std::string body;
    std::string header(std::string_view name) const {
        auto value = header_value(headers, name);
        return value ? std::string(*value) : std::string();
    }
    nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

Reply fetch(HttpClient& client, std::string method, std::string url, std::string body = {},
            Headers headers = {}) {
    HttpRequest request;
    request.method = std::move(method);
    request.url = std::move(url);
    request.body = std::move(body);
    request.headers = std::move(headers);
    if (!request.body.empty()) request.headers.emplace_back("content-type", "application/json");
    request.total_timeout = 30s;
    auto done = std::make_shared<std::promise<HttpResponse>>();
    auto future = done->get_future();
    client.send(std::move(request),
                [done](HttpResponse&& response) { done->set_value(std::move(response)); });
    if (future.wait_for(40s) != std::future_status::ready) qFatal("no answer in time");
    auto response = future.get();
    return {response.status, std::move(response.headers), std::move(response.body)};
}

// A streamed answer: the body arrives through the data callback.
Reply fetch_stream(HttpClient& client, std::string url, std::string body, Headers headers) {
    HttpRequest request;
    request.url = std::move(url);
    request.body = std::move(body);
    request.headers = std::move(headers);
    request.headers.emplace_back("content-type", "application/json");
    request.total_timeout = 30s;
    auto streamed = std::make_shared<std::string>();
    auto done = std::make_shared<std::promise<HttpResponse>>();
    auto future = done->get_future();
    client.send(
        std::move(request), [done](HttpResponse&& response) { done->set_value(std::move(response)); },
        [streamed](std::string_view bytes) { streamed->append(bytes); });
    if (future.wait_for(40s) != std::future_status::ready) qFatal("no stream in time");
    auto response = future.get();
    return {response.status, std::move(response.headers), response.body.empty() ? *streamed : response.body};
}

Headers bearer(const std::string& token) {
    return {{"authorization", "Bearer " + token}};
}

std::string chat_body(const std::string& prompt, bool stream = false, bool include_usage = false,
                      const std::string& model = {}) {
    nlohmann::json body = {
        {"messages",
         {{{"role", "system"}, {"content", "You are terse."}}, {{"role", "user"}, {"content", prompt}}}}};
    if (!model.empty()) body["model"] = model;
    if (stream) body["stream"] = true;
    if (include_usage) body["stream_options"] = {{"include_usage", true}};
    return body.dump();
}

// The `data:` payloads of an event stream, in order.
std::vector<std::string> sse_payloads(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        const auto line = text.substr(start, end - start);
        if (line.rfind("data: ", 0) == 0) out.push_back(line.substr(6));
        start = end + 1;
    }
    return out;
}

// The events of a stream as (event name, parsed data), in order; the name is empty when the
// event has no `event:` line.
std::vector<std::pair<std::string, nlohmann::json>> sse_events(const std::string& text) {
    std::vector<std::pair<std::string, nlohmann::json>> out;
    std::string name;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        const auto line = text.substr(start, end - start);
        if (line.rfind("event: ", 0) == 0) name = line.substr(7);
        if (line.rfind("data: ", 0) == 0) {
            out.emplace_back(name, nlohmann::json::parse(line.substr(6), nullptr, false));
            name.clear();
        }
        start = end + 1;
    }
    return out;
}

const nlohmann::json kOrderTool = {
    {"type", "function"},
    {"function",
     {{"name", "get_order_status"},
      {"parameters",
       {{"type", "object"}, {"properties", {{"order_id", {{"type", "string"}}}}}, {"required", {"order_id"}}}}}}};

// Raw TCP for what libcurl would never send. Returns what the server sent before closing
// (or before `wait` passed).
std::string raw_exchange(std::uint16_t port, const std::string& bytes,
                         std::chrono::milliseconds wait = 3000ms, bool close_after_send = false) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return "<connect failed>";
    }
    timeval timeout{static_cast<time_t>(wait.count() / 1000),
                    static_cast<suseconds_t>((wait.count() % 1000) * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
    }
    if (close_after_send) {
        ::close(fd);
        return {};
    }
    std::string received;
    char buffer[4096];
    while (true) {
        const auto n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) {
            if (n < 0) received += "<timeout>";
            break;
        }
        received.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return received;
}

struct Stack {
    std::unique_ptr<Engine> engine;
    std::unique_ptr<GatewayServer> server;
    std::string base;
    ~Stack() {
        if (server) server->stop();  // before the engine
    }
};

}  // namespace

class TestGatewayServer : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<Simulator> m_simulator;
    std::uint16_t m_port = 0;
    TestAuth m_auth;
    std::unique_ptr<Stack> m_stack;
    std::unique_ptr<HttpClient> m_client;

    std::unique_ptr<Stack> make_stack(std::uint16_t sim_port, std::function<void(Config&)> tweak_config = {},
                                      std::function<void(GatewayOptions&)> tweak_options = {}) {
        auto stack = std::make_unique<Stack>();
        EngineOptions engine_options;
        engine_options.config = test::simulator_config(sim_port);
        engine_options.config.providers[0].models.push_back("text-embedding-3-small");
        engine_options.config.cache.enabled = true;
        if (tweak_config) tweak_config(engine_options.config);
        engine_options.history = false;
        engine_options.retry_uniform = [] { return 0.0; };
        auto engine = Engine::create(std::move(engine_options));
        if (!engine) qFatal("engine: %s", engine.error().c_str());
        stack->engine = std::move(*engine);
        GatewayOptions options;
        options.port = 0;
        options.auth = &m_auth;
        options.admin_key_sha256 = sha256_hex(kAdminKey);
        options.metrics_text = [] { return std::string("switchboard_up 1\n"); };
        options.forward_sim_headers = true;
        if (tweak_options) tweak_options(options);
        auto server = GatewayServer::start(*stack->engine, options);
        if (!server) qFatal("gateway: %s", server.error().c_str());
        stack->server = std::move(*server);
        stack->base = "http://127.0.0.1:" + std::to_string(stack->server->port());
        return stack;
    }

    Reply post_chat(const std::string& body, Headers headers = bearer("tok-a"), Stack* stack = nullptr) {
        return fetch(*m_client, "POST", (stack ? stack : m_stack.get())->base + "/v1/chat/completions", body,
                     std::move(headers));
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_simulator = test::start_simulator({}, &m_port);
        QVERIFY(m_simulator);
        m_stack = make_stack(m_port);
        m_client = std::make_unique<HttpClient>();
    }

    void cleanupTestCase() {
        m_client.reset();
        m_stack.reset();
    }

    void answersLikeTheEngineWithHeaders() {
        const std::string prompt = "What is the price of the desk lamp?";
        const auto reply = post_chat(chat_body(prompt));
        QCOMPARE(reply.status, 200);
        const auto json = reply.json();
        QCOMPARE(json.value("object", ""), std::string("chat.completion"));
        const auto content = json["choices"][0]["message"]["content"].get<std::string>();

        ChatRequest direct;
        direct.messages = {{Role::System, "You are terse."}, {Role::User, prompt}};
        direct.cache_policy = CachePolicy::NoStore;
        auto future = m_stack->engine->submit(std::move(direct));
        const auto result = future.get();
        QVERIFY(result.ok());
        QCOMPARE(content, result.outcome->content);
        QVERIFY(json["usage"]["total_tokens"].get<int>() > 0);

        QVERIFY(reply.header("x-request-id").rfind("sb-", 0) == 0);
        QCOMPARE(reply.header("x-switchboard-provider"), std::string("openai"));
        QCOMPARE(reply.header("x-switchboard-model"), std::string("gpt-4o-mini"));
        QCOMPARE(reply.header("x-switchboard-tier"), std::string("standard"));
        QCOMPARE(reply.header("x-switchboard-cache"), std::string("miss"));
        QTRY_VERIFY(m_auth.charged_tokens > 0);
        QVERIFY(m_auth.last_estimate > 0);
    }

    void streamsChunksThatAddUpToTheAnswer_data() {
        QTest::addColumn<bool>("includeUsage");
        QTest::newRow("with usage") << true;
        QTest::newRow("without usage") << false;
    }
    void streamsChunksThatAddUpToTheAnswer() {
        QFETCH(bool, includeUsage);
        const std::string prompt = includeUsage ? "Stream the lamp with usage" : "Stream the lamp";
        const auto whole = post_chat(chat_body(prompt));
        QCOMPARE(whole.status, 200);
        const auto expected = whole.json()["choices"][0]["message"]["content"].get<std::string>();

        const auto reply = fetch_stream(*m_client, m_stack->base + "/v1/chat/completions",
                                        chat_body(prompt, true, includeUsage), bearer("tok-a"));
        QCOMPARE(reply.status, 200);
        QVERIFY(reply.header("content-type").rfind("text/event-stream", 0) == 0);
        QVERIFY(reply.header("x-request-id").rfind("sb-", 0) == 0);
        const auto payloads = sse_payloads(reply.body);
        QVERIFY2(payloads.size() >= 4, reply.body.c_str());
        QCOMPARE(payloads.back(), std::string("[DONE]"));

        const auto first = nlohmann::json::parse(payloads.front());
        QCOMPARE(first.value("object", ""), std::string("chat.completion.chunk"));
        QCOMPARE(first["choices"][0]["delta"].value("role", ""), std::string("assistant"));
        std::string streamed;
        std::string finish;
        std::optional<nlohmann::json> usage_chunk;
        for (std::size_t i = 0; i + 1 < payloads.size(); ++i) {
            const auto chunk = nlohmann::json::parse(payloads[i]);
            QCOMPARE(chunk.value("id", ""), first.value("id", ""));
            QCOMPARE(chunk.contains("usage"), includeUsage);
            if (chunk["choices"].empty()) {
                QVERIFY(!usage_chunk);
                usage_chunk = chunk;
                continue;
            }
            QVERIFY(!usage_chunk);  // the usage chunk is the last one
            const auto& choice = chunk["choices"][0];
            if (choice["delta"].contains("content"))
                streamed += choice["delta"]["content"].get<std::string>();
            if (!choice["finish_reason"].is_null()) finish = choice["finish_reason"].get<std::string>();
        }
        QCOMPARE(streamed, expected);
        QCOMPARE(finish, std::string("stop"));
        // Known only at the end of the stream: sent as trailers.
        QCOMPARE(reply.header("x-switchboard-provider"), std::string("openai"));
        QCOMPARE(reply.header("x-switchboard-cache"),
                 std::string("hit"));  // the non-streamed answer stored it
        QCOMPARE(bool(usage_chunk), includeUsage);
        if (usage_chunk) {
            QVERIFY((*usage_chunk)["usage"]["total_tokens"].get<int>() > 0);
            QCOMPARE((*usage_chunk)["usage"]["total_tokens"].get<int>(),
                     (*usage_chunk)["usage"]["prompt_tokens"].get<int>() +
                         (*usage_chunk)["usage"]["completion_tokens"].get<int>());
        }
    }

    void refusesBadRequests_data() {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("param");  // "-" = null
        QTest::addColumn<QString>("code");   // "-" = null
        const QString chat = "/v1/chat/completions";
        QTest::newRow("malformed json")
            << "POST" << chat << QByteArray("{not json") << 400 << "invalid_request_error"
            << "-"
            << "-";
        QTest::newRow("invalid utf-8")
            << "POST" << chat << QByteArray("{\"messages\":[{\"role\":\"user\",\"content\":\"\xff\xfe\"}]}")
            << 400 << "invalid_request_error"
            << "-"
            << "-";
        QTest::newRow("not an object")
            << "POST" << chat << QByteArray("[1,2]") << 400 << "invalid_request_error"
            << "-"
            << "-";
        QTest::newRow("no messages") << "POST" << chat << QByteArray("{\"model\":\"gpt-4o-mini\"}") << 400
                                     << "invalid_request_error"
                                     << "messages"
                                     << "-";
        QTest::newRow("empty messages")
            << "POST" << chat << QByteArray("{\"messages\":[]}") << 400 << "invalid_request_error"
            << "messages"
            << "-";
        QTest::newRow("unknown role")
            << "POST" << chat << QByteArray("{\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}")
            << 400 << "invalid_request_error"
            << "messages[0].role"
            << "-";
        QTest::newRow("temperature")
            << "POST" << chat
            << QByteArray("{\"temperature\":7,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}") << 400
            << "invalid_request_error"
            << "temperature"
            << "-";
        QTest::newRow("stream not boolean")
            << "POST" << chat
            << QByteArray("{\"stream\":\"yes\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}") << 400
            << "invalid_request_error"
            << "stream"
            << "-";
        QTest::newRow("unknown model")
            << "POST" << chat
            << QByteArray("{\"model\":\"gpt-9-ultra\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
            << 404 << "invalid_request_error"
            << "model"
            << "model_not_found";
        QTest::newRow("unknown path") << "GET"
                                      << "/v1/nothing-here" << QByteArray() << 404 << "invalid_request_error"
                                      << "-"
                                      << "unknown_url";
        QTest::newRow("wrong method") << "GET" << chat << QByteArray() << 405 << "invalid_request_error"
                                      << "-"
                                      << "method_not_allowed";
        // A part, a feature or a field the only target that could answer cannot take. (Built as
        // JSON values: moc misreads some raw string literals.)
        const nlohmann::json voice_note = {{"type", "input_audio"},
                                           {"input_audio", {{"data", "UklGRiQAAABXQVZF"}, {"format", "wav"}}}};
        const nlohmann::json pdf = {
            {"type", "file"}, {"file", {{"file_data", "data:application/pdf;base64,JVBERi0="}, {"filename", "a.pdf"}}}};
        const nlohmann::json no_url = {{"type", "image_url"}, {"image_url", nlohmann::json::object()}};
        const auto asking = [](const char* model, nlohmann::json part, nlohmann::json body = nlohmann::json::object()) {
            body["model"] = model;
            body["messages"] = {{{"role", "user"}, {"content", {{{"type", "text"}, {"text", "Listen"}}, part}}}};
            return QByteArray::fromStdString(body.dump());
        };
        const auto plain = [](const char* model, nlohmann::json body) {
            body["model"] = model;
            body["messages"] = {{{"role", "user"}, {"content", "hi"}}};
            return QByteArray::fromStdString(body.dump());
        };
        const auto responses = [](nlohmann::json body) {
            body["model"] = "claude-haiku-4-5";
            body["input"] = "hi";
            return QByteArray::fromStdString(body.dump());
        };
        QTest::newRow("audio to anthropic") << "POST" << chat << asking("claude-haiku-4-5", voice_note) << 400
                                            << "invalid_request_error" << "messages[0].content[1]" << "-";
        QTest::newRow("file to a local server") << "POST" << chat << asking("llama3.2", pdf) << 400
                                                << "invalid_request_error" << "messages[0].content[1]" << "-";
        QTest::newRow("n to anthropic") << "POST" << chat << plain("claude-haiku-4-5", {{"n", 2}}) << 400
                                        << "invalid_request_error" << "n" << "-";
        QTest::newRow("json_object to anthropic")
            << "POST" << chat << plain("claude-haiku-4-5", {{"response_format", {{"type", "json_object"}}}}) << 400
            << "invalid_request_error" << "response_format" << "-";
        QTest::newRow("image without a url") << "POST" << chat << asking("gpt-4o-mini", no_url) << 400
                                             << "invalid_request_error" << "messages[0].content[1].image_url.url"
                                             << "-";
        QTest::newRow("built-in tool to anthropic")
            << "POST" << "/v1/responses" << responses({{"tools", {{{"type", "web_search"}}}}}) << 400
            << "invalid_request_error" << "tools[0]" << "-";
        QTest::newRow("stored conversation to anthropic")
            << "POST" << "/v1/responses" << responses({{"previous_response_id", "resp_1"}}) << 400
            << "invalid_request_error" << "previous_response_id" << "-";
        auto embeddings = [](nlohmann::json fields) {
            nlohmann::json body = {{"model", "text-embedding-3-small"}, {"input", "cancel my order"}};
            for (const auto& [key, value] : fields.items()) body[key] = value;
            return QByteArray::fromStdString(body.dump());
        };
        QTest::newRow("embeddings without input")
            << "POST" << "/v1/embeddings" << QByteArray::fromStdString(nlohmann::json{{"model", "text-embedding-3-small"}}.dump()) << 400
            << "invalid_request_error" << "input" << "-";
        QTest::newRow("embeddings with an empty input") << "POST" << "/v1/embeddings"
                                                        << embeddings({{"input", {"lamp", ""}}}) << 400
                                                        << "invalid_request_error" << "input[1]" << "-";
        QTest::newRow("embeddings in an unknown encoding")
            << "POST" << "/v1/embeddings" << embeddings({{"encoding_format", "int8"}}) << 400
            << "invalid_request_error" << "encoding_format" << "-";
        QTest::newRow("embeddings of a model only anthropic serves")
            << "POST" << "/v1/embeddings" << embeddings({{"model", "claude-haiku-4-5"}}) << 400
            << "invalid_request_error" << "model" << "-";
        QTest::newRow("models by POST") << "POST"
                                        << "/v1/models" << QByteArray("{}") << 405 << "invalid_request_error"
                                        << "-"
                                        << "method_not_allowed";
    }
    void refusesBadRequests() {
        QFETCH(QString, method);
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        QFETCH(QString, type);
        QFETCH(QString, param);
        QFETCH(QString, code);
        const auto reply = fetch(*m_client, method.toStdString(), m_stack->base + path.toStdString(),
                                 body.toStdString(), bearer("tok-a"));
        QCOMPARE(reply.status, status);
        QVERIFY(reply.header("content-type").rfind("application/json", 0) == 0);
        const auto json = reply.json();
        QVERIFY2(json.is_object() && json.contains("error"), reply.body.c_str());
        const auto& error = json["error"];
        QVERIFY(error["message"].is_string() && !error["message"].get<std::string>().empty());
        QCOMPARE(QString::fromStdString(error["type"].get<std::string>()), type);
        QCOMPARE(error["param"].is_null() ? QString("-")
                                          : QString::fromStdString(error["param"].get<std::string>()),
                 param);
        QCOMPARE(
            error["code"].is_null() ? QString("-") : QString::fromStdString(error["code"].get<std::string>()),
            code);
        if (status == 405)
            QCOMPARE(reply.header("allow"), path == "/v1/models" ? std::string("GET") : std::string("POST"));
    }

    void refusesABodyOverTheLimit() {
        const std::string big(21u << 20, 'x');  // the limit is 20 MiB: room for a few photos
        const auto reply = post_chat(chat_body(big));
        QCOMPARE(reply.status, 413);
        QCOMPARE(reply.json()["error"].value("code", ""), std::string("request_too_large"));
        // The server is still fine.
        QCOMPARE(fetch(*m_client, "GET", m_stack->base + "/healthz").status, 200);
    }

    void needsAKey_data() {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("token");
        QTest::newRow("chat without key") << "/v1/chat/completions"
                                          << "";
        QTest::newRow("chat with wrong key") << "/v1/chat/completions"
                                             << "tok-wrong";
        QTest::newRow("models without key") << "/v1/models"
                                            << "";
        QTest::newRow("models with wrong key") << "/v1/models"
                                               << "tok-wrong";
    }
    void needsAKey() {
        QFETCH(QString, path);
        QFETCH(QString, token);
        const bool chat = path.contains("chat");
        const auto reply = fetch(*m_client, chat ? "POST" : "GET", m_stack->base + path.toStdString(),
                                 chat ? chat_body("hello") : std::string(),
                                 token.isEmpty() ? Headers{} : bearer(token.toStdString()));
        QCOMPARE(reply.status, 401);
        QCOMPARE(reply.json()["error"].value("code", ""), std::string("invalid_api_key"));
    }

    void withoutAKeyStoreEveryV1RequestIs401() {
        auto stack = make_stack(m_port, {}, [](GatewayOptions& options) { options.auth = nullptr; });
        const auto reply = post_chat(chat_body("hello"), bearer("tok-a"), stack.get());
        QCOMPARE(reply.status, 401);
        QVERIFY(reply.json()["error"]["message"].get<std::string>().find("keys create") != std::string::npos);
        auto open = make_stack(m_port, {}, [](GatewayOptions& options) {
            options.auth = nullptr;
            options.allow_unauthenticated = true;
        });
        QCOMPARE(post_chat(chat_body("hello without keys"), {}, open.get()).status, 200);

        // Without keys only this machine may call: the server itself refuses any other address.
        for (const char* address : {"0.0.0.0", "::", "192.0.2.10"}) {
            GatewayOptions options;
            options.address = address;
            options.port = 0;
            options.allow_unauthenticated = true;
            const auto refused = GatewayServer::start(*m_stack->engine, options);
            QVERIFY2(!refused, address);
            QCOMPARE(refused.error(), "gateway: unauthenticated access is served on loopback only, not on \"" +
                                          std::string(address) + "\"");
        }
    }

    void rateLimitAndBudgetFromAdmit() {
        QCOMPARE(post_chat(chat_body("first of the limited"), bearer("tok-limited")).status, 200);
        const auto limited = post_chat(chat_body("second of the limited"), bearer("tok-limited"));
        QCOMPARE(limited.status, 429);
        QCOMPARE(limited.header("retry-after"), std::string("2"));
        QCOMPARE(limited.json()["error"].value("type", ""), std::string("rate_limit_error"));
        const auto broke = post_chat(chat_body("over budget"), bearer("tok-broke"));
        QCOMPARE(broke.status, 429);
        QCOMPARE(broke.json()["error"].value("code", ""), std::string("insufficient_quota"));
        QCOMPARE(broke.json()["error"].value("type", ""), std::string("insufficient_quota"));
    }

    void cacheControlAndRepeats() {
        const auto body = chat_body("Which lamps are cached?");
        auto headers = bearer("tok-a");
        headers.emplace_back("cache-control", "no-store");
        QCOMPARE(post_chat(body, headers).header("x-switchboard-cache"), std::string("skip"));
        QCOMPARE(post_chat(body).header("x-switchboard-cache"), std::string("miss"));
        const auto repeat = post_chat(body);
        QCOMPARE(repeat.status, 200);
        QCOMPARE(repeat.header("x-switchboard-cache"), std::string("hit"));
    }

    void upstreamFailureAfterRetriesAndFailover() {
        auto stack = make_stack(m_port);
        auto headers = bearer("tok-a");
        headers.emplace_back("x-sim-fault", "unavailable");
        const auto reply = post_chat(chat_body("Fail everywhere"), headers, stack.get());
        QCOMPARE(reply.status, 503);
        const auto json = reply.json();
        QVERIFY2(json.contains("error"), reply.body.c_str());
        QCOMPARE(json["error"].value("type", ""), std::string("service_unavailable_error"));
        QVERIFY(reply.header("x-request-id").rfind("sb-", 0) == 0);
        QVERIFY(stack->engine->stats().retries > 0);
        QVERIFY(stack->engine->stats().failovers > 0);

        // The same as a stream: nothing was sent yet, so it is still a plain 503.
        const auto streamed = fetch_stream(*m_client, stack->base + "/v1/chat/completions",
                                           chat_body("Fail everywhere as a stream", true), headers);
        QCOMPARE(streamed.status, 503);
        QVERIFY(nlohmann::json::parse(streamed.body, nullptr, false).contains("error"));

        // An upstream rate limit that outlasts the retries passes its Retry-After on.
        auto single = make_stack(m_port, [](Config& config) {
            config.retry.max_attempts = 1;
            config.retry.failover = false;
        });
        auto limited = bearer("tok-a");
        limited.emplace_back("x-sim-fault", "rate_limited");
        limited.emplace_back("x-sim-retry-after", "3");
        const auto throttled = post_chat(chat_body("Throttled upstream"), limited, single.get());
        QCOMPARE(throttled.status, 429);
        QCOMPARE(throttled.header("retry-after"), std::string("3"));
        QCOMPARE(throttled.json()["error"].value("code", ""), std::string("rate_limit_exceeded"));
    }

    void upstreamCredentialFailuresAreTheGatewaysNotTheCallers_data() {
        QTest::addColumn<QString>("fault");
        QTest::addColumn<QString>("code");
        QTest::newRow("401") << "auth" << "upstream_authentication_failed";
        QTest::newRow("403") << "permission" << "upstream_permission_denied";
    }

    void upstreamCredentialFailuresAreTheGatewaysNotTheCallers() {
        QFETCH(QString, fault);
        QFETCH(QString, code);
        auto stack = make_stack(m_port, [](Config& config) { config.retry.failover = false; });
        auto headers = bearer("tok-a");
        headers.emplace_back("x-sim-fault", fault.toStdString());
        const auto reply = post_chat(chat_body("Upstream refuses our key"), headers, stack.get());
        // Not 401/403: the caller's SDK would blame the caller's own (valid) gateway key.
        QCOMPARE(reply.status, 502);
        const auto error = reply.json()["error"];
        QCOMPARE(error.value("type", ""), std::string("api_error"));
        QCOMPARE(error.value("code", ""), code.toStdString());
        QVERIFY2(error.value("message", "").find("Your gateway key is valid") != std::string::npos, reply.body.c_str());
    }

    // Anthropic answers with a streamed tool_use; the OpenAI client sees tool_calls deltas as
    // OpenAI sends them: the call's id, type and name first, then its arguments in pieces.
    void streamedToolCallsTranslatedFromAnthropic() {
        nlohmann::json body = {{"model", "claude-haiku-4-5"},
                               {"stream", true},
                               {"tools", {kOrderTool}},
                               {"messages", {{{"role", "user"}, {"content", "Where is my order SO-4417?"}}}}};
        const auto reply = fetch_stream(*m_client, m_stack->base + "/v1/chat/completions", body.dump(), bearer("tok-a"));
        QCOMPARE(reply.status, 200);
        std::string id, name, arguments, finish;
        bool role_first = false;
        const auto payloads = sse_payloads(reply.body);
        QVERIFY(!payloads.empty());
        QCOMPARE(payloads.back(), std::string("[DONE]"));
        for (std::size_t i = 0; i + 1 < payloads.size(); ++i) {
            const auto chunk = nlohmann::json::parse(payloads[i]);
            if (chunk["choices"].empty()) continue;
            const auto& choice = chunk["choices"][0];
            if (i == 0) role_first = choice["delta"].value("role", "") == "assistant";
            if (choice["finish_reason"].is_string()) finish = choice["finish_reason"];
            for (const auto& call : choice["delta"].value("tool_calls", nlohmann::json::array())) {
                QCOMPARE(call["index"].get<int>(), 0);
                if (call.contains("id")) {
                    QVERIFY2(id.empty(), "the call's id came twice");
                    id = call["id"];
                    QCOMPARE(call["type"].get<std::string>(), std::string("function"));
                    name = call["function"]["name"];
                }
                arguments += call["function"].value("arguments", "");
            }
        }
        QVERIFY(role_first);
        QVERIFY(!id.empty());
        QCOMPARE(name, std::string("get_order_status"));
        QVERIFY2(nlohmann::json::parse(arguments, nullptr, false).is_object(), arguments.c_str());
        QCOMPARE(finish, std::string("tool_calls"));
        QCOMPARE(reply.header("x-switchboard-provider"), std::string("anthropic"));
    }

    void severalChoicesWholeAndStreamed() {
        nlohmann::json body = {{"model", "gpt-4o-mini"}, {"n", 2}, {"messages", {{{"role", "user"}, {"content", "Name a lamp."}}}}};
        const auto whole = post_chat(body.dump());
        QCOMPARE(whole.status, 200);
        const auto json = whole.json();
        QCOMPARE(json["choices"].size(), std::size_t(2));
        QCOMPARE(json["choices"][1]["index"].get<int>(), 1);
        QVERIFY(json["choices"][0]["message"]["content"] != json["choices"][1]["message"]["content"]);

        body["stream"] = true;
        const auto streamed = fetch_stream(*m_client, m_stack->base + "/v1/chat/completions", body.dump(), bearer("tok-a"));
        QCOMPARE(streamed.status, 200);
        std::map<int, std::vector<std::string>> seen;  // per choice: "role", "text", "finish"
        for (const auto& payload : sse_payloads(streamed.body)) {
            if (payload == "[DONE]") continue;
            const auto chunk = nlohmann::json::parse(payload);
            for (const auto& choice : chunk["choices"]) {
                auto& events = seen[choice["index"].get<int>()];
                if (choice["delta"].contains("role")) events.push_back("role");
                if (choice["delta"].value("content", "") != "") events.push_back("text");
                if (choice["finish_reason"].is_string()) events.push_back("finish");
            }
        }
        QVERIFY2(seen.size() == 2, streamed.body.c_str());
        for (const auto& [index, events] : seen) {
            QCOMPARE(events.front(), std::string("role"));
            QCOMPARE(events.back(), std::string("finish"));
            QCOMPARE(std::count(events.begin(), events.end(), "finish"), std::ptrdiff_t(1));
        }
    }

    // An Anthropic client, an OpenAI target: the tool call comes back as Anthropic's tool_use,
    // whole and streamed, in the event order Anthropic's SDK requires.
    void anthropicClientServedByOpenAI() {
        nlohmann::json body = {{"model", "gpt-4o-mini"},
                               {"max_tokens", 200},
                               {"tools", {{{"name", "get_order_status"},
                                           {"input_schema", kOrderTool["function"]["parameters"]}}}},
                               {"messages", {{{"role", "user"}, {"content", "Where is my order SO-4417?"}}}}};
        const Headers headers = {{"x-api-key", "tok-a"}, {"anthropic-version", "2023-06-01"}};
        const auto whole = fetch(*m_client, "POST", m_stack->base + "/v1/messages", body.dump(), headers);
        QCOMPARE(whole.status, 200);
        QVERIFY(!whole.header("request-id").empty());
        const auto message = whole.json();
        QCOMPARE(message["type"].get<std::string>(), std::string("message"));
        QCOMPARE(message["stop_reason"].get<std::string>(), std::string("tool_use"));
        QCOMPARE(message["content"].back()["type"].get<std::string>(), std::string("tool_use"));
        QVERIFY(message["content"].back()["input"].is_object());
        QCOMPARE(whole.header("x-switchboard-provider"), std::string("openai"));

        body["stream"] = true;
        const auto streamed = fetch_stream(*m_client, m_stack->base + "/v1/messages", body.dump(), headers);
        QCOMPARE(streamed.status, 200);
        const auto events = sse_events(streamed.body);
        QVERIFY(events.size() >= 5);
        QCOMPARE(events.front().first, std::string("message_start"));
        QCOMPARE(events.back().first, std::string("message_stop"));
        int next_block = 0;
        std::string input;
        std::string stop_reason;
        for (const auto& [name, data] : events) {
            QCOMPARE(data.value("type", ""), name);  // every event named, as the SDK dispatches on the name
            if (name == "content_block_start") QCOMPARE(data["index"].get<int>(), next_block++);
            if (name == "content_block_delta" && data["delta"]["type"] == "input_json_delta")
                input += data["delta"]["partial_json"].get<std::string>();
            if (name == "message_delta") stop_reason = data["delta"]["stop_reason"];
        }
        QCOMPARE(stop_reason, std::string("tool_use"));
        QVERIFY2(nlohmann::json::parse(input, nullptr, false).is_object(), input.c_str());

        // Anthropic's own refusals, in Anthropic's shape.
        body.erase("max_tokens");
        body.erase("stream");
        const auto refused = fetch(*m_client, "POST", m_stack->base + "/v1/messages", body.dump(), headers);
        QCOMPARE(refused.status, 400);
        QCOMPARE(refused.json()["type"].get<std::string>(), std::string("error"));
        QCOMPARE(refused.json()["error"]["type"].get<std::string>(), std::string("invalid_request_error"));
        QVERIFY2(refused.json()["error"]["message"].get<std::string>().starts_with("max_tokens:"), refused.body.c_str());
        const auto stranger = fetch(*m_client, "POST", m_stack->base + "/v1/messages", body.dump(),
                                    {{"x-api-key", "tok-nobody"}, {"anthropic-version", "2023-06-01"}});
        QCOMPARE(stranger.status, 401);
        QCOMPARE(stranger.json()["error"]["type"].get<std::string>(), std::string("authentication_error"));
        body["max_tokens"] = 200;
        const auto unversioned = fetch(*m_client, "POST", m_stack->base + "/v1/messages", body.dump(), bearer("tok-a"));
        QCOMPARE(unversioned.status, 400);
        QVERIFY2(unversioned.json()["error"]["message"].get<std::string>().starts_with("anthropic-version:"),
                 unversioned.body.c_str());
        body["tools"].push_back({{"type", "web_search_20250305"}, {"name", "web_search"}});
        const auto server_tool = fetch(*m_client, "POST", m_stack->base + "/v1/messages", body.dump(), headers);
        QCOMPARE(server_tool.status, 400);
        QCOMPARE(server_tool.json()["error"]["type"].get<std::string>(), std::string("invalid_request_error"));
        QVERIFY2(server_tool.json()["error"]["message"].get<std::string>().starts_with("tools[1].type:"),
                 server_tool.body.c_str());
    }

    // To OpenAI a Responses request goes as it came, and its answer comes back as OpenAI sent
    // it; to Anthropic it is translated, and the gateway writes the Responses answer.
    void responsesPassedThroughOrTranslated_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("provider");
        QTest::newRow("passed through to OpenAI") << "gpt-4o-mini" << "openai";
        QTest::newRow("translated for Anthropic") << "claude-haiku-4-5" << "anthropic";
    }
    void responsesPassedThroughOrTranslated() {
        QFETCH(QString, model);
        QFETCH(QString, provider);
        nlohmann::json body = {{"model", model.toStdString()}, {"instructions", "Be brief."}, {"input", "What lamps do you sell?"}};
        const auto whole = fetch(*m_client, "POST", m_stack->base + "/v1/responses", body.dump(), bearer("tok-a"));
        QCOMPARE(whole.status, 200);
        QCOMPARE(whole.header("x-switchboard-provider"), provider.toStdString());
        const auto response = whole.json();
        QCOMPARE(response["object"].get<std::string>(), std::string("response"));
        QCOMPARE(response["status"].get<std::string>(), std::string("completed"));
        QCOMPARE(response["output"][0]["content"][0]["type"].get<std::string>(), std::string("output_text"));
        QVERIFY(response["usage"]["output_tokens"].get<int>() > 0);

        body["stream"] = true;
        const auto streamed = fetch_stream(*m_client, m_stack->base + "/v1/responses", body.dump(), bearer("tok-a"));
        QCOMPARE(streamed.status, 200);
        const auto events = sse_events(streamed.body);
        QVERIFY(events.size() >= 6);
        QCOMPARE(events.front().first, std::string("response.created"));
        QCOMPARE(events.back().first, std::string("response.completed"));
        std::string text;
        for (std::size_t i = 0; i < events.size(); ++i) {
            QCOMPARE(events[i].second["sequence_number"].get<std::size_t>(), i);
            if (events[i].first == "response.output_text.delta") text += events[i].second["delta"].get<std::string>();
        }
        QCOMPARE(events.back().second["response"]["output"][0]["content"][0]["text"].get<std::string>(), text);
    }

    void embeddingsFloatAndBase64CachedAndPriced() {
        const nlohmann::json inputs = {"cancel my order please", "please cancel my order now",
                                       "what is the warranty on the desk lamp"};
        nlohmann::json body = {{"model", "text-embedding-3-small"}, {"input", inputs}};
        const auto first = fetch(*m_client, "POST", m_stack->base + "/v1/embeddings", body.dump(), bearer("tok-a"));
        QCOMPARE(first.status, 200);
        QCOMPARE(first.header("x-switchboard-provider"), std::string("openai"));
        QCOMPARE(first.header("x-switchboard-cache"), std::string("miss"));
        const auto answer = first.json();
        QCOMPARE(answer["object"].get<std::string>(), std::string("list"));
        QCOMPARE(answer["data"].size(), std::size_t(3));
        const int prompt_tokens = answer["usage"]["prompt_tokens"].get<int>();
        QVERIFY(prompt_tokens > 0);
        // text-embedding-3-small: $0.02 per million input tokens, nothing for output.
        QCOMPARE(std::stod(first.header("x-switchboard-cost-usd")), prompt_tokens * 0.02 / 1e6);
        auto vector = [&](std::size_t i) { return answer["data"][i]["embedding"].get<std::vector<float>>(); };
        auto cosine = [](const std::vector<float>& a, const std::vector<float>& b) {
            double dot = 0;
            for (std::size_t i = 0; i < a.size(); ++i) dot += a[i] * b[i];
            return dot;  // unit vectors
        };
        QVERIFY(cosine(vector(0), vector(1)) > cosine(vector(0), vector(2)) + 0.3);

        const auto repeat = fetch(*m_client, "POST", m_stack->base + "/v1/embeddings", body.dump(), bearer("tok-a"));
        QCOMPARE(repeat.status, 200);
        QCOMPARE(repeat.header("x-switchboard-cache"), std::string("hit"));
        QCOMPARE(repeat.json(), answer);

        body["encoding_format"] = "base64";
        const auto packed = fetch(*m_client, "POST", m_stack->base + "/v1/embeddings", body.dump(), bearer("tok-a"));
        QCOMPARE(packed.status, 200);
        QCOMPARE(packed.header("x-switchboard-cache"), std::string("miss"));  // another answer: another key
        const auto bytes = base64_decode(packed.json()["data"][0]["embedding"].get<std::string>());
        QCOMPARE(bytes.size(), vector(0).size() * sizeof(float));
        std::vector<float> unpacked(vector(0).size());
        std::memcpy(unpacked.data(), bytes.data(), bytes.size());
        for (std::size_t i = 0; i < unpacked.size(); ++i) QVERIFY(std::abs(unpacked[i] - vector(0)[i]) < 1e-6);
    }

    void errorAfterTheStreamBeganIsAnEventThenClose() {
        auto stack = make_stack(m_port, [](Config& config) { config.cache.enabled = false; });
        auto headers = bearer("tok-a");
        headers.emplace_back("x-sim-fault", "stream_error");
        const auto reply = fetch_stream(*m_client, stack->base + "/v1/chat/completions",
                                        chat_body("Break mid-stream", true), headers);
        QCOMPARE(reply.status, 200);
        const auto payloads = sse_payloads(reply.body);
        QVERIFY2(!payloads.empty(), reply.body.c_str());
        QVERIFY2(payloads.back() != "[DONE]", reply.body.c_str());
        const auto last = nlohmann::json::parse(payloads.back(), nullptr, false);
        QVERIFY2(last.contains("error") && last["error"].contains("type"), reply.body.c_str());
    }

    void listsModels() {
        const auto reply = fetch(*m_client, "GET", m_stack->base + "/v1/models", {}, bearer("tok-a"));
        QCOMPARE(reply.status, 200);
        const auto json = reply.json();
        QCOMPARE(json.value("object", ""), std::string("list"));
        std::map<std::string, std::string> owners;
        for (const auto& model : json["data"]) {
            QCOMPARE(model.value("object", ""), std::string("model"));
            QVERIFY2(
                owners.emplace(model["id"].get<std::string>(), model["owned_by"].get<std::string>()).second,
                "duplicate model id");
        }
        QCOMPARE(owners["auto"], std::string("switchboard"));
        QCOMPARE(owners["standard"], std::string("switchboard"));
        QCOMPARE(owners["gpt-4o-mini"], std::string("openai"));
        QCOMPARE(owners["claude-haiku-4-5"], std::string("anthropic"));
        QCOMPARE(owners["llama3.2"], std::string("local"));
        QCOMPARE(owners["text-embedding-3-small"], std::string("openai"));
        // A listed model is accepted by name.
        QCOMPARE(post_chat(chat_body("by name", false, false, "claude-haiku-4-5"))
                     .header("x-switchboard-provider"),
                 std::string("anthropic"));
    }

    void healthReadinessAndMetrics() {
        const auto health = fetch(*m_client, "GET", m_stack->base + "/healthz");
        QCOMPARE(health.status, 200);
        QCOMPARE(health.json().value("status", ""), std::string("ok"));
        QCOMPARE(fetch(*m_client, "GET", m_stack->base + "/readyz").status, 200);
        const auto metrics = fetch(*m_client, "GET", m_stack->base + "/metrics");
        QCOMPARE(metrics.status, 200);
        QVERIFY(metrics.header("content-type").rfind("text/plain; version=0.0.4", 0) == 0);
        QCOMPARE(metrics.body, std::string("switchboard_up 1\n"));

        auto bare = make_stack(m_port, {}, [](GatewayOptions& options) { options.metrics_text = nullptr; });
        QCOMPARE(fetch(*m_client, "GET", bare->base + "/metrics").status, 404);
        bare->server->stop();
        QCOMPARE(fetch(*m_client, "GET", bare->base + "/healthz").status, 0);  // nothing listens any more

        // No provider enabled: alive, not ready, and it says why.
        EngineOptions options;
        options.config = test::simulator_config(m_port);
        for (auto& provider : options.config.providers) provider.enabled = false;
        options.history = false;
        auto engine = Engine::create(std::move(options));
        if (engine) {
            GatewayOptions gateway;
            gateway.port = 0;
            auto server = GatewayServer::start(**engine, gateway);
            QVERIFY(server);
            const auto base = "http://127.0.0.1:" + std::to_string((*server)->port());
            QCOMPARE(fetch(*m_client, "GET", base + "/healthz").status, 200);
            const auto ready = fetch(*m_client, "GET", base + "/readyz");
            QCOMPARE(ready.status, 503);
            QVERIFY2(ready.json().value("reason", "").find("provider") != std::string::npos,
                     ready.body.c_str());
            (*server)->stop();
        }
    }

    void adminApi() {
        auto stack = make_stack(m_port);
        const auto url = stack->base + "/admin/routing";
        QCOMPARE(fetch(*m_client, "GET", url).status, 401);
        QCOMPARE(fetch(*m_client, "GET", url, {}, bearer("not-the-admin-key")).status, 401);
        QCOMPARE(fetch(*m_client, "GET", url, {}, bearer("tok-a")).status, 401);
        const auto admin = bearer(kAdminKey);

        const auto stats = fetch(*m_client, "GET", stack->base + "/admin/stats", {}, admin);
        QCOMPARE(stats.status, 200);
        QVERIFY(stats.json()["engine"].contains("submitted"));
        QVERIFY(stats.json()["cache"].contains("hits"));

        auto routing = fetch(*m_client, "GET", url, {}, admin);
        QCOMPARE(routing.status, 200);
        auto json = routing.json();
        QVERIFY(json["tiers"].is_array() && !json["tiers"].empty());
        // Send the standard tier to anthropic only.
        for (auto& tier : json["tiers"])
            for (auto& target : tier["targets"])
                target["weight"] = target["provider"] == "anthropic" ? 1.0 : 0.0;
        const auto applied = fetch(*m_client, "PUT", url, json.dump(), admin);
        QCOMPARE(applied.status, 200);
        auto headers = bearer("tok-a");
        headers.emplace_back("cache-control", "no-store");
        QCOMPARE(
            post_chat(chat_body("Who answers now?"), headers, stack.get()).header("x-switchboard-provider"),
            std::string("anthropic"));

        json["tiers"][0]["targets"][0]["provider"] = "nobody";
        const auto refused = fetch(*m_client, "PUT", url, json.dump(), admin);
        QCOMPARE(refused.status, 400);
        const auto message = refused.json()["error"]["message"].get<std::string>();
        QVERIFY2(message.find("routing.tiers[0].targets[0].provider") != std::string::npos, message.c_str());
        QCOMPARE(fetch(*m_client, "PUT", url, "{oops", admin).status, 400);
        QCOMPARE(fetch(*m_client, "DELETE", url, {}, admin).status, 405);

        const auto rules_url = stack->base + "/admin/cache/rules";
        const auto rules = fetch(*m_client, "GET", rules_url, {}, admin);
        QCOMPARE(rules.status, 200);
        QVERIFY(rules.json()["rules"].is_array());
        QCOMPARE(fetch(*m_client, "PUT", rules_url, rules.body, admin).status, 200);
        const auto bad_rules = fetch(*m_client, "PUT", rules_url, "{\"rules\":[{\"name\":42}]}", admin);
        QCOMPARE(bad_rules.status, 400);
        QVERIFY2(
            bad_rules.json()["error"]["message"].get<std::string>().find("rules[0]") != std::string::npos,
            bad_rules.body.c_str());

        auto no_cache = make_stack(m_port, [](Config& config) { config.cache.enabled = false; });
        QCOMPARE(fetch(*m_client, "GET", no_cache->base + "/admin/cache/rules", {}, admin).status, 404);
        auto no_admin =
            make_stack(m_port, {}, [](GatewayOptions& options) { options.admin_key_sha256.clear(); });
        QCOMPARE(fetch(*m_client, "GET", no_admin->base + "/admin/stats", {}, admin).status, 404);
    }

    void clientDisconnectMidStreamCancels() {
        SimulatorProfile slow;
        slow.chunk_interval_ms = 150;
        slow.reply_words = 60;
        std::uint16_t slow_port = 0;
        auto simulator = test::start_simulator(slow, &slow_port);
        QVERIFY(simulator);
        auto stack = make_stack(slow_port);

        HttpRequest request;
        request.url = stack->base + "/v1/chat/completions";
        request.body = chat_body("A long slow story please", true);
        request.headers = bearer("tok-a");
        auto received = std::make_shared<std::atomic<std::size_t>>(0);
        std::promise<HttpResponse> done;
        auto future = done.get_future();
        const auto id = m_client->send(
            std::move(request), [&done](HttpResponse&& response) { done.set_value(std::move(response)); },
            [received](std::string_view bytes) { *received += bytes.size(); });
        QTRY_VERIFY_WITH_TIMEOUT(*received > 0, 10000);
        QCOMPARE(stack->engine->stats().cancelled, std::uint64_t(0));
        m_client->cancel(id);
        QVERIFY(future.wait_for(10s) == std::future_status::ready);
        QTRY_COMPARE_WITH_TIMEOUT(stack->engine->stats().cancelled, std::uint64_t(1), 5000);
    }

    void answersManyConcurrentRequests() {
        constexpr int kRequests = 200;
        HttpClient client;
        std::atomic<int> ok{0}, answered{0};
        for (int i = 0; i < kRequests; ++i) {
            HttpRequest request;
            request.url = m_stack->base + "/v1/chat/completions";
            request.body = chat_body("Concurrent question " + std::to_string(i), i % 2 == 1);
            request.headers = bearer("tok-a");
            request.headers.emplace_back("content-type", "application/json");
            client.send(
                std::move(request),
                [&](HttpResponse&& response) {
                    if (response.status == 200) ++ok;
                    ++answered;
                },
                i % 2 == 1 ? HttpClient::DataCallback([](std::string_view) {}) : HttpClient::DataCallback());
        }
        QTRY_COMPARE_WITH_TIMEOUT(answered.load(), kRequests, 60000);
        QCOMPARE(ok.load(), kRequests);
    }

    void holdsAThousandOpenStreams() {
        SimulatorProfile paced;
        paced.chunk_interval_ms = 40;
        paced.reply_words = 25;
        std::uint16_t paced_port = 0;
        auto simulator = test::start_simulator(paced, &paced_port);
        QVERIFY(simulator);
        auto stack = make_stack(paced_port, [](Config& config) {
            config.cache.enabled = false;
            for (auto& provider : config.providers)
                provider.concurrency.initial = provider.concurrency.max = 1000;
        });
        constexpr int kStreams = 1000;
        HttpClient client;
        std::atomic<int> ok{0}, answered{0}, open{0}, most_open{0};
        for (int i = 0; i < kStreams; ++i) {
            HttpRequest request;
            request.url = stack->base + "/v1/chat/completions";
            request.body = chat_body("Stream number " + std::to_string(i), true);
            request.headers = bearer("tok-a");
            request.total_timeout = 60s;
            auto started = std::make_shared<bool>(false);
            client.send(
                std::move(request),
                [&, started](HttpResponse&& response) {
                    if (response.status == 200 && response.curl_code == 0) ++ok;
                    if (*started) --open;
                    ++answered;
                },
                [&, started](std::string_view) {
                    if (*started) return;
                    *started = true;
                    const int now = ++open;
                    int seen = most_open;
                    while (now > seen && !most_open.compare_exchange_weak(seen, now)) {
                    }
                });
        }
        QTRY_COMPARE_WITH_TIMEOUT(answered.load(), kStreams, 90000);
        QCOMPARE(ok.load(), kStreams);
        qInfo("at most %d streams open at once", most_open.load());
        QVERIFY(most_open > kStreams / 2);
    }

    void keepsConnectionsAlive() {
        HttpClient client;
        for (int i = 0; i < 3; ++i) QCOMPARE(fetch(client, "GET", m_stack->base + "/healthz").status, 200);
        QCOMPARE(client.stats().new_connections, std::uint64_t(1));
    }

    // The read that watches for a disconnect while an answer is produced also waits for the
    // next keep-alive request: pipelined bytes it took early, and a request that comes later
    // on the same connection, are both answered, in order, and the last one closes.
    void answersPipelinedAndLaterRequestsOnOneConnection() {
        const auto port = m_stack->server->port();
        const std::string health = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
        const auto pipelined =
            raw_exchange(port, health + health + "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        std::size_t answers = 0;
        for (auto at = pipelined.find("HTTP/1.1 200"); at != std::string::npos;
             at = pipelined.find("HTTP/1.1 200", at + 1))
            ++answers;
        QVERIFY2(answers == 3 && pipelined.find("<timeout>") == std::string::npos, pipelined.c_str());

        HttpClient client;
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(fetch(client, "GET", m_stack->base + "/healthz").status, 200);
            std::this_thread::sleep_for(50ms);  // the next request finds the connection idle
        }
        QCOMPARE(client.stats().new_connections, std::uint64_t(1));
    }

    void survivesGarbage() {
        const auto port = m_stack->server->port();
        const auto garbage = raw_exchange(port, "THIS IS NOT HTTP\r\n\r\n");
        QVERIFY2(garbage.rfind("HTTP/1.1 400", 0) == 0, garbage.c_str());
        const auto binary =
            raw_exchange(port, std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + "\r\n\r\n");
        QVERIFY2(binary.rfind("HTTP/1.1 400", 0) == 0 || binary.empty(), binary.c_str());
        const auto huge = raw_exchange(
            port, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n");
        QVERIFY2(huge.rfind("HTTP/1.1 431", 0) == 0, huge.substr(0, 200).c_str());
        // A truncated body: the client promises 1000 bytes, sends 10 and leaves.
        raw_exchange(port,
                     "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok-a\r\n"
                     "Content-Length: 1000\r\n\r\n{\"messages",
                     100ms, true);
        // A chunked body that lies about its chunk size.
        const auto bad_chunk =
            raw_exchange(port,
                         "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "zz\r\nhello\r\n0\r\n\r\n");
        QVERIFY2(bad_chunk.rfind("HTTP/1.1 400", 0) == 0, bad_chunk.c_str());
        // Invalid UTF-8 in the path is echoed safely.
        const auto odd_path =
            raw_exchange(port, "GET /v1/\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        QVERIFY2(odd_path.rfind("HTTP/1.1", 0) == 0, odd_path.c_str());
        QCOMPARE(fetch(*m_client, "GET", m_stack->base + "/healthz").status, 200);
    }

    void closesSlowAndIdleClients() {
        auto stack = make_stack(m_port, {}, [](GatewayOptions& options) { options.read_timeout = 500ms; });
        const auto port = stack->server->port();
        const auto started = std::chrono::steady_clock::now();
        // Slowloris: half a request line, then nothing. The server closes; we see EOF, not our timeout.
        const auto slow = raw_exchange(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow:", 5000ms);
        QCOMPARE(slow, std::string());
        QVERIFY(std::chrono::steady_clock::now() - started < 3s);
        // Idle keep-alive: one answer, then closed after the timeout.
        const auto idle = raw_exchange(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 5000ms);
        QVERIFY2(idle.rfind("HTTP/1.1 200", 0) == 0 && idle.find("<timeout>") == std::string::npos,
                 idle.c_str());
        QCOMPARE(fetch(*m_client, "GET", stack->base + "/healthz").status, 200);
    }

    // The gateway's threads send plain http on their own loops, which know no proxies; with a
    // proxy in the environment the calls go through libcurl, which honours it. The upstream
    // here is a closed port: only the proxy can answer.
    void upstreamCallsHonourAProxyInTheEnvironment() {
        sb::test::LoopbackHttpServer proxy;  // answers as the proxy, and records what it was sent
        QTemporaryDir dir;
        QProcess process;
        auto environment = QProcessEnvironment::systemEnvironment();
        for (const char* name : {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "no_proxy", "NO_PROXY"})
            environment.remove(name);
        environment.insert("XDG_CONFIG_HOME", dir.filePath("config"));
        environment.insert("XDG_DATA_HOME", dir.filePath("data"));
        environment.insert("SWITCHBOARD_LOCAL_URL", "http://127.0.0.1:9/v1");  // the local target
        environment.insert("http_proxy", QString("http://127.0.0.1:%1").arg(proxy.port()));
        process.setProcessEnvironment(environment);
        process.start(SB_GATEWAY_BIN,
                      {"serve", "--no-auth", "--listen", "127.0.0.1:0", "--database", dir.filePath("proxy.db")});
        QVERIFY(process.waitForStarted(5000));
        QTRY_VERIFY_WITH_TIMEOUT(process.canReadLine(), 20000);
        const QString banner = QString::fromUtf8(process.readLine());
        const auto match = QRegularExpression("listening on http://127\\.0\\.0\\.1:(\\d+)").match(banner);
        QVERIFY2(match.hasMatch(), qPrintable(banner + process.readAllStandardError()));
        const std::string base = "http://127.0.0.1:" + match.captured(1).toStdString();

        const auto reply = fetch(*m_client, "POST", base + "/v1/chat/completions", chat_body("Through the proxy", false, false, "llama3.2"));
        QVERIFY2(reply.status == 200, reply.body.c_str());
        QCOMPARE(reply.header("x-switchboard-provider"), std::string("local"));  // not a failover
        QCOMPARE(reply.json()["choices"][0]["message"]["content"].get<std::string>(),
                 std::string("answered by the loopback server"));
        const auto sent = proxy.recorded();
        QVERIFY(!sent.empty());
        QCOMPARE(QString::fromStdString(sent.front().method + " " + sent.front().target),
                 QString("POST http://127.0.0.1:9/v1/chat/completions"));

        process.terminate();
        QVERIFY(process.waitForFinished(15000));
        QCOMPARE(process.exitCode(), 0);
    }

    void serveRunsUntilSigterm() {
        QProcess process;
        auto environment = QProcessEnvironment::systemEnvironment();
        environment.remove("OPENAI_API_KEY");
        environment.remove("ANTHROPIC_API_KEY");
        environment.remove("SWITCHBOARD_LOCAL_URL");
        environment.insert("XDG_CONFIG_HOME", m_dir.filePath("config"));
        environment.insert("XDG_DATA_HOME", m_dir.filePath("data"));
        environment.insert("SWITCHBOARD_ADMIN_KEY", kAdminKey);
        process.setProcessEnvironment(environment);
        // No host given: the gateway listens on loopback, never on every interface.
        process.start(SB_GATEWAY_BIN, {"serve", "--demo", "on", "--no-auth", "--listen", ":0",
                                       "--database", m_dir.filePath("serve.db"), "--demo-profile",
                                       SB_RESOURCES_DIR "/simulator/zero.json"});
        QVERIFY(process.waitForStarted(5000));
        QTRY_VERIFY_WITH_TIMEOUT(process.canReadLine(), 20000);
        const QString banner = QString::fromUtf8(process.readLine());
        const auto match = QRegularExpression("listening on http://127\\.0\\.0\\.1:(\\d+)").match(banner);
        QVERIFY2(match.hasMatch(), qPrintable(banner));
        QVERIFY(match.captured(1).toInt() > 0);
        const std::string base = "http://127.0.0.1:" + match.captured(1).toStdString();

        const auto reply =
            fetch(*m_client, "POST", base + "/v1/chat/completions", chat_body("Hello from the CLI test"));
        QCOMPARE(reply.status, 200);
        QVERIFY(!reply.json()["choices"][0]["message"]["content"].get<std::string>().empty());
        QCOMPARE(fetch(*m_client, "GET", base + "/admin/stats", {}, bearer(kAdminKey)).status, 200);

        process.terminate();  // SIGTERM
        QVERIFY(process.waitForFinished(15000));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 0);
        const auto err = QString::fromUtf8(process.readAllStandardError());
        QVERIFY2(!err.contains(kAdminKey), qPrintable(err));
    }
};

QTEST_GUILESS_MAIN(TestGatewayServer)
#include "tst_gateway_server.moc"
