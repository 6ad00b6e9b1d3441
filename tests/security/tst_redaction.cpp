// Redaction: each kind of personal data and each key shape is masked in place, the text
// around it is kept, and text with nothing to hide comes back unchanged.
#include <QtTest>

#include "security/redaction.h"

using namespace sb;

class TestRedaction : public QObject {
    Q_OBJECT

private slots:
    void masksEachKindAndKeepsTheRest() {
        const std::string key = "sk-proj-" + std::string(40, 'Q');  // a key shape, built here
        const std::string text = "I'm jane.doe@example.com, card 4111 1111 1111 1111, call +44 20 7946 0958; my key " +
                                 key + " stopped working.";
        QCOMPARE(redact(text), std::string("I'm [e-mail], card [card number], call [phone]; my key [api key] stopped working."));
    }

    void textWithNothingToHideIsUnchanged() {
        const std::string text = "Order 4111111111111112 shipped on 2026-11-29 to Lyon (3 items).";
        QCOMPARE(redact(text), text);
        QCOMPARE(redact(""), std::string());
    }

    void chineseTextAroundAPhoneNumberSurvives() {
        const std::string text = "我的电话是 +86 138 0013 8000，谢谢。";
        QCOMPARE(redact(text), std::string("我的电话是 [phone]，谢谢。"));
    }
};

QTEST_APPLESS_MAIN(TestRedaction)
#include "tst_redaction.moc"
