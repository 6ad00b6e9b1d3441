// base64url: the RFC 4648 test vectors in the url-safe alphabet, and the strict decoding
// Fernet relies on (padding required, no stray characters, unused bits zero).
#include <QtTest>

#include "security/base64url.h"

using namespace sb;

class TestBase64Url : public QObject {
    Q_OBJECT

private slots:
    void rfc4648_vectors_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("text");
        QTest::newRow("empty") << QByteArray() << "";
        QTest::newRow("f") << QByteArray("f") << "Zg==";
        QTest::newRow("fo") << QByteArray("fo") << "Zm8=";
        QTest::newRow("foo") << QByteArray("foo") << "Zm9v";
        QTest::newRow("foob") << QByteArray("foob") << "Zm9vYg==";
        QTest::newRow("fooba") << QByteArray("fooba") << "Zm9vYmE=";
        QTest::newRow("foobar") << QByteArray("foobar") << "Zm9vYmFy";
        QTest::newRow("url-safe characters") << QByteArray("\xfb\xff\xbf", 3) << "-_-_";
        QTest::newRow("zero bytes") << QByteArray(4, '\0') << "AAAAAA==";
    }
    void rfc4648_vectors() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, text);
        QCOMPARE(QString::fromStdString(base64url_encode(bytes.toStdString())), text);
        const auto decoded = base64url_decode(text.toStdString());
        QVERIFY(decoded);
        QCOMPARE(QByteArray::fromStdString(*decoded), bytes);
    }

    void all_byte_values_round_trip() {
        std::string bytes;
        for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
        for (std::size_t size = 0; size <= bytes.size(); ++size) {
            const auto decoded = base64url_decode(base64url_encode(bytes.substr(0, size)));
            QVERIFY(decoded);
            QCOMPARE(*decoded, bytes.substr(0, size));
        }
    }

    void rejects_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("error");
        QTest::newRow("no padding") << "Zg"
                                    << "length 2 is not a multiple of 4";
        QTest::newRow("standard alphabet") << "+/8="
                                           << "character 0 is not in the url-safe alphabet";
        QTest::newRow("newline") << "Zm9\n"
                                 << "character 3 is not in the url-safe alphabet";
        QTest::newRow("padding inside") << "Zg==Zg=="
                                        << "padding '=' inside the text at character 2";
        QTest::newRow("three padding") << "Z==="
                                       << "padding '=' inside the text at character 1";
        QTest::newRow("only padding") << "===="
                                      << "padding '=' inside the text at character 0";
        QTest::newRow("unused bits set, 1 byte") << "Zh=="
                                                 << "unused bits of the last character are not zero";
        QTest::newRow("unused bits set, 2 bytes") << "Zm9="
                                                  << "unused bits of the last character are not zero";
    }
    void rejects() {
        QFETCH(QString, text);
        QFETCH(QString, error);
        const auto decoded = base64url_decode(text.toStdString());
        QVERIFY(!decoded);
        QCOMPARE(QString::fromStdString(decoded.error()), error);
    }
};

QTEST_APPLESS_MAIN(TestBase64Url)
#include "tst_base64url.moc"
