// Personal data found in text: Luhn-valid card numbers in their usual spellings (and not
// order numbers that merely look long), e-mail addresses, phone numbers; byte spans exact.
#include <QtTest>

#include "security/pii_scan.h"

using namespace sb;

namespace {
QStringList kinds(std::string_view text) {
    QStringList out;
    for (const auto& span : find_pii(text))
        out << QString::fromUtf8(to_string(span.kind)) + ":" +
                   QString::fromStdString(std::string(text.substr(span.begin, span.end - span.begin)));
    return out;
}
}  // namespace

class TestPiiScan : public QObject {
    Q_OBJECT

private slots:
    void luhn() {
        QVERIFY(luhn_valid("4111111111111111"));
        QVERIFY(luhn_valid("5555555555554444"));
        QVERIFY(!luhn_valid("4111111111111112"));
    }

    void finds_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("card plain") << "my card is 4111111111111111." << QStringList{"card_number:4111111111111111"};
        QTest::newRow("card spaced") << "card: 4111 1111 1111 1111 thanks"
                                     << QStringList{"card_number:4111 1111 1111 1111"};
        QTest::newRow("card dashed") << "5555-5555-5555-4444" << QStringList{"card_number:5555-5555-5555-4444"};
        QTest::newRow("amex") << "3782 822463 10005" << QStringList{"card_number:3782 822463 10005"};
        QTest::newRow("order number fails luhn") << "order 4111111111111112 shipped" << QStringList{};
        QTest::newRow("email") << "write to jane.doe+shop@example.co.uk today"
                               << QStringList{"email:jane.doe+shop@example.co.uk"};
        QTest::newRow("not an email") << "meet @ 5pm, user@localhost" << QStringList{};
        QTest::newRow("intl phone") << "call +44 20 7946 0958 now" << QStringList{"phone:+44 20 7946 0958"};
        QTest::newRow("us phone") << "(555) 123-4567 or 555.123.4567" << QStringList{"phone:(555) 123-4567", "phone:555.123.4567"};
        QTest::newRow("chinese mobile") << QString::fromUtf8("我的电话是 +86 138 0013 8000。")
                                        << QStringList{"phone:+86 138 0013 8000"};
        QTest::newRow("plain numbers") << "I bought 3 lamps for 120 dollars in 2024" << QStringList{};
        QTest::newRow("long id no separators") << "tracking 1234567890123" << QStringList{};
        QTest::newRow("two kinds") << "a@b.com 4111111111111111" << QStringList{"email:a@b.com", "card_number:4111111111111111"};
        // Key shapes, assembled here so that no fixture holds a key-looking literal.
        const QString fill = QString("T3stOnlyNotAKey").repeated(3);
        QTest::newRow("openai project key") << "my key is sk-proj-" + fill + ", why 401?"
                                            << QStringList{"api_key:sk-proj-" + fill};
        QTest::newRow("anthropic key") << "x-api-key: sk-ant-api03-" + fill << QStringList{"api_key:sk-ant-api03-" + fill};
        QTest::newRow("gateway key") << "sk-sb-" + fill.left(40) << QStringList{"api_key:sk-sb-" + fill.left(40)};
        QTest::newRow("aws key id") << "AKIA" + QString("T3STONLYT3STONLY") + " leaked" << QStringList{"api_key:AKIAT3STONLYT3STONLY"};
        QTest::newRow("bearer token") << "Authorization: Bearer " + fill + "." + fill << QStringList{"api_key:Bearer " + fill + "." + fill};
        QTest::newRow("short sk- words are not keys") << "ask-me sk-learn sk-1234" << QStringList{};
        QTest::newRow("key inside a word is not a key") << "mask-proj-" + fill << QStringList{};
    }
    void finds() {
        QFETCH(QString, text);
        QFETCH(QStringList, expected);
        const std::string utf8 = text.toStdString();
        QCOMPARE(kinds(utf8), expected);
    }
};

QTEST_APPLESS_MAIN(TestPiiScan)
#include "tst_pii_scan.moc"
