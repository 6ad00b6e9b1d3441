// The transport's TLS policy against a real TLS server (`openssl s_server` with a certificate
// made for the test): a certificate the trust store does not vouch for is refused —
// verification cannot be switched off — and the same server is reached once its CA is
// trusted (HttpClientOptions::ca_bundle), with the TLS phase timed; against an HTTP/2 server
// (nghttpd, installed by tools/setup) the same client speaks HTTP/2. URLs of other schemes are
// refused outright.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <condition_variable>
#include <functional>
#include <curl/curl.h>
#include <mutex>

#include "transport/http_client.h"

using namespace std::chrono_literals;
using namespace sb;

namespace {

HttpResponse fetch(HttpClient& client, const std::string& url) {
    std::mutex mutex;
    std::condition_variable done_cv;
    std::optional<HttpResponse> out;
    HttpRequest request;
    request.method = "GET";
    request.url = url;
    request.total_timeout = 10s;
    client.send(std::move(request), [&](HttpResponse&& response) {
        std::lock_guard lock(mutex);
        out = std::move(response);
        done_cv.notify_all();
    });
    std::unique_lock lock(mutex);
    if (!done_cv.wait_for(lock, 20s, [&] { return out.has_value(); })) qFatal("no answer from the transport");
    return std::move(*out);
}

sockaddr_in loopback(quint16 port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

quint16 free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address = loopback(0);
    socklen_t size = sizeof address;
    quint16 port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0)
        port = ntohs(address.sin_port);
    ::close(fd);
    return port;
}

bool accepts(quint16 port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    const sockaddr_in address = loopback(port);
    const bool connected = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return connected;
}

}  // namespace

class TestTlsPolicy : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QProcess m_server;  // openssl s_server: HTTP/1.0 over TLS
    QProcess m_h2;      // nghttpd: HTTP/2 over TLS
    quint16 m_port = 0;
    quint16 m_h2Port = 0;

    // Starts `program` with `arguments(port)` on a free port; a port taken meanwhile is retried.
    quint16 startServer(QProcess& server, const QString& program, const std::function<QStringList(quint16)>& arguments) {
        for (int attempt = 0; attempt < 5; ++attempt) {
            const quint16 port = free_port();
            server.setWorkingDirectory(m_dir.path());
            server.start(program, arguments(port));
            if (!server.waitForStarted(5000)) return 0;
            for (int i = 0; i < 50 && !accepts(port); ++i) QTest::qWait(100);
            if (accepts(port)) return port;
            server.kill();
            server.waitForFinished();
        }
        return 0;
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        QProcess make;
        make.setWorkingDirectory(m_dir.path());
        make.start("openssl", {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                               "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "key.pem", "-out", "cert.pem"});
        QVERIFY(make.waitForFinished(30000));
        QCOMPARE(make.exitCode(), 0);
        m_port = startServer(m_server, "openssl", [](quint16 port) {
            return QStringList{"s_server", "-accept", QString::number(port), "-cert", "cert.pem", "-key", "key.pem", "-www", "-quiet"};
        });
        QVERIFY2(m_port != 0, "openssl s_server did not start");
        QVERIFY(QDir(m_dir.path()).mkpath("www"));
        QFile page(m_dir.filePath("www/hello.txt"));
        QVERIFY(page.open(QIODevice::WriteOnly));
        page.write("hello over h2\n");
        page.close();
        m_h2Port = startServer(m_h2, "nghttpd", [](quint16 port) {
            return QStringList{"--address=127.0.0.1", "-d", "www", QString::number(port), "key.pem", "cert.pem"};
        });
        QVERIFY2(m_h2Port != 0, "nghttpd did not start (tools/setup installs nghttp2-server)");
    }

    void cleanupTestCase() {
        for (QProcess* server : {&m_server, &m_h2}) {
            server->kill();
            server->waitForFinished();
        }
    }

    void anUntrustedCertificateIsRefused() {
        HttpClient client;
        const auto response = fetch(client, "https://127.0.0.1:" + std::to_string(m_port) + "/");
        QCOMPARE(response.status, 0);
        QVERIFY2(response.curl_code == CURLE_PEER_FAILED_VERIFICATION || response.curl_code == CURLE_SSL_CACERT_BADFILE,
                 response.curl_error.c_str());
        QVERIFY(!response.curl_error.empty());
    }

    void aTrustedCertificateIsReachedOverTls() {
        HttpClientOptions options;
        options.ca_bundle = m_dir.filePath("cert.pem").toStdString();
        HttpClient client(options);
        const auto response = fetch(client, "https://127.0.0.1:" + std::to_string(m_port) + "/");
        QVERIFY2(response.curl_code == CURLE_OK, response.curl_error.c_str());
        QCOMPARE(response.status, 200);
        QVERIFY(response.body.find("s_server") != std::string::npos);  // its -www status page
        QVERIFY(response.timings.tls_ms > response.timings.connect_ms);
    }

    void http2IsSpokenWhereOffered() {
        HttpClientOptions options;
        options.ca_bundle = m_dir.filePath("cert.pem").toStdString();
        HttpClient client(options);
        const auto response = fetch(client, "https://127.0.0.1:" + std::to_string(m_h2Port) + "/hello.txt");
        QVERIFY2(response.curl_code == CURLE_OK, response.curl_error.c_str());
        QCOMPARE(response.status, 200);
        QCOMPARE(response.http_version, 2L);
        QCOMPARE(response.body, std::string("hello over h2\n"));
        // … and refuses it too without trusting the certificate.
        HttpClient strict;
        QCOMPARE(fetch(strict, "https://127.0.0.1:" + std::to_string(m_h2Port) + "/hello.txt").status, 0);
    }

    void otherSchemesAreRefused() {
        HttpClient client;
        const auto file = fetch(client, "file://" + m_dir.filePath("cert.pem").toStdString());
        QCOMPARE(file.curl_code, CURLE_UNSUPPORTED_PROTOCOL);
        QVERIFY(file.body.empty());
    }
};

QTEST_GUILESS_MAIN(TestTlsPolicy)
#include "tst_tls_policy.moc"
