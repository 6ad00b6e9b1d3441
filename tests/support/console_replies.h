#pragma once
// Collects the one reply a ConsoleApi operation promises, from whichever thread it comes;
// count says whether a second one came.
#include <QtTest>

#include <mutex>
#include <optional>
#include <thread>

#include "console/console_api.h"

namespace sb::test {

template <class T>
struct Replies {
    std::optional<ConsoleResult<T>> result;
    std::thread::id thread;
    int count = 0;
    std::mutex mutex;

    ConsoleReply<T> reply() {
        return [this](ConsoleResult<T> outcome) {
            std::lock_guard lock(mutex);
            ++count;
            thread = std::this_thread::get_id();
            result = std::move(outcome);
        };
    }
    bool arrived() {
        std::lock_guard lock(mutex);
        return count > 0;
    }
    // Waits up to `ms` for the reply; false if none came.
    bool wait(int ms = 10000) {
        QElapsedTimer waited;
        waited.start();
        while (!arrived() && waited.elapsed() < ms) QTest::qWait(10);
        return arrived();
    }
};

}  // namespace sb::test
