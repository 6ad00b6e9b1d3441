#pragma once
// Delayed work (retry backoff) and the clock the engine measures elapsed time with.
// Injectable, so tests can run retry timing on virtual time.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace sb {

class Scheduler {
public:
    using Clock = std::chrono::steady_clock;
    virtual ~Scheduler() = default;
    virtual Clock::time_point now() const = 0;
    // Runs `task` once, after `delay`, on a thread of the scheduler's choosing. Tasks must be short.
    virtual void schedule(std::chrono::milliseconds delay, std::function<void()> task) = 0;
    // Stops running tasks; later schedule() calls are dropped. now() keeps working.
    virtual void stop() {}
};

// The real scheduler: one thread sleeping until the earliest due task.
class TimerThread final : public Scheduler {
public:
    TimerThread();
    ~TimerThread() override;
    Clock::time_point now() const override { return Clock::now(); }
    void schedule(std::chrono::milliseconds delay, std::function<void()> task) override;
    void stop() override;  // drops tasks not yet due; their owners cancel on their own

private:
    struct Entry {
        Clock::time_point due;
        std::uint64_t sequence;  // keeps equal deadlines in submission order
        std::function<void()> task;
        bool operator>(const Entry& other) const {
            return due != other.due ? due > other.due : sequence > other.sequence;
        }
    };
    void run();

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> m_queue;
    std::uint64_t m_sequence = 0;
    bool m_stopping = false;
    std::thread m_thread;
};

}  // namespace sb
