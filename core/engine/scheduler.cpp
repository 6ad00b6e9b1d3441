#include "engine/scheduler.h"

namespace sb {

TimerThread::TimerThread() : m_thread([this] { run(); }) {}

TimerThread::~TimerThread() { stop(); }

void TimerThread::stop() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable() && m_thread.get_id() != std::this_thread::get_id()) m_thread.join();
}

void TimerThread::schedule(std::chrono::milliseconds delay, std::function<void()> task) {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) return;
        m_queue.push(Entry{Clock::now() + delay, m_sequence++, std::move(task)});
    }
    m_wake.notify_one();
}

void TimerThread::run() {
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        if (m_queue.empty()) {
            m_wake.wait(lock);
            continue;
        }
        const auto due = m_queue.top().due;
        if (Clock::now() < due) {
            m_wake.wait_until(lock, due);
            continue;
        }
        auto task = std::move(const_cast<Entry&>(m_queue.top()).task);
        m_queue.pop();
        lock.unlock();
        task();
        lock.lock();
    }
}

}  // namespace sb
