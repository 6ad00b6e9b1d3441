// Cache-Control as a gateway caller sends it decides the per-request cache policy.
#include <QtTest>

#include "cache/cache_control.h"

using namespace sb;

Q_DECLARE_METATYPE(sb::CachePolicy)

class TestCacheControl : public QObject {
    Q_OBJECT
private slots:
    void directives_data() {
        QTest::addColumn<QString>("header");
        QTest::addColumn<CachePolicy>("policy");
        QTest::newRow("absent") << "" << CachePolicy::Default;
        QTest::newRow("no-cache") << "no-cache" << CachePolicy::NoCache;
        QTest::newRow("no-store") << "no-store" << CachePolicy::NoStore;
        QTest::newRow("case") << "No-Cache" << CachePolicy::NoCache;
        QTest::newRow("both, store wins") << "no-cache, no-store" << CachePolicy::NoStore;
        QTest::newRow("store first") << "no-store,no-cache" << CachePolicy::NoStore;
        QTest::newRow("with others") << "max-age=0 , no-cache" << CachePolicy::NoCache;
        QTest::newRow("field names") << "no-cache=\"set-cookie\"" << CachePolicy::NoCache;
        QTest::newRow("unrelated") << "max-age=60, private" << CachePolicy::Default;
        QTest::newRow("lookalike") << "no-cache-please" << CachePolicy::Default;
    }
    void directives() {
        QFETCH(QString, header);
        QFETCH(CachePolicy, policy);
        QCOMPARE(cache_policy_from_header(header.toStdString()), policy);
    }
};

QTEST_GUILESS_MAIN(TestCacheControl)
#include "tst_cache_control.moc"
