// `switchboard-gateway serve` over https, as a process: a test CA made with the openssl
// command, the project's HttpClient trusting it (or an unrelated CA), answers and streams over
// TLS, the certificate reloaded on SIGHUP (and kept when the new files are bad), and the refusal
// of plain http off loopback. In process, what only the engine and the server can tell: a
// client leaving mid-stream cancels its request, a stalled handshake is closed at the read
// deadline, and the body limit holds over TLS.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>
#include <cstdio>
#include <fstream>
#include <future>

#include "../support/engine_fixture.h"
#include "../support/test_ca.h"
#include "engine/engine.h"
#include "gateway/gateway_server.h"
#include "transport/http_client.h"

using namespace sb;
using namespace std::chrono_literals;

namespace {

struct TlsReply {
    int status = 0;
    std::string body;
    std::string curl_error;
    long http_version = 0;
    long new_connections = 0;
};

TlsReply exchange(HttpClient& client, std::string method, std::string url, std::string body = {},
                  bool stream = false) {
    HttpRequest request;
    request.method = std::move(method);
    request.url = std::move(url);
    request.body = std::move(body);
    if (!request.body.empty()) request.headers.emplace_back("content-type", "application/json");
    request.total_timeout = 30s;
    auto streamed = std::make_shared<std::string>();
    auto done = std::make_shared<std::promise<HttpResponse>>();
    auto future = done->get_future();
    HttpClient::DataCallback on_data;
    if (stream) on_data = [streamed](std::string_view bytes) { streamed->append(bytes); };
    client.send(
        std::move(request), [done](HttpResponse&& response) { done->set_value(std::move(response)); },
        std::move(on_data));
    if (future.wait_for(40s) != std::future_status::ready) qFatal("no answer in time");
    auto response = future.get();
    return {response.status, stream && response.body.empty() ? *streamed : std::move(response.body),
            std::move(response.curl_error), response.http_version, response.new_connections};
}

std::string chat_request(const std::string& prompt, bool stream) {
    nlohmann::json body = {{"model", "gpt-4o-mini"}, {"messages", {{{"role", "user"}, {"content", prompt}}}}};
    if (stream) body["stream"] = true;
    return body.dump();
}

// A client that trusts only `ca_file`; each is new, so its first request opens a new connection.
std::unique_ptr<HttpClient> client_trusting(const QString& ca_file) {
    HttpClientOptions options;
    options.ca_bundle = ca_file.toStdString();
    return std::make_unique<HttpClient>(options);
}

void write_text(const QString& path, const std::string& text) {
    std::ofstream(path.toStdString(), std::ios::binary | std::ios::trunc) << text;
}

// Connects, sends nothing, and returns how long the server took to close the connection.
std::chrono::milliseconds time_until_closed(std::uint16_t port, std::chrono::milliseconds patience) {
    const auto started = std::chrono::steady_clock::now();
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return std::chrono::milliseconds::max();
    }
    timeval timeout{static_cast<time_t>(patience.count() / 1000),
                    static_cast<suseconds_t>((patience.count() % 1000) * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char byte;
    const auto n = ::recv(fd, &byte, 1, 0);
    ::close(fd);
    if (n != 0) return std::chrono::milliseconds::max();  // a timeout, or bytes: not closed
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
}

// An in-process https gateway over an engine whose upstream is a simulator.
struct TlsStack {
    std::unique_ptr<Simulator> simulator;
    std::unique_ptr<Engine> engine;
    std::unique_ptr<GatewayServer> server;
    std::string base;
    ~TlsStack() {
        if (server) server->stop();  // before the engine
    }
};

// Replaces `target` in one step, as a deploy tool would: a reader never sees half a file.
bool replace_file(const QString& source, const QString& target) {
    const QString staged = target + ".new";
    QFile::remove(staged);
    return QFile::copy(source, staged) && std::rename(staged.toLocal8Bit(), target.toLocal8Bit()) == 0;
}

}  // namespace

class TestGatewayTls : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    QString path(const QString& name) const { return m_dir.filePath(name); }

    bool make_ca(const QString& name) const { return test::TestCa(m_dir.path()).make_ca(name); }
    bool make_server_cert(const QString& name, const QString& ca, int serial) const {
        return test::TestCa(m_dir.path()).make_server_cert(name, ca, serial);
    }

    QProcessEnvironment serve_environment() const {
        auto environment = QProcessEnvironment::systemEnvironment();
        for (const char* name : {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "SWITCHBOARD_LOCAL_URL", "SWITCHBOARD_ADMIN_KEY"})
            environment.remove(name);
        environment.insert("XDG_CONFIG_HOME", path("config"));  // no user config file
        environment.insert("XDG_DATA_HOME", path("data"));
        return environment;
    }

    // A running `serve --demo on` on loopback; `scheme` is what its banner must say.
    struct Serve {
        std::unique_ptr<QProcess> process = std::make_unique<QProcess>();
        QString banner;
        std::string base;  // scheme://127.0.0.1:port
        QString err;       // stderr so far

        // Waits until stderr holds `text`; true when it did within the deadline.
        bool wait_for_err(const QString& text, std::chrono::milliseconds deadline = 10s) {
            const auto until = std::chrono::steady_clock::now() + deadline;
            while (!err.contains(text)) {
                if (std::chrono::steady_clock::now() > until) return false;
                process->waitForReadyRead(100);
                err += QString::fromUtf8(process->readAllStandardError());
            }
            return true;
        }
    };

    std::unique_ptr<Serve> start_serve(const QStringList& extra, const QString& listen = "127.0.0.1:0",
                                       const QString& scheme = "https") {
        auto serve = std::make_unique<Serve>();
        serve->process->setProcessEnvironment(serve_environment());
        QStringList arguments{"serve", "--demo", "on", "--listen", listen, "--demo-profile",
                              SB_RESOURCES_DIR "/simulator/zero.json"};
        serve->process->start(SB_GATEWAY_BIN, arguments + extra);
        if (!serve->process->waitForStarted(5000)) return nullptr;
        const auto until = std::chrono::steady_clock::now() + 20s;
        while (!serve->process->canReadLine() && serve->process->state() == QProcess::Running &&
               std::chrono::steady_clock::now() < until)
            serve->process->waitForReadyRead(100);
        serve->banner = QString::fromUtf8(serve->process->readLine()).trimmed();
        serve->err = QString::fromUtf8(serve->process->readAllStandardError());
        const auto match = QRegularExpression("^listening on " + scheme + "://([0-9.]+):(\\d+)$").match(serve->banner);
        if (!match.hasMatch()) {
            qWarning("serve did not start: %s %s", qPrintable(serve->banner), qPrintable(serve->err));
            return nullptr;
        }
        serve->base = (scheme + "://127.0.0.1:" + match.captured(2)).toStdString();
        return serve;
    }

    // `serve` that must refuse to start: its exit code and stderr.
    std::pair<int, QString> refused_serve(const QStringList& extra, const QString& listen = "127.0.0.1:0") {
        QProcess process;
        process.setProcessEnvironment(serve_environment());
        process.start(SB_GATEWAY_BIN, QStringList{"serve", "--demo", "on", "--listen", listen, "--demo-profile",
                                                  SB_RESOURCES_DIR "/simulator/zero.json"} +
                                          extra);
        if (!process.waitForFinished(30000)) {
            process.kill();
            process.waitForFinished();
            return {-1, "still running"};
        }
        const QString out = QString::fromUtf8(process.readAllStandardOutput());
        if (out.contains("listening")) return {-1, "it listened: " + out};
        return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
                QString::fromUtf8(process.readAllStandardError())};
    }

    std::unique_ptr<TlsStack> make_tls_stack(SimulatorProfile profile,
                                             std::function<void(GatewayOptions&)> tweak_options = {}) {
        auto stack = std::make_unique<TlsStack>();
        std::uint16_t port = 0;
        stack->simulator = test::start_simulator(std::move(profile), &port);
        if (!stack->simulator) return nullptr;
        EngineOptions engine_options;
        engine_options.config = test::simulator_config(port);
        engine_options.history = false;
        auto engine = Engine::create(std::move(engine_options));
        if (!engine) return nullptr;
        stack->engine = std::move(*engine);
        GatewayOptions options;
        options.port = 0;
        options.allow_unauthenticated = true;
        options.tls = GatewayTls{path("first.pem").toStdString(), path("first.key").toStdString()};
        if (tweak_options) tweak_options(options);
        auto server = GatewayServer::start(*stack->engine, options);
        if (!server) {
            qWarning("gateway: %s", server.error().c_str());
            return nullptr;
        }
        stack->server = std::move(*server);
        stack->base = std::string(options.tls ? "https" : "http") + "://127.0.0.1:" +
                      std::to_string(stack->server->port());
        return stack;
    }

    // Loopback https without keys or history, with `name`.pem and `name`.key.
    QStringList https_arguments(const QString& name) const {
        return {"--no-auth", "--no-history", "--tls-cert", path(name + ".pem"), "--tls-key", path(name + ".key")};
    }

    std::unique_ptr<Serve> m_serve;  // https with the first certificate

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        // "one" signs the first server certificate, "two" the second; each is unrelated to the other.
        QVERIFY(make_ca("one"));
        QVERIFY(make_ca("two"));
        QVERIFY(make_server_cert("first", "one", 1001));
        QVERIFY(make_server_cert("second", "two", 2002));
        m_serve = start_serve(https_arguments("first"));
        QVERIFY(m_serve);
    }

    void answersHealthAndChatOverHttps() {
        auto client = client_trusting(path("one-ca.pem"));
        const auto health = exchange(*client, "GET", m_serve->base + "/healthz");
        QVERIFY2(health.status == 200, health.curl_error.c_str());
        QCOMPARE(health.http_version, 11L);  // HTTP/1.1 inside TLS

        const auto chat = exchange(*client, "POST", m_serve->base + "/v1/chat/completions",
                                   chat_request("Is the desk lamp in stock?", false));
        QVERIFY2(chat.status == 200, (chat.curl_error + chat.body).c_str());
        const auto json = nlohmann::json::parse(chat.body, nullptr, false);
        QVERIFY2(!json["choices"][0]["message"]["content"].get<std::string>().empty(), chat.body.c_str());
        QCOMPARE(chat.new_connections, 0L);  // kept alive over TLS: the second request reused the connection
    }

    void streamsOverHttps() {
        auto client = client_trusting(path("one-ca.pem"));
        const auto stream = exchange(*client, "POST", m_serve->base + "/v1/chat/completions",
                                     chat_request("Tell me about the desk lamp", true), true);
        QVERIFY2(stream.status == 200, (stream.curl_error + stream.body).c_str());
        QVERIFY2(stream.body.find("chat.completion.chunk") != std::string::npos, stream.body.c_str());
        QVERIFY2(stream.body.find("data: [DONE]") != std::string::npos, stream.body.c_str());
        // The chunked stream ended cleanly, so the connection serves the next request.
        const auto after = exchange(*client, "GET", m_serve->base + "/healthz");
        QCOMPARE(after.status, 200);
        QCOMPARE(after.new_connections, 0L);
    }

    void aClientTrustingAnotherCaIsRefusedAndTheServerServesOn() {
        auto stranger = client_trusting(path("two-ca.pem"));
        const auto refused = exchange(*stranger, "GET", m_serve->base + "/healthz");
        QCOMPARE(refused.status, 0);
        QVERIFY2(refused.curl_error.find("certificate") != std::string::npos, refused.curl_error.c_str());
        // The server counted the failed handshake and said so once, with OpenSSL's reason.
        QVERIFY2(m_serve->wait_for_err("serve: 1 TLS handshake(s) failed (latest: "), qPrintable(m_serve->err));
        QCOMPARE(m_serve->process->state(), QProcess::Running);

        auto friendly = client_trusting(path("one-ca.pem"));
        const auto health = exchange(*friendly, "GET", m_serve->base + "/healthz");
        QVERIFY2(health.status == 200, health.curl_error.c_str());
    }

    void plainHttpToTheHttpsPortIsRefusedAndTheServerServesOn() {
        HttpClient plain;
        const std::string http_base = "http" + m_serve->base.substr(5);
        const auto refused = exchange(plain, "GET", http_base + "/healthz");
        QVERIFY2(refused.status == 0, refused.body.c_str());
        auto client = client_trusting(path("one-ca.pem"));
        QCOMPARE(exchange(*client, "GET", m_serve->base + "/healthz").status, 200);
    }

    void sighupReloadsTheCertificateForNewConnections() {
        // Files of its own, so the other cases keep the first certificate.
        QVERIFY(QFile::copy(path("first.pem"), path("live.pem")));
        QVERIFY(QFile::copy(path("first.key"), path("live.key")));
        auto serve = start_serve(https_arguments("live"));
        QVERIFY(serve);
        auto trusts_one = client_trusting(path("one-ca.pem"));
        QCOMPARE(exchange(*trusts_one, "GET", serve->base + "/healthz").status, 200);
        const auto before = exchange(*client_trusting(path("two-ca.pem")), "GET", serve->base + "/healthz");
        QCOMPARE(before.status, 0);  // the second CA is not trusted yet

        QVERIFY(replace_file(path("second.pem"), path("live.pem")));
        QVERIFY(replace_file(path("second.key"), path("live.key")));
        QCOMPARE(::kill(static_cast<pid_t>(serve->process->processId()), SIGHUP), 0);
        QVERIFY2(serve->wait_for_err("serve: reloaded the TLS certificate from " + path("live.pem")),
                 qPrintable(serve->err));

        // New connections get the second certificate: only a client trusting its CA gets in.
        auto trusts_two = client_trusting(path("two-ca.pem"));
        const auto renewed = exchange(*trusts_two, "GET", serve->base + "/healthz");
        QVERIFY2(renewed.status == 200, renewed.curl_error.c_str());
        const auto stale = exchange(*client_trusting(path("one-ca.pem")), "GET", serve->base + "/healthz");
        QVERIFY2(stale.status == 0 && stale.curl_error.find("certificate") != std::string::npos,
                 stale.curl_error.c_str());
        // The connection opened before the reload keeps the certificate it started with.
        const auto kept = exchange(*trusts_one, "GET", serve->base + "/healthz");
        QVERIFY2(kept.status == 200, kept.curl_error.c_str());
        QCOMPARE(kept.new_connections, 0L);

        // Bad files: the second certificate stays, and stderr says why.
        write_text(path("live.key"), "not a key\n");
        QCOMPARE(::kill(static_cast<pid_t>(serve->process->processId()), SIGHUP), 0);
        QVERIFY2(serve->wait_for_err("serve: kept the previous TLS certificate: cannot read the TLS key " +
                                     path("live.key") + ": "),
                 qPrintable(serve->err));
        const auto still = exchange(*client_trusting(path("two-ca.pem")), "GET", serve->base + "/healthz");
        QVERIFY2(still.status == 200, still.curl_error.c_str());

        serve->process->terminate();
        QVERIFY(serve->process->waitForFinished(15000));
        QCOMPARE(serve->process->exitCode(), 0);
    }

    void plainHttpOffLoopbackIsRefused() {
        const auto [code, err] = refused_serve({"--no-history"}, "0.0.0.0:0");
        QCOMPARE(code, 2);
        QVERIFY2(err.contains("serve: plain http is refused on 0.0.0.0, which is not a loopback address"),
                 qPrintable(err));
        QVERIFY2(err.contains("--tls-cert FILE --tls-key FILE") && err.contains("--insecure-plain-http"),
                 qPrintable(err));
    }

    void insecurePlainHttpStartsOffLoopbackWithAWarning() {
        // Off loopback a gateway key is required: the database holds none yet, which is fine here.
        auto serve = start_serve({"--database", path("insecure.db"), "--insecure-plain-http"}, "0.0.0.0:0", "http");
        QVERIFY(serve);
        QVERIFY2(serve->banner.startsWith("listening on http://0.0.0.0:"), qPrintable(serve->banner));
        QVERIFY2(serve->wait_for_err("warning: --insecure-plain-http: traffic to 0.0.0.0 travels unencrypted, "
                                     "gateway and admin keys included"),
                 qPrintable(serve->err));
        HttpClient client;
        QCOMPARE(exchange(client, "GET", serve->base + "/healthz").status, 200);
        serve->process->terminate();
        QVERIFY(serve->process->waitForFinished(15000));
        QCOMPARE(serve->process->exitCode(), 0);
    }

    void sighupToAPlainHttpGatewayEndsNothing() {
        auto serve = start_serve({"--no-history", "--no-auth"}, "127.0.0.1:0", "http");
        QVERIFY(serve);
        QCOMPARE(::kill(static_cast<pid_t>(serve->process->processId()), SIGHUP), 0);
        QVERIFY2(serve->wait_for_err("serve: SIGHUP: nothing to reload (plain http)"), qPrintable(serve->err));
        HttpClient client;
        QCOMPARE(exchange(client, "GET", serve->base + "/healthz").status, 200);
        serve->process->terminate();
        QVERIFY(serve->process->waitForFinished(15000));
        QCOMPARE(serve->process->exitCode(), 0);
    }

    void unusableCertificateFilesStopTheStart() {
        const auto [missing_code, missing] =
            refused_serve({"--no-auth", "--no-history", "--tls-cert", path("absent.pem"), "--tls-key", path("first.key")});
        QVERIFY(missing_code != 0 && missing_code != -1);
        QVERIFY2(missing.contains("cannot read the TLS certificate " + path("absent.pem") + ": "), qPrintable(missing));

        write_text(path("garbage.pem"), "this is not a certificate\n");
        const auto [garbage_code, garbage] =
            refused_serve({"--no-auth", "--no-history", "--tls-cert", path("garbage.pem"), "--tls-key", path("first.key")});
        QVERIFY(garbage_code != 0 && garbage_code != -1);
        QVERIFY2(garbage.contains("cannot read the TLS certificate " + path("garbage.pem") + ": "),
                 qPrintable(garbage));

        const auto [mismatch_code, mismatch] =
            refused_serve({"--no-auth", "--no-history", "--tls-cert", path("first.pem"), "--tls-key", path("second.key")});
        QVERIFY(mismatch_code != 0 && mismatch_code != -1);
        QVERIFY2(mismatch.contains("the TLS key " + path("second.key") + " does not match the certificate " +
                                   path("first.pem")),
                 qPrintable(mismatch));

        const auto [half_code, half] = refused_serve({"--no-auth", "--no-history", "--tls-cert", path("first.pem")});
        QCOMPARE(half_code, 2);
        QVERIFY2(half.contains("--tls-cert and --tls-key go together"), qPrintable(half));
    }

    void clientLeavingMidStreamCancelsItsRequest() {
        SimulatorProfile slow;
        slow.chunk_interval_ms = 150;
        slow.reply_words = 60;
        auto stack = make_tls_stack(slow);
        QVERIFY(stack);
        auto client = client_trusting(path("one-ca.pem"));
        HttpRequest request;
        request.url = stack->base + "/v1/chat/completions";
        request.body = chat_request("A long slow story please", true);
        request.headers.emplace_back("content-type", "application/json");
        auto received = std::make_shared<std::atomic<std::size_t>>(0);
        std::promise<HttpResponse> done;
        auto future = done.get_future();
        const auto id = client->send(
            std::move(request), [&done](HttpResponse&& response) { done.set_value(std::move(response)); },
            [received](std::string_view bytes) { *received += bytes.size(); });
        QTRY_VERIFY_WITH_TIMEOUT(*received > 0, 10000);
        QCOMPARE(stack->engine->stats().cancelled, std::uint64_t(0));
        client->cancel(id);
        QVERIFY(future.wait_for(10s) == std::future_status::ready);
        QTRY_COMPARE_WITH_TIMEOUT(stack->engine->stats().cancelled, std::uint64_t(1), 5000);
    }

    void stalledHandshakeIsClosedAtTheReadDeadline() {
        auto stack = make_tls_stack({}, [](GatewayOptions& options) { options.read_timeout = 300ms; });
        QVERIFY(stack);
        const auto closed_after = time_until_closed(stack->server->port(), 5000ms);
        QVERIFY2(closed_after >= 250ms && closed_after < 3000ms, std::to_string(closed_after.count()).c_str());
        // Recorded when the aborted handshake's handler runs, just after the socket closed.
        QTRY_COMPARE_WITH_TIMEOUT(stack->server->tls_handshake_failures().count, std::uint64_t(1), 2000);
        QCOMPARE(stack->server->tls_handshake_failures().latest_reason, std::string("no handshake within the read timeout"));
        auto client = client_trusting(path("one-ca.pem"));
        QCOMPARE(exchange(*client, "GET", stack->base + "/healthz").status, 200);
    }

    void bodyLimitHoldsOverHttps() {
        auto stack = make_tls_stack({}, [](GatewayOptions& options) { options.max_body_bytes = 1024; });
        QVERIFY(stack);
        auto client = client_trusting(path("one-ca.pem"));
        const auto big = exchange(*client, "POST", stack->base + "/v1/chat/completions",
                                  chat_request(std::string(64 * 1024, 'x'), false));
        QVERIFY2(big.status == 413, (big.curl_error + big.body).c_str());
        QVERIFY2(big.body.find("request_too_large") != std::string::npos, big.body.c_str());
        QCOMPARE(exchange(*client, "GET", stack->base + "/healthz").status, 200);
    }

    void reloadWithTlsOffSaysSo() {
        auto stack = make_tls_stack({}, [](GatewayOptions& options) { options.tls.reset(); });
        QVERIFY(stack);
        const auto reloaded = stack->server->reload_tls();
        QVERIFY(!reloaded);
        QCOMPARE(reloaded.error(), std::string("gateway: TLS is off"));
    }

    void cleanupTestCase() {
        if (!m_serve) return;
        m_serve->process->terminate();
        QVERIFY(m_serve->process->waitForFinished(15000));
        QCOMPARE(m_serve->process->exitCode(), 0);
    }
};

QTEST_GUILESS_MAIN(TestGatewayTls)
#include "tst_gateway_tls.moc"
