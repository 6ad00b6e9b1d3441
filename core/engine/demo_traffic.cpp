#include "engine/demo_traffic.h"

#include <algorithm>
#include <array>
#include <random>
#include <string>

#include "engine/engine.h"

namespace sb {

namespace {

constexpr std::array kProducts = {"wireless earbuds", "running shoes", "coffee grinder", "phone case",
                                  "desk lamp",        "backpack",      "smart watch",    "yoga mat"};
constexpr std::array kSupportQuestions = {
    "What is the price of the {}?",           "Is the {} in stock?",
    "How long does shipping take for the {}?", "Can I return the {} after 30 days?",
    "My {} arrived damaged. What should I do?", "Does the {} come with a warranty?"};
constexpr std::array kDocQuestions = {
    "How do I rotate an API key without downtime?",
    "Explain the difference between the retry and failover settings.",
    "Summarise the rate-limit section of the integration guide.",
    "Write a step-by-step guide to configuring webhooks, with an example payload and error handling."};
// Mostly automatic routing (the tier rules and weights decide), some explicit tier aliases,
// so a weight change on the Routing page shows on the charts.
constexpr std::array kModels = {"", "", "", "", "", "", "", "fast", "smart", "balanced"};

std::string fill(std::string text, std::string_view value) {
    if (const auto at = text.find("{}"); at != std::string::npos) text.replace(at, 2, value);
    return text;
}

}  // namespace

DemoTraffic::DemoTraffic(Engine& engine, std::uint64_t seed) : m_engine(engine), m_seed(seed) {}

DemoTraffic::~DemoTraffic() { stop(); }

void DemoTraffic::start(int requests_per_second) {
    set_rate(requests_per_second);
    if (m_running.exchange(true)) return;
    m_thread = std::thread([this] { run(); });
}

void DemoTraffic::set_rate(int requests_per_second) {
    m_rate = std::clamp(requests_per_second, kMinRate, kMaxRate);
    m_wake.notify_all();
}

void DemoTraffic::stop() {
    if (!m_running.exchange(false)) return;
    m_wake.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

void DemoTraffic::run() {
    std::mt19937_64 random(m_seed);
    auto pick = [&](std::size_t n) { return static_cast<std::size_t>(random() % n); };
    using Clock = std::chrono::steady_clock;
    auto next = Clock::now();
    std::unique_lock lock(m_mutex);
    while (m_running) {
        // Paced by the clock, not by sleeps, so the rate holds whatever each submit costs.
        next += std::chrono::microseconds(1'000'000 / std::max(1, m_rate.load()));
        if (m_wake.wait_until(lock, next, [this] { return !m_running; })) break;
        if (Clock::now() - next > std::chrono::seconds(1)) next = Clock::now();  // fell behind: do not burst
        // Bounded: a stalled upstream must not pile up unbounded work in the engine.
        if (m_in_flight->load() > m_rate.load() * 30 + 100) continue;

        ChatRequest request;
        request.source = "demo";
        request.model = kModels[pick(kModels.size())];
        request.messages.push_back({Role::System, "You are a concise assistant for an online shop."});
        const bool docs = pick(5) == 0;
        const bool repeated = pick(3) == 0;  // a third repeat a small set: cache candidates
        std::string text = docs ? kDocQuestions[pick(kDocQuestions.size())]
                                : fill(kSupportQuestions[repeated ? 0 : pick(kSupportQuestions.size())],
                                       kProducts[repeated ? pick(2) : pick(kProducts.size())]);
        request.messages.push_back({Role::User, std::move(text)});
        request.max_tokens = docs ? 400 : 120;
        ++*m_in_flight;
        ++m_sent;
        m_engine.submit(std::move(request), [in_flight = m_in_flight](RequestResult&&) { --*in_flight; });
    }
}

}  // namespace sb
