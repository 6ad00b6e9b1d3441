// What attached consoles cost a gateway: `switchboard-gateway serve` as operators run it (the
// shipped config, SQLite history on, demo mode on the zero-latency simulator profile, --no-auth
// on 127.0.0.1, the admin key in its environment), under the same open-loop load of
// POST /v1/chat/completions with no console attached (A) and with three (B).
//
// The consoles are the real client, RemoteConsole, three in this process, attached and
// connected before a B phase starts and gone before the next A phase. Phases alternate
// A, B, A, B … so drift in the host's load reaches both. The gateway's CPU is user + system
// time from /proc/<pid>/stat around each phase, divided by the requests sent in it; it
// includes the demo upstream, which runs inside the gateway process.
//
// Requests carry `Cache-Control: no-store`: the load repeats one body, which the shipped
// cache rules would otherwise answer from memory after the first time, so every request makes
// the whole trip (routing, the upstream call, the history row) as distinct prompts would.
//
// During B one more reader of the admin stream, raw over HttpClient, counts the bytes the
// stream delivers (decoded body bytes, without HTTP chunk framing). It is a fourth subscriber
// in B, so B's CPU is, if anything, overstated.
//
// Figures and targets:
//   gateway CPU per request, 3 consoles vs none   (B − A) / A, over every phase of each   ≤ 2 %
//   stream bytes per second per console           the raw reader's bytes / phase time      ≤ 20,000 B/s
//   achieved rate per phase                       below 95 % of the target is reported
//
// Usage: bench_console_stream [rounds=3] [seconds_per_phase=15]   (rounds: at least 2)
// Exits 0 when every target was met, 2 when one was missed, 1 on setup failure.
#include <QCoreApplication>
#include <QTemporaryDir>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../support/serve_process.h"
#include "bench_results.h"
#include "process_cpu.h"
#include "console/remote_console.h"
#include "open_loop_load.h"
#include "transport/http_client.h"
#include "transport/sse_parser.h"

using namespace sb;
using namespace sb::bench;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

constexpr double kRate = 2'000;        // requests/s in every phase
constexpr int kConnections = 128;      // keep-alive connections of the load generator, as bench_gateway
constexpr int kConsoles = 3;
constexpr double kMaxExtraCpuPercent = 2;
constexpr double kMaxStreamBytesPerSecond = 20'000;
constexpr double kMinAchievedShare = 0.95;
// Before each phase: attaching consoles fetch their missed seconds, leaving ones are unsubscribed.
constexpr auto kSettle = 2s;
constexpr const char* kAdminKey = "adm-bench-console-stream";

std::string chat_request() {
    const std::string body =
        R"({"model":"gpt-4o-mini","messages":[)"
        R"({"role":"system","content":"You are a concise customer-service assistant."},)"
        R"({"role":"user","content":"Is item 42 in stock, and when can it ship?"}],"max_tokens":64})";
    return "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nCache-Control: no-store\r\n"
           "Content-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

// A reader of the admin stream that counts what it delivers. Every console receives the same
// bytes — TelemetryStream builds each second's events once and writes that one string to every
// subscriber — so this reader's rate is each console's.
class StreamMeter {
public:
    struct Count {
        std::uint64_t bytes = 0;
        std::uint64_t ticks = 0;
    };

    StreamMeter(const std::string& base_url, const std::string& admin_key) {
        HttpRequest request;
        request.method = "GET";
        request.url = base_url + "/admin/v1/stream";
        request.headers = {{"authorization", "Bearer " + admin_key}, {"accept", "text/event-stream"}};
        request.total_timeout = hours(24);
        request.idle_timeout = 10s;
        m_http.send(
            std::move(request), [this](HttpResponse&&) { m_ended = true; },
            [this](std::string_view bytes) {
                m_bytes += bytes.size();
                m_parser.feed(bytes, [this](SseEvent&& event) {
                    if (event.event == "state") m_attached = true;
                    if (event.event == "tick") ++m_ticks;
                });
            });
    }

    bool wait_attached(milliseconds limit) const {
        const auto deadline = steady_clock::now() + limit;
        while (!m_attached && !m_ended && steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
        return m_attached && !m_ended;
    }
    Count count() const { return {m_bytes, m_ticks}; }
    bool ended() const { return m_ended; }

private:
    std::atomic<std::uint64_t> m_bytes{0}, m_ticks{0};
    std::atomic<bool> m_attached{false}, m_ended{false};
    SseParser m_parser;  // the transport thread's
    HttpClient m_http;   // last: its thread stops before the counters go
};

struct Phase {
    int round = 0;
    int consoles = 0;
    LoadResult load;
    double cpu_s = 0;
    long requests = 0;
    double elapsed_s = 0;
    StreamMeter::Count stream;    // delivered to the meter during the phase
    bool consoles_stayed = true;  // every stream open from start to end

    double cpu_us_per_request() const { return cpu_s * 1e6 / double(std::max<long>(1, requests)); }
    double stream_bytes_per_s() const { return double(stream.bytes) / std::max(1e-9, elapsed_s); }
    double ticks_per_s() const { return double(stream.ticks) / std::max(1e-9, elapsed_s); }
    bool short_of_rate() const { return load.achieved_rate < kMinAchievedShare * kRate; }
};

std::vector<std::unique_ptr<RemoteConsole>> attach_consoles(const std::string& url) {
    std::vector<std::unique_ptr<RemoteConsole>> consoles;
    for (int i = 0; i < kConsoles; ++i) {
        auto console = RemoteConsole::create(
            {.url = url, .admin_key = kAdminKey, .operator_name = "bench-console-" + std::to_string(i + 1)});
        if (!console) {
            std::fprintf(stderr, "bench_console_stream: console: %s\n", console.error().c_str());
            return {};
        }
        (*console)->connect();
        consoles.push_back(std::move(*console));
    }
    for (const auto& console : consoles)
        if (!console->wait_connected(10s)) {
            std::fprintf(stderr, "bench_console_stream: a console did not connect: %s\n",
                         console->source().detail.c_str());
            return {};
        }
    return consoles;
}

// One phase at kRate for `seconds`, with kConsoles consoles and the meter attached when `with_consoles`.
std::optional<Phase> run_phase(const test::ServeProcess& gateway, int round, bool with_consoles, double seconds) {
    Phase phase;
    phase.round = round;
    std::vector<std::unique_ptr<RemoteConsole>> consoles;
    std::unique_ptr<StreamMeter> meter;
    if (with_consoles) {
        consoles = attach_consoles(gateway.base());
        if (consoles.empty()) return std::nullopt;
        meter = std::make_unique<StreamMeter>(gateway.base(), kAdminKey);
        if (!meter->wait_attached(10s)) {
            std::fprintf(stderr, "bench_console_stream: the stream meter could not attach\n");
            return std::nullopt;
        }
        phase.consoles = kConsoles;
    }
    std::this_thread::sleep_for(kSettle);

    const StreamMeter::Count stream_before = meter ? meter->count() : StreamMeter::Count{};
    const auto started = steady_clock::now();
    const double cpu_before = process_cpu_seconds(gateway.pid());
    phase.load = LoadRun(std::uint16_t(gateway.port()), chat_request(), kRate, seconds, kConnections).run();
    const double cpu_after = process_cpu_seconds(gateway.pid());
    phase.elapsed_s = duration<double>(steady_clock::now() - started).count();
    phase.cpu_s = cpu_after - cpu_before;
    phase.requests = phase.load.ok + phase.load.errors;
    if (meter) {
        const StreamMeter::Count stream_after = meter->count();
        phase.stream = {stream_after.bytes - stream_before.bytes, stream_after.ticks - stream_before.ticks};
        phase.consoles_stayed = !meter->ended() && std::ranges::all_of(consoles, [](const auto& console) {
            return console->source().link == ConsoleSource::Link::Connected;
        });
    }
    return phase;
}

void print_phase(const Phase& phase) {
    std::printf("  round %d, %d consoles: achieved %6.0f/s of %.0f/s, errors %ld, p50 %.3f ms, p99 %.3f ms; "
                "gateway CPU %.1f µs per request (%.2f s over %ld requests)",
                phase.round, phase.consoles, phase.load.achieved_rate, kRate, phase.load.errors, phase.load.p50_ms,
                phase.load.p99_ms, phase.cpu_us_per_request(), phase.cpu_s, phase.requests);
    if (phase.consoles > 0)
        std::printf("; stream %.0f B/s per console, %.2f ticks/s%s", phase.stream_bytes_per_s(), phase.ticks_per_s(),
                    phase.consoles_stayed ? "" : "; A STREAM DROPPED DURING THE PHASE");
    if (phase.short_of_rate()) std::printf("; BELOW 95 %% OF THE TARGET RATE");
    std::printf("\n");
    std::fflush(stdout);
}

// Every phase of one kind pooled: CPU over requests, the lowest achieved rate, all errors.
struct Pooled {
    double cpu_s = 0;
    long requests = 0;
    double lowest_rate = 0;
    long errors = 0;
    int short_phases = 0;
    double lowest_cpu_us = 0, highest_cpu_us = 0;  // per request, of single phases
    double cpu_us_per_request() const { return cpu_s * 1e6 / double(std::max<long>(1, requests)); }
    // How far single phases of one kind stray from each other: the noise the difference sits in.
    double spread_percent() const { return (highest_cpu_us - lowest_cpu_us) / cpu_us_per_request() * 100; }
};

Pooled pool(const std::vector<Phase>& phases, int consoles) {
    Pooled pooled;
    pooled.lowest_rate = kRate * 10;
    pooled.lowest_cpu_us = 1e12;
    for (const auto& phase : phases) {
        if (phase.consoles != consoles) continue;
        pooled.cpu_s += phase.cpu_s;
        pooled.requests += phase.requests;
        pooled.lowest_cpu_us = std::min(pooled.lowest_cpu_us, phase.cpu_us_per_request());
        pooled.highest_cpu_us = std::max(pooled.highest_cpu_us, phase.cpu_us_per_request());
        pooled.lowest_rate = std::min(pooled.lowest_rate, phase.load.achieved_rate);
        pooled.errors += phase.load.errors;
        pooled.short_phases += phase.short_of_rate() ? 1 : 0;
    }
    return pooled;
}

void row(const std::string& figure, const std::string& measured, const std::string& target,
         std::optional<bool> pass, const std::string& baseline) {
    std::printf("%-44s %14s  %-12s %-4s  %s\n", figure.c_str(), measured.c_str(), target.c_str(),
                pass ? (*pass ? "PASS" : "FAIL") : "-", baseline.c_str());
    summary_row("consoles", figure, measured, target, pass, baseline);
}

std::string load_average() {
    std::ifstream file("/proc/loadavg");
    std::string one, five, fifteen;
    file >> one >> five >> fifteen;
    return one + " " + five + " " + fifteen;
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);  // ServeProcess runs the gateway through QProcess
    const int rounds = argc > 1 ? std::max(2, std::atoi(argv[1])) : 3;
    const double seconds = argc > 2 ? std::max(1.0, std::atof(argv[2])) : 15.0;

    QTemporaryDir dir;
    test::ServeProcess gateway(dir, kAdminKey);
    if (const auto error = gateway.start(); !error.isEmpty()) {
        std::fprintf(stderr, "bench_console_stream: %s\n", qPrintable(error));
        return 1;
    }
    std::printf(
        "bench_console_stream: switchboard-gateway serve (pid %lld, history on, demo upstream zero.json) on "
        "port %d;\n%d rounds of A (no console) and B (%d RemoteConsoles + 1 stream meter), %.0f s each at "
        "%.0f requests/s, %d keep-alive connections, open loop; %u cores, load average %s\n\n",
        gateway.pid(), gateway.port(), rounds, kConsoles, seconds, kRate, kConnections,
        std::thread::hardware_concurrency(), load_average().c_str());

    // Warm-up: connections, allocators, the history database, the admin API's first stream.
    const auto warm = LoadRun(std::uint16_t(gateway.port()), chat_request(), kRate, 5.0, kConnections).run();
    if (warm.ok == 0) {
        std::fprintf(stderr, "bench_console_stream: warm-up failed (%ld errors)\n", warm.errors);
        return 1;
    }
    if (attach_consoles(gateway.base()).empty()) return 1;

    std::vector<Phase> phases;
    for (int round = 1; round <= rounds; ++round)
        for (bool with_consoles : {false, true}) {
            auto phase = run_phase(gateway, round, with_consoles, seconds);
            if (!phase) return 1;
            print_phase(*phase);
            phases.push_back(*phase);
        }
    std::printf("\nper round, 3 consoles against none:");
    for (std::size_t i = 0; i + 1 < phases.size(); i += 2)
        std::printf(" %+.1f %%", (phases[i + 1].cpu_us_per_request() / phases[i].cpu_us_per_request() - 1) * 100);
    std::printf("\nload average after: %s\n\n", load_average().c_str());

    const Pooled none = pool(phases, 0);
    const Pooled attached = pool(phases, kConsoles);
    const double extra_percent = (attached.cpu_us_per_request() / none.cpu_us_per_request() - 1) * 100;
    double stream_bytes = 0, stream_seconds = 0, ticks = 0;
    bool streams_stayed = true;
    for (const auto& phase : phases)
        if (phase.consoles > 0) {
            stream_bytes += double(phase.stream.bytes);
            ticks += double(phase.stream.ticks);
            stream_seconds += phase.elapsed_s;
            streams_stayed = streams_stayed && phase.consoles_stayed;
        }
    const double stream_rate = stream_bytes / std::max(1e-9, stream_seconds);
    auto rate_note = [](const Pooled& pooled) {
        return pooled.short_phases ? fmt("; %.0f phase(s) below 95 %% of the rate", pooled.short_phases) : std::string();
    };

    std::printf("every phase of each kind pooled; \"baseline\" is measured in this run\n");
    row("gateway CPU per request, 0 consoles", fmt("%.1f µs", none.cpu_us_per_request()), "-", std::nullopt,
        fmt("%.0f requests over %.0f phases", double(none.requests), double(rounds)) +
            fmt(", %.1f–%.1f µs", none.lowest_cpu_us, none.highest_cpu_us) + rate_note(none));
    row("gateway CPU per request, 3 consoles", fmt("%.1f µs", attached.cpu_us_per_request()), "-", std::nullopt,
        fmt("%.0f requests over %.0f phases", double(attached.requests), double(rounds)) +
            fmt(", %.1f–%.1f µs", attached.lowest_cpu_us, attached.highest_cpu_us) + rate_note(attached));
    row("  … 3 consoles against none", fmt("%+.2f %%", extra_percent), fmt("≤ +%.0f %%", kMaxExtraCpuPercent),
        extra_percent <= kMaxExtraCpuPercent,
        fmt("0 consoles %.1f µs, 3 consoles %.1f µs per request", none.cpu_us_per_request(),
            attached.cpu_us_per_request()) +
            fmt("; the 0-console phases alone spread %.1f %%", none.spread_percent()) +
            (none.short_phases + attached.short_phases ? "; a phase fell short of the rate" : ""));
    row("admin stream bytes/s per console", fmt("%.0f B/s", stream_rate), "≤ 20,000 B/s",
        stream_rate <= kMaxStreamBytesPerSecond && streams_stayed,
        fmt("%.2f ticks/s, %.0f B per second's events", ticks / std::max(1e-9, stream_seconds),
            stream_bytes / std::max(1.0, ticks)) +
            (streams_stayed ? "" : "; a stream dropped during a phase"));
    for (const auto* pooled : {&none, &attached})
        row(fmt("achieved rate, %.0f consoles (lowest phase)", pooled == &none ? 0 : kConsoles),
            fmt("%.0f /s", pooled->lowest_rate), "≥ 1,900 /s",
            pooled->short_phases == 0 && pooled->errors == 0,
            fmt("target %.0f /s; %.0f errors", kRate, double(pooled->errors)));
    return bench::exit_code();
}
