#pragma once
// Shared set-up for engine tests: a simulator on loopback that requires a key, and a config
// whose three providers (OpenAI, Anthropic, local OpenAI-compatible) all point at it.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "config/config.h"
#include "engine/engine.h"
#include "engine/scheduler.h"
#include "simulator/simulator.h"

namespace sb::test {

inline constexpr const char* kTestKey = "sk-test-dummy";

inline Config simulator_config(std::uint16_t port) {
    using namespace std::chrono_literals;
    const std::string base = "http://127.0.0.1:" + std::to_string(port) + "/v1";
    auto provider = [&](std::string name, ProviderKind kind, std::string model) {
        ProviderConfig p;
        p.name = std::move(name);
        p.kind = kind;
        p.base_url = base;
        p.api_key = kTestKey;
        p.default_model = model;
        p.models = {model};
        p.timeouts.connect = 2000ms;
        p.timeouts.total = 10000ms;
        p.timeouts.idle = 3000ms;
        p.concurrency.initial = 32;
        p.concurrency.max = 256;
        return p;
    };
    Config config;
    config.providers = {provider("openai", ProviderKind::OpenAI, "gpt-4o-mini"),
                        provider("anthropic", ProviderKind::Anthropic, "claude-haiku-4-5"),
                        provider("local", ProviderKind::OpenAICompatible, "llama3.2")};
    config.default_provider = "openai";
    config.retry.initial_delay = 10ms;
    config.retry.jitter = 10ms;
    config.retry.max_delay = 1000ms;
    config.retry.max_attempts = 4;
    config.retry.deadline = 30000ms;
    return config;
}

// simulator_config() set up for an injected error storm (x-sim-fault): each request fails once,
// fast, and only the error-rate alert can fire — retries and failover off, the circuit kept
// closed, the alert rules on a 10 s window that fire at once.
inline Config error_storm_config(std::uint16_t port) {
    using namespace std::chrono_literals;
    Config config = simulator_config(port);
    config.retry.max_attempts = 1;
    config.retry.failover = false;
    config.routing = fallback_routing(config.providers, config.default_provider);
    config.routing.circuit.consecutive_failures = 1'000'000;
    config.routing.circuit.error_rate = 1.0;
    for (auto& rule : config.alerts.rules) {
        rule.window = 10s;
        rule.for_duration = 0s;  // the shipped minute would only make a test wait
    }
    return config;
}

inline std::unique_ptr<Simulator> start_simulator(SimulatorProfile profile = {}, std::uint16_t* port = nullptr) {
    SimulatorOptions options;
    options.api_key = kTestKey;
    auto simulator = std::make_unique<Simulator>(std::move(profile), options);
    const auto bound = simulator->start(0);
    if (!bound) return nullptr;
    if (port) *port = *bound;
    return simulator;
}

// An engine the test cannot go on without: a config it refuses ends the run with the reason.
inline std::unique_ptr<Engine> create_engine(EngineOptions options) {
    auto engine = Engine::create(std::move(options));
    if (!engine) {
        std::fprintf(stderr, "FATAL: engine: %s\n", engine.error().c_str());
        std::abort();
    }
    return std::move(*engine);
}

// The result of a submitted request; a request that never finishes ends the test run.
inline RequestResult wait_for(std::future<RequestResult>& future, std::chrono::seconds limit = std::chrono::seconds(30)) {
    if (future.wait_for(limit) != std::future_status::ready) {
        std::fprintf(stderr, "FATAL: a request did not finish within %lld s\n", static_cast<long long>(limit.count()));
        std::abort();
    }
    return future.get();
}

inline RequestResult ask(Engine& engine, ChatRequest request) {
    auto future = engine.submit(std::move(request));
    return wait_for(future);
}

// Virtual time: a retry "waits" by moving the clock forward and runs at once.
class ManualScheduler final : public Scheduler {
public:
    Clock::time_point now() const override {
        std::lock_guard lock(m_mutex);
        return m_now;
    }
    void schedule(std::chrono::milliseconds delay, std::function<void()> task) override {
        {
            std::lock_guard lock(m_mutex);
            m_now += delay;
            m_delays.push_back(delay);
        }
        task();
    }
    std::vector<std::chrono::milliseconds> delays() const {
        std::lock_guard lock(m_mutex);
        return m_delays;
    }

private:
    mutable std::mutex m_mutex;
    Clock::time_point m_now = Clock::now();
    std::vector<std::chrono::milliseconds> m_delays;
};

}  // namespace sb::test
