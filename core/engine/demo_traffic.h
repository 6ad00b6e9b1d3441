#pragma once
// Synthetic traffic for demo mode: customer-service and documentation prompts, some of them
// repeated, sent through the real engine at a steady rate, so every chart moves within
// seconds. One thread paces submissions; the engine does the rest asynchronously.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

namespace sb {

class Engine;

class DemoTraffic {
public:
    static constexpr int kMinRate = 1;
    static constexpr int kMaxRate = 500;

    explicit DemoTraffic(Engine& engine, std::uint64_t seed = 42);
    ~DemoTraffic();  // stops

    void start(int requests_per_second);
    void set_rate(int requests_per_second);  // clamped to [kMinRate, kMaxRate]
    void stop();
    bool running() const { return m_running; }
    int rate() const { return m_rate; }
    std::uint64_t sent() const { return m_sent; }

private:
    void run();

    Engine& m_engine;
    std::uint64_t m_seed;
    std::atomic<bool> m_running{false};
    std::atomic<int> m_rate{20};
    std::atomic<std::uint64_t> m_sent{0};
    // Shared with the completion callbacks, which may outlive this object.
    std::shared_ptr<std::atomic<int>> m_in_flight = std::make_shared<std::atomic<int>>(0);
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::thread m_thread;
};

}  // namespace sb
