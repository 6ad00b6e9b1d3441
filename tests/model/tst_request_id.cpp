// Request ids: "sb-" + 12 hex digits of the Unix time in ms + 12 of a per-process counter.
#include <QTest>
#include <chrono>
#include <set>
#include <string>

#include "model/request_id.h"

class TestRequestId : public QObject {
    Q_OBJECT
private slots:
    void formatTimeAndUniqueness() {
        using namespace std::chrono;
        const auto before = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
        std::set<std::string> ids;
        std::string previous;
        for (int i = 0; i < 10'000; ++i) {
            const std::string id = sb::new_request_id();
            QCOMPARE(id.size(), std::size_t(27));
            QVERIFY(id.starts_with("sb-"));
            QVERIFY2(id.find_first_not_of("0123456789abcdef", 3) == std::string::npos, id.c_str());
            QVERIFY2(id.substr(0, 15) >= previous.substr(0, std::min<std::size_t>(15, previous.size())), id.c_str());
            previous = id;
            ids.insert(id);
        }
        QCOMPARE(ids.size(), std::size_t(10'000));
        const auto after = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
        const long long stamped = std::stoll(previous.substr(3, 12), nullptr, 16);
        QVERIFY(stamped >= (before & 0xffffffffffffLL) && stamped <= (after & 0xffffffffffffLL));
    }
};

QTEST_APPLESS_MAIN(TestRequestId)
#include "tst_request_id.moc"
