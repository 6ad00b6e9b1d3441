#include "replay/replay.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <numeric>
#include <queue>
#include <random>
#include <thread>

#include "engine/engine.h"
#include "model/error.h"
#include "engine/scheduler.h"
#include "providers/provider_adapter.h"
#include "replay/sdk_retry.h"
#include "simulator/simulator.h"
#include "transport/http_client.h"

namespace sb::replay {

const char* to_string(Mode mode) {
    switch (mode) {
        case Mode::Raw:
            return "raw";
        case Mode::SdkRetries:
            return "sdk";
        case Mode::Batching:
            return "batching";
        case Mode::Hedging:
            return "hedge";
        case Mode::CacheTiers:
            return "cache";
        case Mode::Semantic:
            return "semantic";
    }
    return "?";
}

const char* label(Mode mode) {
    switch (mode) {
        case Mode::Raw:
            return "raw calls";
        case Mode::SdkRetries:
            return "raw calls + SDK retries";
        case Mode::Batching:
            return "batching";
        case Mode::Hedging:
            return "batching + hedging";
        case Mode::CacheTiers:
            return "batching + cache + tiers";
        case Mode::Semantic:
            return "+ semantic cache";
    }
    return "?";
}

// ---- upstreams ---------------------------------------------------------------------------

Upstreams::Upstreams() = default;
Upstreams::~Upstreams() {
    for (auto& simulator : m_simulators) simulator->stop();
}
Upstreams::Upstreams(Upstreams&&) noexcept = default;
Upstreams& Upstreams::operator=(Upstreams&&) noexcept = default;

std::expected<Upstreams, std::string> Upstreams::start(const Config& config,
                                                       const SimulatorProfile& profile) {
    Upstreams upstreams;
    std::uint64_t index = 0;
    for (const auto& provider : config.providers) {
        SimulatorProfile own = profile;
        own.seed = profile.seed + 7919 * index++;  // independent fates per provider
        auto simulator = std::make_unique<Simulator>(own);
        auto port = simulator->start(0);
        if (!port) return std::unexpected("simulator for " + provider.name + ": " + port.error());
        upstreams.m_ports[provider.name] = *port;
        upstreams.m_simulators.push_back(std::move(simulator));
    }
    return upstreams;
}

Config replay_config(Config base, const std::map<std::string, std::uint16_t>& ports,
                     const ClientParams& client, Mode mode) {
    base.demo.mode = DemoMode::Off;
    for (auto& provider : base.providers) {
        const auto port = ports.find(provider.name);
        if (port == ports.end()) continue;
        provider.base_url = "http://127.0.0.1:" + std::to_string(port->second) + "/v1";
        provider.api_key = "sk-replay";
        provider.simulated = false;
        provider.timeouts.total = std::chrono::milliseconds(client.timeout_ms);
    }
    base.cache.enabled = mode == Mode::CacheTiers || mode == Mode::Semantic;
    base.cache.semantic.enabled = mode == Mode::Semantic;
    base.retry.hedge.enabled = mode == Mode::Hedging;
    base.cache.backend = CacheBackendKind::Memory;  // the replay needs no Redis server
    base.budgets.clear();                           // a budget could refuse or downgrade mid-run
    return base;
}

// ---- driver ------------------------------------------------------------------------------

namespace {

using Clock = std::chrono::steady_clock;

double cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& tv) { return double(tv.tv_sec) + double(tv.tv_usec) / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Outcome {
    bool ok = false;
    double cost_usd = 0;
    bool cost_known = true;
    std::string provider, model, tier, cache, error;
    int upstream_attempts = 0;
    bool failed_over = false;
    bool hedged = false, hedge_won = false;
    double hedge_cost_usd = 0;
};

using Submit = std::function<void(ChatRequest, std::function<void(Outcome)>)>;

// The naive client: the strong model on the provider that lists it, one attempt, or with
// `max_retries` the OpenAI SDKs' default retries (sdk_retry.h).
class RawClient {
public:
    RawClient(const Config& config, const PriceTable& prices, const ClientParams& client, int max_retries)
        : m_prices(prices), m_model(client.strong_model), m_timeout(client.timeout_ms), m_max_retries(max_retries) {
        for (const auto& provider : config.providers)
            if (std::find(provider.models.begin(), provider.models.end(), m_model) != provider.models.end()) {
                m_provider = provider;
                break;
            }
        if (m_provider.name.empty() && !config.providers.empty()) m_provider = config.providers.front();
        m_adapter = make_provider_adapter(m_provider.kind);
    }

    // Stops retrying: what is still in flight finishes as cancelled when the transport goes.
    ~RawClient() {
        m_closing = true;
        m_timer.stop();
    }

    void submit(ChatRequest request, std::function<void(Outcome)> done) {
        auto call = std::make_shared<RawCall>();
        call->http = m_adapter->build_request(request, m_provider, m_model);
        call->http.total_timeout = m_timeout;
        call->done = std::move(done);
        send(call);
    }

private:
    struct RawCall {
        HttpRequest http;
        std::function<void(Outcome)> done;
        int attempts = 0;
    };

    void send(const std::shared_ptr<RawCall>& call) {
        m_http.send(HttpRequest(call->http), [this, call](HttpResponse&& response) { on_response(call, response); });
    }

    void on_response(const std::shared_ptr<RawCall>& call, const HttpResponse& response) {
        ++call->attempts;
        Outcome outcome;
        outcome.provider = m_provider.name;
        outcome.model = m_model;
        outcome.cache = "off";
        outcome.upstream_attempts = call->attempts;
        int status = response.status;
        if (response.cancelled || m_closing) {
            outcome.error = "cancelled";
            return call->done(std::move(outcome));
        }
        if (response.curl_code != 0) {
            status = 0;  // no HTTP answer counts, whatever arrived before the failure
            outcome.error =
                std::string(sb::to_string(classify_transport_error(response.curl_code, response.curl_error).cls));
        } else if (auto answer = m_adapter->parse_response(response)) {
            outcome.ok = true;
            const auto cost = m_prices.cost_usd(m_model, answer->usage);
            outcome.cost_known = cost.has_value();
            outcome.cost_usd = cost.value_or(0.0);
        } else {
            outcome.error = std::string(sb::to_string(answer.error().cls));
        }
        const int retries_made = call->attempts - 1;
        if (!outcome.ok && retries_made < m_max_retries && sdk_should_retry(status, response.headers)) {
            const auto delay = sdk_retry_delay(retries_made, response.headers, uniform(), std::chrono::system_clock::now());
            m_timer.schedule(delay, [this, call] { send(call); });
            return;
        }
        call->done(std::move(outcome));
    }

    double uniform() {
        std::lock_guard lock(m_random_mutex);
        return std::uniform_real_distribution<double>(0.0, 1.0)(m_random);
    }

    const PriceTable& m_prices;
    std::string m_model;
    std::chrono::milliseconds m_timeout;
    const int m_max_retries;
    ProviderConfig m_provider;
    std::unique_ptr<ProviderAdapter> m_adapter;
    std::atomic<bool> m_closing{false};
    std::mutex m_random_mutex;
    std::mt19937_64 m_random{20261207};
    HttpClient m_http;   // destroyed after the timer: its callbacks see m_closing and schedule nothing
    TimerThread m_timer; // last: stopped and destroyed first
};

Outcome outcome_of(RequestResult&& result) {
    Outcome outcome;
    outcome.ok = result.ok();
    outcome.provider = result.provider;
    outcome.model = result.model;
    outcome.tier = result.tier;
    outcome.cache = std::string(sb::to_string(result.cache));
    outcome.cost_known = !outcome.ok || result.cost_usd.has_value();
    outcome.cost_usd = result.cost_usd.value_or(0.0);
    if (!outcome.ok) outcome.error = std::string(sb::to_string(result.outcome.error().cls));
    outcome.upstream_attempts = static_cast<int>(result.attempts.size());
    for (const auto& attempt : result.attempts)
        if (!attempt.hedge && (attempt.provider != result.attempts.front().provider ||
                               attempt.model != result.attempts.front().model))
            outcome.failed_over = true;
    if (result.hedge) {
        outcome.hedged = true;
        outcome.hedge_won = result.hedge->won;
        outcome.hedge_cost_usd = result.hedge->loser_cost_usd.value_or(0.0);
    }
    return outcome;
}

}  // namespace

ModeRun run_mode(const Workload& workload, Mode mode, const Config& config, const PriceTable& prices,
                 RunOptions options) {
    ModeRun run;
    run.mode = mode;
    const auto& client = workload.params.client;

    // Record slots, conversation by conversation.
    std::vector<std::size_t> first_record(workload.conversations.size());
    for (std::size_t c = 0; c < workload.conversations.size(); ++c) {
        first_record[c] = run.records.size();
        for (std::size_t k = 0; k < workload.conversations[c].turns.size(); ++k) {
            RequestRecord record;
            record.conversation = static_cast<int>(c);
            record.turn = static_cast<int>(k);
            record.measured = !workload.conversations[c].warmup;
            record.difficulty = workload.conversations[c].turns[k].difficulty;
            run.records.push_back(record);
        }
    }

    std::unique_ptr<RawClient> raw;
    std::unique_ptr<Engine> engine;
    Submit submit;
    std::string model;
    if (mode == Mode::Raw || mode == Mode::SdkRetries) {
        raw = std::make_unique<RawClient>(config, prices, client, mode == Mode::SdkRetries ? kSdkMaxRetries : 0);
        submit = [&raw](ChatRequest request, std::function<void(Outcome)> done) {
            raw->submit(std::move(request), std::move(done));
        };
        model = client.strong_model;
    } else {
        EngineOptions engine_options;
        engine_options.config = config;
        engine_options.history = false;
        auto created = Engine::create(std::move(engine_options));
        if (!created) {
            std::fprintf(stderr, "replay: engine: %s\n", created.error().c_str());
            run.complete = false;
            return run;
        }
        engine = std::move(*created);
        engine->set_prices(prices);
        submit = [&engine](ChatRequest request, std::function<void(Outcome)> done) {
            engine->submit(std::move(request), [done = std::move(done)](RequestResult&& result) {
                done(outcome_of(std::move(result)));
            });
        };
        model = mode == Mode::Batching || mode == Mode::Hedging ? client.strong_model : "auto";
    }

    struct Due {
        double at_ms;
        std::size_t conversation;
        std::size_t turn;
        bool operator>(const Due& other) const { return at_ms > other.at_ms; }
    };
    std::mutex mutex;
    std::condition_variable wake;
    std::priority_queue<Due, std::vector<Due>, std::greater<>> due;
    std::size_t finished = 0;
    const std::size_t total = run.records.size();
    for (std::size_t c = 0; c < workload.conversations.size(); ++c)
        due.push({workload.conversations[c].start_ms, c, 0});

    const auto start = Clock::now() + std::chrono::milliseconds(20);
    const double cpu_start = cpu_seconds();
    auto now_ms = [&] { return std::chrono::duration<double, std::milli>(Clock::now() - start).count(); };
    auto at = [&](double ms) {
        return start + std::chrono::microseconds(static_cast<long long>(ms * 1000.0));
    };

    // SB_REPLAY_TRACE=1: every 2 s, each provider's concurrency limit, calls in flight and
    // calls waiting for a slot (how the adaptive limit behaves under the replay).
    std::atomic<bool> trace_stop{false};
    std::thread trace;
    if (engine && std::getenv("SB_REPLAY_TRACE"))
        trace = std::thread([&] {
            while (!trace_stop) {
                std::this_thread::sleep_for(std::chrono::seconds(2));
                const auto stats = engine->stats();
                std::string line;
                for (const auto& p : stats.providers)
                    line += " " + p.name + " limit " + std::to_string(p.concurrency_limit) + " in flight " +
                            std::to_string(p.in_flight) + " waiting " + std::to_string(p.waiting) + ";";
                std::fprintf(
                    stderr, "[%s %3.0f s] answered %llu, failed %llu, retries %llu, failovers %llu;%s\n",
                    to_string(mode), now_ms() / 1000.0, static_cast<unsigned long long>(stats.succeeded),
                    static_cast<unsigned long long>(stats.failed),
                    static_cast<unsigned long long>(stats.retries),
                    static_cast<unsigned long long>(stats.failovers), line.c_str());
            }
        });
    std::unique_lock lock(mutex);
    Clock::time_point guard = Clock::time_point::max();
    while (finished < total) {
        if (!due.empty() && due.top().at_ms <= now_ms()) {
            const Due next = due.top();
            due.pop();
            const auto& conversation = workload.conversations[next.conversation];
            const double sent_ms = next.at_ms;  // latency counts from when the turn was due
            lock.unlock();
            submit(request_for(workload, conversation, next.turn, model),
                   [&, sent_ms, next](Outcome outcome) {
                       std::lock_guard done_lock(mutex);
                       RequestRecord& r = run.records[first_record[next.conversation] + next.turn];
                       r.finished = true;
                       r.ok = outcome.ok;
                       r.latency_ms = now_ms() - sent_ms;
                       r.cost_usd = outcome.cost_usd;
                       r.cost_known = outcome.cost_known;
                       r.provider = std::move(outcome.provider);
                       r.model = std::move(outcome.model);
                       r.tier = std::move(outcome.tier);
                       r.cache = std::move(outcome.cache);
                       r.error = std::move(outcome.error);
                       r.upstream_attempts = outcome.upstream_attempts;
                       r.failed_over = outcome.failed_over;
                       r.hedged = outcome.hedged;
                       r.hedge_won = outcome.hedge_won;
                       r.hedge_cost_usd = outcome.hedge_cost_usd;
                       ++finished;
                       const auto& turns = workload.conversations[next.conversation].turns;
                       if (next.turn + 1 < turns.size())
                           due.push({now_ms() + turns[next.turn + 1].think_time_ms, next.conversation,
                                     next.turn + 1});
                       wake.notify_one();
                   });
            lock.lock();
            continue;
        }
        // Nothing due and nothing queued: what is in flight has `guard` to finish (a callback may
        // still queue a next turn, which resets it).
        if (due.empty() && guard == Clock::time_point::max()) guard = Clock::now() + options.guard;
        const auto until = due.empty() ? guard : std::min(guard, at(due.top().at_ms));
        if (Clock::now() >= guard) {
            run.complete = false;
            break;
        }
        wake.wait_until(lock, until);
        if (!due.empty()) guard = Clock::time_point::max();  // a new turn arrived: the run goes on
    }
    run.wall_s = now_ms() / 1000.0;
    run.cpu_s = cpu_seconds() - cpu_start;
    lock.unlock();
    trace_stop = true;
    if (trace.joinable()) trace.join();
    // Unfinished requests are cancelled by destroying the client; their callbacks still run.
    engine.reset();
    raw.reset();
    std::lock_guard final_lock(mutex);
    for (auto& r : run.records)
        if (!r.finished && r.error.empty()) r.error = "unfinished";
    return run;
}

// ---- summary -----------------------------------------------------------------------------

ModeSummary summarize(const ModeRun& run, bool measured_only) {
    ModeSummary s;
    s.mode = run.mode;
    std::vector<double> latencies;
    double latency_sum = 0, answered_sum = 0, upstream = 0;
    std::size_t cache_answers = 0, failovers = 0, hedged = 0, hedges_won = 0;
    double hedge_cost = 0;
    std::map<std::string, std::size_t> models, errors;
    std::map<std::string, std::map<std::string, std::size_t>> tiers;
    std::size_t by_difficulty[kDifficultyCount] = {};
    for (const auto& r : run.records) {
        if (measured_only && !r.measured) continue;
        ++s.requests;
        latencies.push_back(r.latency_ms);
        latency_sum += r.latency_ms;
        upstream += r.upstream_attempts;
        failovers += r.failed_over;
        hedged += r.hedged;
        hedges_won += r.hedge_won;
        hedge_cost += r.hedge_cost_usd;
        ++by_difficulty[static_cast<int>(r.difficulty)];
        tiers[to_string(r.difficulty)][r.tier.empty() ? "(none)" : r.tier]++;
        if (r.ok) {
            ++s.answered;
            answered_sum += r.latency_ms;
            s.cost_usd += r.cost_usd;
            models[r.model]++;
            if (r.cache == "hit" || r.cache == "coalesced" || r.cache == "semantic") ++cache_answers;
        } else {
            errors[r.error.empty() ? "unknown" : r.error]++;
        }
    }
    if (s.requests == 0) return s;
    const double n = double(s.requests);
    s.success = double(s.answered) / n;
    s.mean_ms = latency_sum / n;
    s.mean_answered_ms = s.answered ? answered_sum / double(s.answered) : 0;
    s.cost_per_1k_answered = s.answered ? s.cost_usd / double(s.answered) * 1000.0 : 0;
    s.cache_hit_ratio = double(cache_answers) / n;
    s.upstream_calls_per_request = upstream / n;
    s.failover_share = double(failovers) / n;
    s.hedge_share = double(hedged) / n;
    s.hedge_won_share = hedged ? double(hedges_won) / double(hedged) : 0;
    s.hedge_cost_share = s.cost_usd > 0 ? hedge_cost / s.cost_usd : 0;
    for (const auto& [model, count] : models)
        s.model_share[model] = double(count) / double(std::max<std::size_t>(1, s.answered));
    for (const auto& [error, count] : errors) s.error_share[error] = double(count) / n;
    for (const auto& [difficulty, row] : tiers) {
        std::size_t row_total = 0;
        for (const auto& [tier, count] : row) row_total += count;
        for (const auto& [tier, count] : row)
            s.tier_by_difficulty[difficulty][tier] = double(count) / double(row_total);
    }
    std::sort(latencies.begin(), latencies.end());
    auto quantile = [&](double q) {
        const double position = q * double(latencies.size() - 1);
        const auto below = static_cast<std::size_t>(position);
        const auto above = std::min(below + 1, latencies.size() - 1);
        return latencies[below] + (latencies[above] - latencies[below]) * (position - double(below));
    };
    s.p50_ms = quantile(0.50);
    s.p90_ms = quantile(0.90);
    s.p99_ms = quantile(0.99);
    s.max_ms = latencies.back();
    for (int i = 0; i <= 100; ++i) s.latency_quantiles.push_back(quantile(i / 100.0));
    return s;
}

ModeSummary summarize_warmup(const ModeRun& run) {
    ModeRun warm = run;
    for (auto& r : warm.records) r.measured = !r.measured;
    return summarize(warm, true);
}

void compare_with_raw(std::vector<ModeSummary>& summaries) {
    const auto raw = std::find_if(summaries.begin(), summaries.end(),
                                  [](const ModeSummary& s) { return s.mode == Mode::Raw; });
    if (raw == summaries.end()) return;
    const double raw_per_answer = raw->cost_per_1k_answered;
    const double raw_total = raw->cost_usd;
    for (auto& s : summaries) {
        s.saved_vs_raw = raw_per_answer > 0 ? 1.0 - s.cost_per_1k_answered / raw_per_answer : 0;
        s.saved_total_vs_raw = raw_total > 0 ? 1.0 - s.cost_usd / raw_total : 0;
    }
}

nlohmann::json to_json(const ModeSummary& s) {
    return {{"mode", to_string(s.mode)},
            {"label", label(s.mode)},
            {"requests", s.requests},
            {"answered", s.answered},
            {"success", s.success},
            {"mean_ms", s.mean_ms},
            {"p50_ms", s.p50_ms},
            {"p90_ms", s.p90_ms},
            {"p99_ms", s.p99_ms},
            {"max_ms", s.max_ms},
            {"mean_answered_ms", s.mean_answered_ms},
            {"cost_usd", s.cost_usd},
            {"cost_per_1k_answered_usd", s.cost_per_1k_answered},
            {"saved_vs_raw", s.saved_vs_raw},
            {"saved_total_vs_raw", s.saved_total_vs_raw},
            {"cache_hit_ratio", s.cache_hit_ratio},
            {"upstream_calls_per_request", s.upstream_calls_per_request},
            {"failover_share", s.failover_share},
            {"hedge_share", s.hedge_share},
            {"hedge_won_share", s.hedge_won_share},
            {"hedge_cost_share", s.hedge_cost_share},
            {"model_share", s.model_share},
            {"error_share", s.error_share},
            {"tier_by_difficulty", s.tier_by_difficulty},
            {"latency_quantiles_ms", s.latency_quantiles}};
}

}  // namespace sb::replay
