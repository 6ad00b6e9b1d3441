// is_loopback_host: the one answer to "is this host loopback?" for provider URLs (after libcurl
// normalised them) and for the gateway's listen address. Names are never resolved.
#include <QtTest>

#include "transport/url_policy.h"

using namespace sb;

class TestUrlPolicy : public QObject {
    Q_OBJECT
private slots:
    void loopbackHosts_data() {
        QTest::addColumn<QString>("host");
        QTest::addColumn<bool>("loopback");
        QTest::newRow("127.0.0.1") << "127.0.0.1" << true;
        QTest::newRow("127.255.255.254") << "127.255.255.254" << true;
        QTest::newRow("::1") << "::1" << true;
        QTest::newRow("[::1]") << "[::1]" << true;
        QTest::newRow("long ::1") << "0:0:0:0:0:0:0:1" << true;
        QTest::newRow("v4-mapped") << "[::ffff:127.0.0.1]" << true;
        QTest::newRow("localhost") << "localhost" << true;
        QTest::newRow("LocalHost") << "LocalHost" << true;
        QTest::newRow("0.0.0.0") << "0.0.0.0" << false;
        QTest::newRow("::") << "::" << false;
        QTest::newRow("[::]") << "[::]" << false;
        QTest::newRow("126.255.255.255") << "126.255.255.255" << false;
        QTest::newRow("128.0.0.1") << "128.0.0.1" << false;
        QTest::newRow("v4-mapped remote") << "::ffff:10.0.0.1" << false;
        QTest::newRow("127.evil.example") << "127.evil.example" << false;
        QTest::newRow("127.0.0.1.evil.example") << "127.0.0.1.evil.example" << false;
        QTest::newRow("localhost.evil") << "localhost.evil" << false;
        QTest::newRow("foo.localhost") << "foo.localhost" << false;
        QTest::newRow("localhost.") << "localhost." << false;
        // Not canonical: only libcurl's normalised form (127.0.0.1) is judged.
        QTest::newRow("127.1") << "127.1" << false;
        QTest::newRow("0x7f000001") << "0x7f000001" << false;
        QTest::newRow("empty") << "" << false;
        QTest::newRow("[127.0.0.1]") << "[127.0.0.1]" << false;
    }

    void loopbackHosts() {
        QFETCH(QString, host);
        QFETCH(bool, loopback);
        QCOMPARE(is_loopback_host(host.toStdString()), loopback);
    }
};

QTEST_GUILESS_MAIN(TestUrlPolicy)
#include "tst_url_policy.moc"
