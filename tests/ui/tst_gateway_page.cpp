// The Gateway page over a real engine, the console's embedded endpoint on a loopback port,
// and the key store in a real SQLite history: a key created on the page (shown once, stored
// only as a hash) is accepted by the endpoint; revoked on the page, it is refused with 401.
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <future>

#include "../support/engine_fixture.h"
#include "local_engine_host.h"
#include "gateway/embedded_gateway.h"
#include "gateway/gateway_page.h"
#include "model/headers.h"
#include "transport/http_client.h"

using namespace std::chrono_literals;

namespace {

int post_chat(sb::HttpClient& client, const QString& url, const std::string& key) {
    sb::HttpRequest request;
    request.method = "POST";
    request.url = (url + QStringLiteral("/chat/completions")).toStdString();
    request.body = R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"Where is my parcel?"}]})";
    request.headers = {{"content-type", "application/json"}, {"authorization", "Bearer " + key}};
    request.total_timeout = 20s;
    auto done = std::make_shared<std::promise<int>>();
    auto future = done->get_future();
    client.send(std::move(request), [done](sb::HttpResponse&& response) { done->set_value(response.status); });
    if (future.wait_for(30s) != std::future_status::ready) qFatal("no answer in time");
    return future.get();
}

}  // namespace

class TestGatewayPage : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<sb::Simulator> m_simulator;
    std::unique_ptr<LocalEngineHost> m_bridge;
    std::unique_ptr<EmbeddedGateway> m_gateway;
    std::unique_ptr<sb::HttpClient> m_client;

private slots:
    void initTestCase() {
        QLocale::setDefault(QLocale::c());
        QVERIFY(m_dir.isValid());
        std::uint16_t port = 0;
        m_simulator = sb::test::start_simulator({}, &port);
        QVERIFY(m_simulator);
        sb::EngineOptions options;
        options.config = sb::test::simulator_config(port);
        options.database = m_dir.filePath(QStringLiteral("history.db")).toStdString();
        auto bridge = LocalEngineHost::create(std::move(options));
        QVERIFY2(bridge.has_value(), bridge ? "" : qPrintable(bridge.error()));
        m_bridge = std::move(*bridge);
        auto gateway = EmbeddedGateway::open(*m_bridge);
        QVERIFY2(gateway.has_value(), gateway ? "" : qPrintable(gateway.error()));
        m_gateway = std::move(*gateway);
        const auto served = m_gateway->serve(QStringLiteral("127.0.0.1"), 0);
        QVERIFY2(served.has_value(), served ? "" : qPrintable(served.error()));
        m_client = std::make_unique<sb::HttpClient>();
    }

    void cleanupTestCase() {
        m_client.reset();
        m_gateway.reset();  // the endpoint stops before the engine goes
        m_bridge.reset();
    }

    void keyCreatedOnThePageIsAcceptedThenRevokedIsRefused() {
        GatewayPage page(*m_bridge, m_gateway.get());
        page.setConfirmation([](const QString&) { return true; });
        QVERIFY2(page.endpointText().contains(m_gateway->url()), qPrintable(page.endpointText()));
        QCOMPARE(post_chat(*m_client, m_gateway->url(), "sk-sb-nobody"), 401);

        page.nameEdit()->setText(QStringLiteral("checkout-service"));
        QSignalSpy changed(&page, &GatewayPage::keysChanged);
        page.createButton()->click();
        QCOMPARE(changed.size(), 1);
        const QString secret = page.newSecret();
        QVERIFY2(QRegularExpression(QStringLiteral("^sk-sb-[A-Za-z0-9]{40}$")).match(secret).hasMatch(), qPrintable(secret));
        QCOMPARE(page.table()->rowCount(), 1);
        QCOMPARE(page.table()->item(0, GatewayPage::NameColumn)->text(), QStringLiteral("checkout-service"));
        QCOMPARE(page.table()->item(0, GatewayPage::StatusColumn)->text(), QStringLiteral("active"));
        for (int c = 0; c < GatewayPage::ColumnCount; ++c)  // the table shows a prefix, never the key
            QVERIFY(!page.table()->item(0, c)->text().contains(secret.mid(10)));

        QCOMPARE(post_chat(*m_client, m_gateway->url(), secret.toStdString()), 200);
        page.refresh();
        QVERIFY(page.table()->item(0, GatewayPage::LastUsedColumn)->text() != QStringLiteral("never"));

        page.table()->selectRow(0);
        QVERIFY(page.revokeButton()->isEnabled());
        QVERIFY(page.revokeSelected());
        QVERIFY(page.newSecret().isEmpty());
        QVERIFY(page.table()->item(0, GatewayPage::StatusColumn)->text().startsWith(QStringLiteral("revoked")));
        QCOMPARE(post_chat(*m_client, m_gateway->url(), secret.toStdString()), 401);
    }

    void declinedRevocationKeepsTheKey() {
        GatewayPage page(*m_bridge, m_gateway.get());
        QVERIFY(page.createKey(QStringLiteral("reporting"), 60, 0, 5.0));
        const QString secret = page.newSecret();
        page.setConfirmation([](const QString& question) {
            return !question.contains(QStringLiteral("reporting"));  // "no" to this one
        });
        page.table()->selectRow(0);  // newest first
        QVERIFY(!page.revokeSelected());
        QCOMPARE(post_chat(*m_client, m_gateway->url(), secret.toStdString()), 200);
        QCOMPARE(page.table()->item(0, GatewayPage::RpmColumn)->text(), QStringLiteral("60"));
        QCOMPARE(page.table()->item(0, GatewayPage::BudgetColumn)->text(), QStringLiteral("$5.00"));
    }

    void limitsSetOnThePageReachTheEndpoint() {
        GatewayPage page(*m_bridge, m_gateway.get());
        QVERIFY(page.createKey(QStringLiteral("bursty"), 1, 0, 0));
        const QString secret = page.newSecret();
        QCOMPARE(post_chat(*m_client, m_gateway->url(), secret.toStdString()), 200);
        QCOMPARE(post_chat(*m_client, m_gateway->url(), secret.toStdString()), 429);  // 1 request a minute

        QVERIFY(!page.setLimitsButton()->isEnabled());
        page.table()->selectRow(0);  // newest first
        QVERIFY(page.setLimitsButton()->isEnabled());
        QVERIFY2(page.setLimitsOfSelected(100, 50'000, 7.5), qPrintable(page.statusText()));
        QCOMPARE(page.table()->item(0, GatewayPage::RpmColumn)->text(), QStringLiteral("100"));
        QCOMPARE(page.table()->item(0, GatewayPage::TpmColumn)->text(), QStringLiteral("50000"));
        QCOMPARE(page.table()->item(0, GatewayPage::BudgetColumn)->text(), QStringLiteral("$7.50"));
        // The console's own endpoint reads the same store: the new limit holds at once.
        QCOMPARE(post_chat(*m_client, m_gateway->url(), secret.toStdString()), 200);

        page.setConfirmation([](const QString&) { return true; });
        QVERIFY(page.revokeSelected());
        QVERIFY(!page.setLimitsOfSelected(5, 0, 0));
        QVERIFY2(page.statusText().contains(QStringLiteral("was revoked")), qPrintable(page.statusText()));
    }

    void aKeyNeedsAName() {
        GatewayPage page(*m_bridge, m_gateway.get());
        const int before = page.table()->rowCount();
        QVERIFY(!page.createKey(QStringLiteral("  "), 0, 0, 0));
        QVERIFY(page.statusText().contains(QStringLiteral("name")));
        QCOMPARE(page.table()->rowCount(), before);
    }

    void withoutHistoryThePageSaysWhy() {
        GatewayPage page(*m_bridge, nullptr, QStringLiteral("history is off"));
        QVERIFY(page.endpointText().contains(QStringLiteral("history is off")));
        QVERIFY(!page.createButton()->isEnabled());
    }
};

QTEST_MAIN(TestGatewayPage)
#include "tst_gateway_page.moc"
