// Prometheus exposition: the exact text of a few records (families once, escaped labels,
// cumulative buckets, +Inf = count, sum), gauges, the zero series a fresh instance shows, counts
// that add up across threads, and a real engine against the loopback simulator whose counters
// match what happened.
#include <QRegularExpression>
#include <QtTest>
#include <map>
#include <thread>

#include "../support/engine_fixture.h"
#include "../support/fresh_metrics.h"
#include "config/config.h"
#include "engine/engine.h"
#include "metrics/prometheus_metrics.h"
#include "model/error.h"

using namespace sb;
using namespace std::chrono_literals;

namespace {

ChatRequest question(std::string text) {
    ChatRequest request;
    request.messages = {{Role::System, "You are terse."}, {Role::User, std::move(text)}};
    request.source = "test";
    request.provider = "openai";  // pinned: faults are retried in place, never failed over
    return request;
}

ChatRequest with_fault(ChatRequest request, std::string fault, int times = 0) {
    request.extra_headers.emplace_back("x-sim-fault", std::move(fault));
    if (times > 0) request.extra_headers.emplace_back("x-sim-fault-times", std::to_string(times));
    return request;
}

RequestResult wait_for(std::future<RequestResult>& future) {
    if (future.wait_for(20s) != std::future_status::ready) qFatal("request did not finish in time");
    return future.get();
}

// The value of the sample whose name and labels are exactly `series`; -1 when absent.
double value_of(const std::string& text, const std::string& series) {
    const std::string needle = "\n" + series + " ";
    const auto at = text.find(needle);
    if (at == std::string::npos) return -1;
    return std::stod(
        text.substr(at + needle.size(), text.find('\n', at + needle.size()) - at - needle.size()));
}

std::string labels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
    std::string out = "{";
    for (const auto& [key, value] : pairs) {
        if (out.size() > 1) out += ',';
        out += key;
        out += "=\"";
        PrometheusMetrics::append_escaped(out, value);
        out += '"';
    }
    return out + "}";
}

const char* const kHistogramHelp =
    "# HELP api_call_duration_seconds Whole-request latency in seconds, queueing, retries and backoff "
    "included; "
    "status is ok or the error class\n"
    "# TYPE api_call_duration_seconds histogram\n";

// An answered request of one openai target in tier simple, after `attempts`.
RequestSample openai_sample(std::span<const AttemptSample> attempts) {
    RequestSample r;
    r.provider = "openai";
    r.model = "gpt-4o-mini";
    r.tier = "simple";
    r.status = "ok";
    r.cache = "miss";
    r.attempts = attempts;
    return r;
}

}  // namespace

class TestPrometheusMetrics : public QObject {
    Q_OBJECT

private slots:
    void exactTextOfOneRequest() {
        PrometheusMetrics metrics;
        const AttemptSample attempts[] = {{"openai", "gpt-4o-mini", "overloaded", 503},
                                          {"openai", "gpt-4o-mini", "", 200}};
        RequestSample r = openai_sample(attempts);
        r.latency_seconds = 0.3;
        r.tokens_in = 10;
        r.tokens_out = 20;
        r.cost_usd = 0.5;
        metrics.record(r);

        const std::string series = "{provider=\"openai\",model=\"gpt-4o-mini\",tier=\"simple\",status=\"ok\"";
        std::string expected =
            "# HELP switchboard_up 1 while the gateway serves\n"
            "# TYPE switchboard_up gauge\n"
            "switchboard_up 1\n";
        expected += kHistogramHelp;
        const char* const bounds[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1",
                                      "2",     "4",    "8",     "15",   "30",  "60",   "120"};
        for (const char* le : bounds) {
            const bool below = std::string_view(le) == "0.005" || std::string_view(le) == "0.01" ||
                               std::string_view(le) == "0.025" || std::string_view(le) == "0.05" ||
                               std::string_view(le) == "0.1" || std::string_view(le) == "0.25";
            expected += "api_call_duration_seconds_bucket" + series + ",le=\"" + le + "\"} " +
                        (below ? "0" : "1") + "\n";
        }
        expected += "api_call_duration_seconds_bucket" + series + ",le=\"+Inf\"} 1\n";
        expected += "api_call_duration_seconds_sum" + series + "} 0.3\n";
        expected += "api_call_duration_seconds_count" + series + "} 1\n";
        expected +=
            "# HELP error_code_counter Failed upstream attempts by HTTP status (or network, timeout) and "
            "error class\n"
            "# TYPE error_code_counter counter\n"
            "error_code_counter{provider=\"openai\",code=\"503\",class=\"overloaded\"} 1\n"
            "# HELP switchboard_requests_total Finished requests; status is ok or the error class\n"
            "# TYPE switchboard_requests_total counter\n";
        expected += "switchboard_requests_total" + series + "} 1\n";
        expected +=
            "# HELP switchboard_retries_total Attempts repeated on the same target\n"
            "# TYPE switchboard_retries_total counter\n"
            "switchboard_retries_total{provider=\"openai\"} 1\n"
            "# HELP switchboard_failovers_total Attempts moved to another target\n"
            "# TYPE switchboard_failovers_total counter\n"
            "switchboard_failovers_total 0\n"
            "# HELP switchboard_hedges_total Hedged copies sent, by the hedge's provider and whether it answered first\n"
            "# TYPE switchboard_hedges_total counter\n"
            "# HELP switchboard_hedge_cost_usd_total What the losing attempts of hedged requests cost (prompt, and "
            "what had streamed)\n"
            "# TYPE switchboard_hedge_cost_usd_total counter\n"
            "switchboard_hedge_cost_usd_total 0\n"
            "# HELP switchboard_cache_requests_total Response cache lookups by result\n"
            "# TYPE switchboard_cache_requests_total counter\n"
            "switchboard_cache_requests_total{result=\"miss\"} 1\n"
            "# HELP switchboard_tokens_total Tokens the upstreams reported, by direction\n"
            "# TYPE switchboard_tokens_total counter\n"
            "switchboard_tokens_total{provider=\"openai\",model=\"gpt-4o-mini\",direction=\"input\"} 10\n"
            "switchboard_tokens_total{provider=\"openai\",model=\"gpt-4o-mini\",direction=\"output\"} 20\n"
            "# HELP switchboard_cost_usd_total Upstream spend in US dollars from the price table\n"
            "# TYPE switchboard_cost_usd_total counter\n"
            "switchboard_cost_usd_total{provider=\"openai\",model=\"gpt-4o-mini\"} 0.5\n"
            "# HELP switchboard_cache_saved_usd_total What the answers from the cache would have cost "
            "upstream, US dollars\n"
            "# TYPE switchboard_cache_saved_usd_total counter\n"
            "switchboard_cache_saved_usd_total 0\n"
            "# HELP switchboard_requests_in_flight Requests holding a concurrency slot\n"
            "# TYPE switchboard_requests_in_flight gauge\n"
            "# HELP switchboard_concurrency_limit Adaptive concurrency limit\n"
            "# TYPE switchboard_concurrency_limit gauge\n"
            "# HELP switchboard_circuit_state Circuit breaker state: 0 closed, 1 half-open, 2 open, 3 "
            "auth_failed\n"
            "# TYPE switchboard_circuit_state gauge\n"
            "# HELP switchboard_cache_entries Answers in the response cache\n"
            "# TYPE switchboard_cache_entries gauge\n"
            "switchboard_cache_entries 0\n"
            "# HELP switchboard_cache_bytes Bytes held by the response cache\n"
            "# TYPE switchboard_cache_bytes gauge\n"
            "switchboard_cache_bytes 0\n"
            "# HELP switchboard_budget_spent_usd Spend in the budget's current period, US dollars\n"
            "# TYPE switchboard_budget_spent_usd gauge\n"
            "# HELP switchboard_budget_limit_usd The budget's limit, US dollars\n"
            "# TYPE switchboard_budget_limit_usd gauge\n"
            "# HELP switchboard_budget_used_ratio Spend as a fraction of the limit\n"
            "# TYPE switchboard_budget_used_ratio gauge\n";
        QCOMPARE(metrics.render({}), expected);
    }

    void labelValuesAreEscapedAndBucketsCumulative() {
        PrometheusMetrics metrics;
        const std::string model = "we\"ird\\model\nv2";
        const AttemptSample timeout[] = {{"local", model, "timeout", 0}};
        const AttemptSample reset[] = {{"local", model, "network", 0}, {"openai", "gpt-4o-mini", "", 200}};
        for (double seconds : {0.004, 0.7, 1.5, 3.0, 200.0}) {
            RequestSample r;
            r.provider = "local";
            r.model = model;
            r.status = "timeout";
            r.latency_seconds = seconds;
            r.attempts = timeout;
            metrics.record(r);
        }
        RequestSample moved;
        moved.provider = "openai";
        moved.model = "gpt-4o-mini";
        moved.status = "ok";
        moved.latency_seconds = 1;
        moved.attempts = reset;
        moved.cache = "hit";
        moved.saved_usd = 0.25;
        metrics.record(moved);
        const auto text = metrics.render({});

        const std::string escaped = "we\\\"ird\\\\model\\nv2";
        const std::string series =
            "{provider=\"local\",model=\"" + escaped + "\",tier=\"\",status=\"timeout\"";
        QVERIFY2(text.find("model=\"" + escaped + "\"") != std::string::npos, text.c_str());
        const std::map<std::string, double> buckets{{"0.005", 1}, {"0.5", 1}, {"1", 2},   {"2", 3},
                                                    {"4", 4},     {"120", 4}, {"+Inf", 5}};
        for (const auto& [le, count] : buckets)
            QCOMPARE(value_of(text, "api_call_duration_seconds_bucket" + series + ",le=\"" + le + "\"}"),
                     count);
        QCOMPARE(value_of(text, "api_call_duration_seconds_count" + series + "}"), 5.0);
        QCOMPARE(value_of(text, "api_call_duration_seconds_sum" + series + "}"),
                 0.004 + 0.7 + 1.5 + 3.0 + 200.0);
        QCOMPARE(value_of(text, "error_code_counter{provider=\"local\",code=\"timeout\",class=\"timeout\"}"),
                 5.0);
        QCOMPARE(value_of(text, "error_code_counter{provider=\"local\",code=\"network\",class=\"network\"}"),
                 1.0);
        QCOMPARE(value_of(text, "switchboard_failovers_total"), 1.0);
        QCOMPARE(value_of(text, "switchboard_cache_requests_total{result=\"hit\"}"), 1.0);
        QCOMPARE(value_of(text, "switchboard_cache_saved_usd_total"), 0.25);
        // A family with no series yet: its HELP and TYPE, no sample.
        QVERIFY(text.find("# TYPE switchboard_retries_total counter\n") != std::string::npos);
        QVERIFY(text.find("\nswitchboard_retries_total{") == std::string::npos);
        // Each family's HELP and TYPE exactly once.
        std::size_t types = 0;
        for (std::size_t at = text.find("# TYPE api_call_duration_seconds "); at != std::string::npos;
             at = text.find("# TYPE api_call_duration_seconds ", at + 1))
            ++types;
        QCOMPARE(types, std::size_t(1));
    }

    void gaugesAreRendered() {
        ScrapeGauges gauges;
        gauges.providers = {{"openai", 3, 32}, {"anthropic", 0, 16}};
        gauges.circuits = {{"openai", "gpt-4o-mini", CircuitState::Closed},
                           {"local", "llama3.2", CircuitState::Open},
                           {"local", "llama3.2", CircuitState::Open},  // the same target in a second tier
                           {"anthropic", "claude-haiku-4-5", CircuitState::HalfOpen},
                           {"anthropic", "claude-sonnet-4-5", CircuitState::AuthFailed}};
        gauges.cache_entries = 7;
        gauges.cache_bytes = 4096;
        gauges.budgets = {{"monthly-total", "monthly", "all", 85, 100, 0.85}};
        const auto text = PrometheusMetrics().render(gauges);
        QCOMPARE(value_of(text, "switchboard_requests_in_flight{provider=\"openai\"}"), 3.0);
        QCOMPARE(value_of(text, "switchboard_concurrency_limit{provider=\"anthropic\"}"), 16.0);
        QCOMPARE(value_of(text, "switchboard_circuit_state{provider=\"openai\",model=\"gpt-4o-mini\"}"), 0.0);
        QCOMPARE(
            value_of(text, "switchboard_circuit_state{provider=\"anthropic\",model=\"claude-haiku-4-5\"}"),
            1.0);
        QCOMPARE(value_of(text, "switchboard_circuit_state{provider=\"local\",model=\"llama3.2\"}"), 2.0);
        QCOMPARE(
            value_of(text, "switchboard_circuit_state{provider=\"anthropic\",model=\"claude-sonnet-4-5\"}"),
            3.0);
        QCOMPARE(text.find("llama3.2"), text.rfind("llama3.2"));  // one series per target
        QCOMPARE(value_of(text, "switchboard_cache_entries"), 7.0);
        QCOMPARE(value_of(text, "switchboard_cache_bytes"), 4096.0);
        const std::string budget = "{budget=\"monthly-total\",period=\"monthly\",provider=\"all\"}";
        QCOMPARE(value_of(text, "switchboard_budget_spent_usd" + budget), 85.0);
        QCOMPARE(value_of(text, "switchboard_budget_limit_usd" + budget), 100.0);
        QCOMPARE(value_of(text, "switchboard_budget_used_ratio" + budget), 0.85);
        QCOMPARE(value_of(text, "switchboard_up"), 1.0);
        // Nothing recorded yet: the histogram's HELP and TYPE, no buckets.
        QVERIFY(text.find(kHistogramHelp) != std::string::npos);
        QVERIFY(text.find("api_call_duration_seconds_bucket") == std::string::npos);
    }

    void countsAddUpAcrossThreads() {
        PrometheusMetrics metrics;
        constexpr int kThreads = 8, kEach = 5000;
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&metrics, t] {
                const std::string provider = t % 2 ? "openai" : "anthropic";
                const AttemptSample attempts[] = {{provider, "m", "rate_limited", 429},
                                                  {provider, "m", "", 200}};
                for (int i = 0; i < kEach; ++i) {
                    RequestSample r;
                    r.provider = provider;
                    r.model = "m";
                    r.status = "ok";
                    r.latency_seconds = 0.001 * (i % 100);
                    r.attempts = attempts;
                    r.tokens_out = 2;
                    metrics.record(r);
                }
            });
        }
        for (auto& thread : threads) thread.join();
        const auto text = metrics.render({});
        const double half = kThreads / 2 * kEach;
        for (const char* provider : {"openai", "anthropic"}) {
            const std::string series =
                std::string("{provider=\"") + provider + "\",model=\"m\",tier=\"\",status=\"ok\"";
            QCOMPARE(value_of(text, "switchboard_requests_total" + series + "}"), half);
            QCOMPARE(value_of(text, "api_call_duration_seconds_count" + series + "}"), half);
            QCOMPARE(value_of(text, "api_call_duration_seconds_bucket" + series + ",le=\"+Inf\"}"), half);
            QCOMPARE(value_of(text, std::string("switchboard_retries_total{provider=\"") + provider + "\"}"),
                     half);
            QCOMPARE(value_of(text, std::string("error_code_counter{provider=\"") + provider +
                                        "\",code=\"429\",class=\"rate_limited\"}"),
                     half);
            QCOMPARE(value_of(text, std::string("switchboard_tokens_total{provider=\"") + provider +
                                        "\",model=\"m\",direction=\"output\"}"),
                     2 * half);
        }
    }

    void declaredSeriesStartAtZeroAndKeepTheirCounts() {
        PrometheusMetrics metrics;
        KnownLabels known;
        known.providers = {"openai"};
        known.targets = {{"simple", "openai", "gpt-4o-mini"}};
        known.statuses = {"ok", "timeout"};
        known.error_codes = {{"429", "rate_limited"}};
        known.cache_results = {"hit", "miss"};
        metrics.declare(known);
        const std::string target = "{provider=\"openai\",model=\"gpt-4o-mini\",tier=\"simple\",status=";
        auto text = metrics.render({});
        QCOMPARE(value_of(text, "error_code_counter{provider=\"openai\",code=\"429\",class=\"rate_limited\"}"), 0.0);
        QCOMPARE(value_of(text, "switchboard_requests_total" + target + "\"ok\"}"), 0.0);
        QCOMPARE(value_of(text, "switchboard_requests_total" + target + "\"timeout\"}"), 0.0);
        QCOMPARE(value_of(text, "switchboard_retries_total{provider=\"openai\"}"), 0.0);
        QCOMPARE(value_of(text, "switchboard_cache_requests_total{result=\"hit\"}"), 0.0);
        QCOMPARE(value_of(text, "switchboard_tokens_total{provider=\"openai\",model=\"gpt-4o-mini\",direction=\"output\"}"),
                 0.0);
        QCOMPARE(value_of(text, "switchboard_cost_usd_total{provider=\"openai\",model=\"gpt-4o-mini\"}"), 0.0);
        QVERIFY(text.find("api_call_duration_seconds_bucket") == std::string::npos);  // no zero histograms

        const AttemptSample attempts[] = {{"openai", "gpt-4o-mini", "rate_limited", 429},
                                          {"openai", "gpt-4o-mini", "", 200}};
        metrics.record(openai_sample(attempts));
        known.targets.push_back({"advanced", "openai", "gpt-4o"});  // a routing change
        metrics.declare(known);
        text = metrics.render({});
        QCOMPARE(value_of(text, "error_code_counter{provider=\"openai\",code=\"429\",class=\"rate_limited\"}"), 1.0);
        QCOMPARE(value_of(text, "switchboard_requests_total" + target + "\"ok\"}"), 1.0);
        QCOMPARE(value_of(text, "switchboard_retries_total{provider=\"openai\"}"), 1.0);
        QCOMPARE(value_of(text, "switchboard_cache_requests_total{result=\"miss\"}"), 1.0);
        QCOMPARE(value_of(text, "switchboard_requests_total{provider=\"openai\",model=\"gpt-4o\",tier=\"advanced\",status=\"ok\"}"),
                 0.0);
    }

    // A fresh engine on the shipped config, before any request: every family's HELP and TYPE,
    // and a 0 for every label value known up front, so a query answers 0, not "no data".
    void freshEngineShowsEveryFamilyAtZero() {
        const auto [config, text] = sb::test::fresh_prometheus_text();

        for (const auto& [name, type] : std::initializer_list<std::pair<std::string, std::string>>{
                 {"api_call_duration_seconds", "histogram"},
                 {"error_code_counter", "counter"},
                 {"switchboard_requests_total", "counter"},
                 {"switchboard_retries_total", "counter"},
                 {"switchboard_failovers_total", "counter"},
                 {"switchboard_hedges_total", "counter"},
                 {"switchboard_hedge_cost_usd_total", "counter"},
                 {"switchboard_cache_requests_total", "counter"},
                 {"switchboard_tokens_total", "counter"},
                 {"switchboard_cost_usd_total", "counter"},
                 {"switchboard_requests_in_flight", "gauge"},
                 {"switchboard_concurrency_limit", "gauge"},
                 {"switchboard_circuit_state", "gauge"},
                 {"switchboard_budget_used_ratio", "gauge"}}) {
            QVERIFY2(text.find("\n# HELP " + name + " ") != std::string::npos, name.c_str());
            QVERIFY2(text.find("\n# TYPE " + name + " " + type + "\n") != std::string::npos, name.c_str());
        }

        // error_code_counter: every class a failed upstream attempt can have, for every provider.
        for (const ErrorClass cls : error_classes()) {
            if (cls == ErrorClass::None || cls == ErrorClass::Cancelled || cls == ErrorClass::Budget) continue;
            for (const auto& provider : config.providers) {
                const QRegularExpression line(QStringLiteral("\n(error_code_counter\\{provider=\"%1\",code=\"[a-z0-9]+\",class=\"%2\"\\}) 0\n")
                                                  .arg(QString::fromStdString(provider.name), QString::fromStdString(std::string(to_string(cls)))));
                QVERIFY2(line.match(QString::fromStdString(text)).hasMatch(),
                         qPrintable(QStringLiteral("no zero error_code_counter for %1 %2")
                                        .arg(QString::fromStdString(provider.name), QString::fromStdString(std::string(to_string(cls))))));
            }
        }
        // Requests, tokens and cost for every routing target; status ok and every error class.
        for (const auto& tier : config.routing.tiers)
            for (const auto& target : tier.targets) {
                const std::string series = labels({{"provider", target.provider}, {"model", target.model}, {"tier", tier.name}, {"status", "ok"}});
                QCOMPARE(value_of(text, "switchboard_requests_total" + series), 0.0);
                QCOMPARE(value_of(text, "switchboard_requests_total" +
                                            labels({{"provider", target.provider}, {"model", target.model}, {"tier", tier.name}, {"status", "rate_limited"}})),
                         0.0);
                QCOMPARE(value_of(text, "switchboard_tokens_total" + labels({{"provider", target.provider}, {"model", target.model}, {"direction", "input"}})),
                         0.0);
                QCOMPARE(value_of(text, "switchboard_cost_usd_total" + labels({{"provider", target.provider}, {"model", target.model}})), 0.0);
            }
        for (const auto& provider : config.providers)
            QCOMPARE(value_of(text, "switchboard_retries_total" + labels({{"provider", provider.name}})), 0.0);
        for (const char* result : {"hit", "miss", "coalesced", "skip", "bypass"})
            QCOMPARE(value_of(text, std::string("switchboard_cache_requests_total{result=\"") + result + "\"}"), 0.0);
        // Nothing counted yet: every counter sample is 0.
        for (const std::string prefix : {"\nerror_code_counter{", "\nswitchboard_requests_total{", "\nswitchboard_tokens_total{"})
            for (auto at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 1)) {
                const auto end = text.find('\n', at + 1);
                QVERIFY2(text.compare(end - 2, 2, " 0") == 0, text.substr(at + 1, end - at - 1).c_str());
            }
    }

    void engineCountersMatchWhatHappened() {
        std::uint16_t port = 0;
        auto simulator = test::start_simulator({}, &port);
        QVERIFY(simulator);
        EngineOptions options;
        options.config = test::simulator_config(port);
        options.history = false;
        options.scheduler = std::make_shared<test::ManualScheduler>();
        options.retry_uniform = [] { return 0.0; };
        auto created = Engine::create(std::move(options));
        QVERIFY2(created.has_value(), created ? "" : created.error().c_str());
        auto engine = std::move(*created);

        std::vector<std::future<RequestResult>> futures;
        for (int i = 0; i < 6; ++i) futures.push_back(engine->submit(question("ok " + std::to_string(i))));
        for (int i = 0; i < 3; ++i)
            futures.push_back(
                engine->submit(with_fault(question("503 " + std::to_string(i)), "unavailable", 1)));
        for (int i = 0; i < 2; ++i)
            futures.push_back(engine->submit(with_fault(question("401 " + std::to_string(i)), "auth")));
        std::vector<RequestResult> results;
        for (auto& future : futures) results.push_back(wait_for(future));

        std::map<std::string, double> requests;  // series → count, from the results
        std::map<std::string, double> tokens;
        std::map<std::string, double> codes;
        double cost = 0;
        int ok = 0;
        for (const auto& result : results) {
            const std::string status =
                result.ok() ? "ok" : std::string(to_string(result.outcome.error().cls));
            ++requests[labels({{"provider", result.provider},
                               {"model", result.model},
                               {"tier", result.tier},
                               {"status", status}})];
            for (const auto& attempt : result.attempts)
                if (attempt.error != ErrorClass::None)
                    ++codes[labels({{"provider", attempt.provider},
                                    {"code", std::to_string(attempt.http_status)},
                                    {"class", to_string(attempt.error)}})];
            if (!result.ok()) continue;
            ++ok;
            cost += result.cost_usd.value_or(0);
            tokens[labels(
                {{"provider", result.provider}, {"model", result.model}, {"direction", "input"}})] +=
                result.outcome->usage.input_tokens;
            tokens[labels(
                {{"provider", result.provider}, {"model", result.model}, {"direction", "output"}})] +=
                result.outcome->usage.output_tokens;
        }
        QCOMPARE(ok, 9);
        QVERIFY(cost > 0);

        const auto text = engine->prometheus_text();
        for (const auto& [series, count] : requests) {
            QCOMPARE(value_of(text, "switchboard_requests_total" + series), count);
            QCOMPARE(value_of(text, "api_call_duration_seconds_count" + series), count);
        }
        for (const auto& [series, count] : tokens)
            QCOMPARE(value_of(text, "switchboard_tokens_total" + series), count);
        for (const auto& [series, count] : codes)
            QCOMPARE(value_of(text, "error_code_counter" + series), count);
        QCOMPARE(value_of(text, "error_code_counter{provider=\"openai\",code=\"503\",class=\"overloaded\"}"),
                 3.0);
        QCOMPARE(value_of(text, "error_code_counter{provider=\"openai\",code=\"401\",class=\"auth\"}"), 2.0);
        QCOMPARE(value_of(text, "switchboard_retries_total{provider=\"openai\"}"), 3.0);
        QCOMPARE(value_of(text, "switchboard_retries_total{provider=\"openai\"}"),
                 double(engine->stats().retries));
        QCOMPARE(value_of(text, "switchboard_failovers_total"), 0.0);
        const double exported_cost =
            value_of(text, "switchboard_cost_usd_total{provider=\"openai\",model=\"gpt-4o-mini\"}");
        QVERIFY2(std::abs(exported_cost - cost) < 1e-12,
                 (std::to_string(exported_cost) + " vs " + std::to_string(cost)).c_str());
        QCOMPARE(value_of(text, "switchboard_requests_in_flight{provider=\"openai\"}"), 0.0);
        QCOMPARE(value_of(text, "switchboard_concurrency_limit{provider=\"openai\"}"),
                 double(engine->stats().providers.front().concurrency_limit));
        QVERIFY(value_of(text, "switchboard_circuit_state{provider=\"openai\",model=\"gpt-4o-mini\"}") >= 0);
        QCOMPARE(value_of(text, "switchboard_up"), 1.0);
    }
};

QTEST_GUILESS_MAIN(TestPrometheusMetrics)
#include "tst_prometheus_metrics.moc"
