// Single flight: 50 concurrent identical misses make one leader; all 49 others get its
// answer; different keys fly separately; a finished key starts a new flight.
#include <QtTest>

#include <atomic>
#include <barrier>
#include <thread>

#include "cache/single_flight.h"

using namespace sb;

class TestSingleFlight : public QObject {
    Q_OBJECT

private slots:
    void fiftyConcurrentMissesMakeOneCall() {
        SingleFlight<std::string> flights;
        std::atomic<int> leaders{0}, answered{0};
        std::barrier start(50);
        std::vector<std::thread> threads;
        for (int i = 0; i < 50; ++i)
            threads.emplace_back([&] {
                start.arrive_and_wait();
                const bool leads = flights.join("k", [&](const std::string& answer) {
                    if (answer == "the answer") ++answered;
                });
                if (leads) ++leaders;
            });
        for (auto& t : threads) t.join();
        QCOMPARE(leaders.load(), 1);
        QCOMPARE(flights.complete("k", "the answer"), std::size_t(49));
        QCOMPARE(answered.load(), 49);
        QCOMPARE(flights.in_flight(), std::size_t(0));
    }

    void keysAreSeparateAndFlightsEnd() {
        SingleFlight<int> flights;
        QVERIFY(flights.join("a", [](int) {}));
        QVERIFY(flights.join("b", [](int) {}));
        QVERIFY(!flights.join("a", [](int) {}));
        QCOMPARE(flights.complete("a", 1), std::size_t(1));
        QCOMPARE(flights.complete("a", 1), std::size_t(0));  // already ended
        QVERIFY(flights.join("a", [](int) {}));             // a new flight
    }
};

QTEST_APPLESS_MAIN(TestSingleFlight)
#include "tst_single_flight.moc"
