// The gateway's own cost as users ship it: the real `switchboard-gateway serve` binary, run with
// the shipped configuration (resources/default-config.json), a gateway key it requires and
// SQLite history on, against a zero-latency upstream simulator, compared with the same load
// sent to the simulator directly in the same round. The load generator shares the machine.
//
// What `serve` runs with:
//   config    resources/default-config.json as shipped, but for what must point it at the
//             loopback simulator: the base_url of the "openai" and "anthropic" providers (in a
//             copy of the file); "local" keeps its ${SWITCHBOARD_LOCAL_URL} reference, set in
//             serve's environment. Provider keys stay ${OPENAI_API_KEY}/${ANTHROPIC_API_KEY}
//             references, set to dummies in serve's environment: no secret is in a file.
//             Routing, cache, privacy (history redaction, stored text), budgets and alerts are
//             the shipped ones; two gateway threads (serve's default); admin API off.
//   key       created with `switchboard-gateway keys create` (only its hash is stored); the
//             secret is read from that command's stdout through a pipe and sent by the load
//             generator as `Authorization: Bearer …`.
//   history   on: a SQLite file in a temporary directory (serve --database).
//   cache     on as shipped (in memory); every prompt carries a distinct ticket reference, so
//             every request is a miss whose answer is then stored, as with distinct prompts.
//   bodies    the chat request (system prompt + user question, model gpt-4o-mini) is about
//             600 B; the simulator answers about 1.5 kB (reply_words). Both sizes are printed.
// Before measuring, the run checks that serve answers the key (200), refuses a wrong one (401)
// and does not run in demo mode (which would answer from a simulator inside serve).
//
// Processes: the simulator (zero latency) and a slow simulator (one streamed event a second)
// are forked children; so is the engine reference, Engine alone with the same config and
// history, fed at a fixed rate by its own main thread. Two `serve` processes are started by
// fork and exec: one on the simulator (every figure but the streams'), one on the slow
// simulator, which holds the streams. That one's config differs in one more place: the openai
// provider's concurrency is pinned at 2,000, since the shipped limit (initial 16, at most 256)
// would leave all but 16 of the 1,000 streams queued before the upstream; it has its own key
// and history file. Their CPU (utime + stime) and memory come from /proc/<pid>.
//
// This process is the load generator: one Asio thread, keep-alive connections, open loop
// (every request has a scheduled send time; latency is measured from it, so a stalled server
// is charged for the requests queued behind it — no coordinated omission).
//
// Everything runs in 5 interleaved rounds; each round: direct, serve and engine alone at
// 2,000 requests/s, the serve ramp, the direct ramp, the 1,000 streams. Every figure is the
// median and the range over all rounds (none dropped, none chosen), judged on the median. The
// added latency is taken round by round: serve's run minus the direct run of the same round.
//
// Figures and targets:
//   added latency at 2,000 requests/s  serve p50/p99 − direct p50/p99      ≤ 0.15 / ≤ 0.5 ms
//   highest clean rate                 ramp 4,000…30,000/s; clean = no errors, ≥ 95 % achieved,
//                                      p99 ≤ 50 ms, every lower step clean too  ≥ 10,000/s
//   serve CPU per request              user+sys / requests sent, at 2,000/s      ≤ 100 µs
//                                      and at the 10,000/s ramp step (always run)
//   RSS with 1,000 streams open        serve VmRSS                               ≤ 100 MB
//   serve peak RSS                     VmHWM after each ramp                     no target
// The direct ramp stops, if still clean, at the step where serve's first failed ("≥" then). A
// negative median added p99 gets no verdict: the direct runs were the noisier ones.
//
// Usage: bench_gateway [seconds_per_step=3]
// Exits 0 when every target was met, 2 when one was missed, 1 on setup failure.
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench_results.h"
#include "child_process.h"
#include "config/config.h"
#include "engine/engine.h"
#include "gateway_process.h"
#include "open_loop_load.h"
#include "simulator/simulator_profile.h"

using namespace sb;
using namespace sb::bench;
using namespace std::chrono;

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace {

constexpr int kConnections = 128;  // keep-alive connections of the load generator
constexpr int kStreams = 1'000;    // streams held open for the memory figure
constexpr int kRounds = 5;         // interleaved rounds: medians and ranges reported
constexpr int kReplyWords = 150;   // the simulator's answer: about 1.5 kB of JSON
constexpr double kRate = 2'000;    // the fixed rate of the latency and CPU targets
constexpr double kMaxCleanP99Ms = 50;
constexpr double kRampSteps[] = {4'000, 6'000, 8'000, 10'000, 12'000, 15'000, 20'000, 25'000, 30'000};

// Written over by a running number (letters) in each request: distinct prompts, distinct cache keys.
constexpr std::string_view kTicket = "aaaaaaaaaa";

const std::string kSystemPrompt =
    "You are the customer-service assistant of Northwind Outfitters, an online shop for hiking and camping "
    "gear. Answer in a friendly, concise tone, in at most three short paragraphs; when you are not sure, say so "
    "and offer to hand the conversation to a human colleague.";

std::string user_question(std::string_view ticket) {
    return "Hello! I am planning a three-day hike in the Alps next month. Does the Trailhead 45 backpack fit a "
           "two-litre water bladder, and which rain cover would you recommend with it? Ticket " +
           std::string(ticket) + ".";
}

std::string chat_body(bool stream) {
    nlohmann::json body = {{"model", "gpt-4o-mini"},
                           {"messages",
                            {{{"role", "system"}, {"content", kSystemPrompt}},
                             {{"role", "user"}, {"content", user_question(kTicket)}}}},
                           {"max_tokens", 512}};
    if (stream) body["stream"] = true;
    return body.dump();
}

std::string http_request(const std::string& key, bool stream) {
    const std::string body = chat_body(stream);
    return "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
           body;
}

// The number as kTicket.size() letters a–z, as the load generator writes it.
std::string ticket(std::uint64_t number) {
    std::string text(kTicket.size(), 'a');
    for (std::size_t i = text.size(); i-- > 0; number /= 26) text[i] = char('a' + number % 26);
    return text;
}

// Every request this process sends, numbered once: no prompt repeats across runs or rounds.
std::uint64_t g_next_ticket = 0;

LoadResult load(std::uint16_t port, const std::string& request, double rate, double seconds_long) {
    LoadRun run(port, request, rate, seconds_long, kConnections);
    run.number_requests(kTicket, g_next_ticket);
    return run.run();
}

// ---- setup ----------------------------------------------------------------------------

// The shipped config with the openai and anthropic providers on the simulator at `port`. With
// `streams`, the openai provider's concurrency is pinned there: the shipped limit (16, at most 256)
// would keep all but 16 of the streams queued, never open upstream.
std::optional<nlohmann::json> shipped_config(std::uint16_t port, int streams = 0) {
    std::ifstream file(SB_RESOURCES_DIR "/default-config.json");
    auto json = nlohmann::json::parse(file, nullptr, false);
    if (json.is_discarded() || !json.contains("providers")) return std::nullopt;
    for (auto& provider : json["providers"]) {
        const auto kind = provider.value("kind", "");
        if (kind == "openai" || kind == "anthropic")
            provider["base_url"] = "http://127.0.0.1:" + std::to_string(port) + "/v1";
        if (streams > 0 && kind == "openai")
            provider["concurrency"].update({{"min", streams}, {"initial", streams}, {"max", streams}});
    }
    return json;
}

bool write_json(const std::filesystem::path& path, const nlohmann::json& json) {
    std::ofstream out(path);
    out << json.dump(2) << '\n';
    return bool(out);
}

// What serve's environment adds: the providers' dummy keys and the local provider's URL.
std::vector<std::pair<std::string, std::string>> provider_environment(std::uint16_t port) {
    return {{"OPENAI_API_KEY", "sk-bench-openai-dummy"},
            {"ANTHROPIC_API_KEY", "sk-ant-bench-dummy"},
            {"SWITCHBOARD_LOCAL_URL", "http://127.0.0.1:" + std::to_string(port) + "/v1"}};
}

std::vector<std::string> serve_environment(std::uint16_t port, const std::filesystem::path& dir) {
    std::vector<std::string> add;
    for (const auto& [name, value] : provider_environment(port)) add.push_back(name + "=" + value);
    add.push_back("XDG_CONFIG_HOME=" + (dir / "config").string());  // nothing of the user's
    add.push_back("XDG_DATA_HOME=" + (dir / "data").string());
    return environment_with({"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "SWITCHBOARD_LOCAL_URL", "SWITCHBOARD_ADMIN_KEY",
                             "XDG_CONFIG_HOME", "XDG_DATA_HOME"},
                            add);
}

// Engine alone with serve's config and history, at a fixed rate from its main thread: the
// reference for serve's CPU.
ChildBody engine_body(std::filesystem::path config_file, std::uint16_t port, std::filesystem::path database) {
    return [config_file, port, database](int command_fd, int reply_fd) {
        const auto environment = provider_environment(port);
        auto config = load_config(config_file, [&](const std::string& name) -> std::optional<std::string> {
            for (const auto& [key, value] : environment)
                if (key == name) return value;
            return std::nullopt;
        });
        std::unique_ptr<Engine> engine;
        if (config) {
            EngineOptions options;
            options.config = std::move(*config);
            options.history = true;
            options.database = database;
            if (auto created = Engine::create(std::move(options)))
                engine = std::move(*created);
            else
                std::fprintf(stderr, "bench_gateway: engine: %s\n", created.error().c_str());
        }
        Reply hello;
        hello.port = engine ? 1 : 0;
        write_all(reply_fd, &hello, sizeof hello);
        if (!engine) return;
        std::atomic<long> done{0}, failed{0};  // outlive a run that gives up on open requests
        std::uint64_t next_ticket = 1ull << 40;  // apart from the load generator's numbers
        serve_usage(command_fd, reply_fd, [&](const Command& command) {
            const long total = std::lround(command.rate * command.seconds);
            done = 0;
            failed = 0;
            const ProcessUsage before = own_usage();
            const auto start = steady_clock::now();
            const auto interval = duration<double>(1.0 / command.rate);
            for (long i = 0; i < total;) {
                std::this_thread::sleep_until(start + duration_cast<nanoseconds>(interval * double(i)));
                const auto now = steady_clock::now();
                for (; i < total && start + duration_cast<nanoseconds>(interval * double(i)) <= now; ++i) {
                    ChatRequest request;
                    request.model = "gpt-4o-mini";
                    request.messages = {{Role::System, kSystemPrompt},
                                        {Role::User, user_question(ticket(next_ticket++))}};
                    request.max_tokens = 512;
                    request.source = "bench";
                    engine->submit(std::move(request), [&](RequestResult&& result) {
                        if (!result.ok()) ++failed;
                        ++done;
                    });
                }
            }
            const auto deadline = steady_clock::now() + seconds(10);
            while (done < total && steady_clock::now() < deadline) std::this_thread::sleep_for(milliseconds(1));
            Reply reply;
            const ProcessUsage after = own_usage();
            reply.usage.cpu_s = after.cpu_s - before.cpu_s;
            reply.usage.context_switches = after.context_switches - before.context_switches;
            reply.completed = done;
            reply.failed = failed + (total - done);
            return reply;
        });
        _exit(0);
    };
}

// One request, answered in full: its status and body size (bytes), or status 0.
std::pair<int, std::size_t> probe(std::uint16_t port, std::string request) {
    const auto at = request.find(kTicket);
    if (at != std::string::npos) request.replace(at, kTicket.size(), ticket(g_next_ticket++));
    net::io_context context;
    tcp::socket socket(context);
    error_code ec;
    socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
    if (!ec) net::write(socket, net::buffer(request), ec);
    if (ec) return {0, 0};
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(socket, buffer, response, ec);
    if (ec) return {0, 0};
    return {response.result_int(), response.body().size()};
}

// ---- streams held open ----------------------------------------------------------------

struct StreamsResult {
    int opened = 0;  // connections that got the response head and a first event
    ProcessUsage before, with_streams;
    bool ok() const { return opened == kStreams; }
};

// Opens kStreams connections, each sending one streaming request (a distinct prompt each: the
// shipped cache would coalesce identical ones), waits until every one has its first event,
// samples the gateway's memory, then closes them all.
StreamsResult hold_streams(const GatewayProcess& gateway, const std::string& request) {
    StreamsResult result;
    result.before = gateway.usage();
    net::io_context context{1};
    const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), gateway.port);
    struct Stream {
        explicit Stream(net::io_context& context) : socket(context) {}
        tcp::socket socket;
        std::string request;
        std::string received;
        std::array<char, 4096> chunk{};
        bool ready = false;
    };
    std::vector<std::unique_ptr<Stream>> streams;
    std::function<void(Stream&)> read_more = [&](Stream& stream) {
        stream.socket.async_read_some(net::buffer(stream.chunk), [&](error_code ec, std::size_t n) {
            if (ec) return;
            if (!stream.ready) {
                stream.received.append(stream.chunk.data(), n);
                const auto head_end = stream.received.find("\r\n\r\n");
                if (head_end != std::string::npos && stream.received.starts_with("HTTP/1.1 200") &&
                    stream.received.find("data: ", head_end) != std::string::npos) {
                    stream.ready = true;
                    stream.received.clear();
                    stream.received.shrink_to_fit();
                    if (++result.opened == kStreams) context.stop();
                }
            }
            read_more(stream);  // keep draining: the stream goes on
        });
    };
    const auto at = request.find(kTicket);
    for (int i = 0; i < kStreams; ++i) {
        auto stream = std::make_unique<Stream>(context);
        error_code ec;
        stream->socket.connect(endpoint, ec);
        if (ec) {
            std::fprintf(stderr, "bench_gateway: stream %d: connect: %s\n", i, ec.message().c_str());
            break;
        }
        stream->request = request;
        if (at != std::string::npos) stream->request.replace(at, kTicket.size(), ticket(g_next_ticket++));
        net::write(stream->socket, net::buffer(stream->request), ec);
        if (ec) break;
        read_more(*stream);
        streams.push_back(std::move(stream));
    }
    net::steady_timer deadline(context);
    deadline.expires_after(seconds(30));
    deadline.async_wait([&](error_code ec) {
        if (!ec) context.stop();
    });
    context.run();
    // Let the streams tick once more (one event a second) so RSS reflects streaming, not setup.
    context.restart();
    deadline.expires_after(milliseconds(1500));
    deadline.async_wait([&](error_code) { context.stop(); });
    context.run();
    result.with_streams = gateway.usage();
    for (auto& stream : streams) {
        error_code ignored;
        stream->socket.close(ignored);
    }
    return result;
}

// ---- ramps ----------------------------------------------------------------------------

void print_run(const char* label, const LoadResult& r) {
    std::printf(
        "  %-22s %7.0f/s  achieved %7.0f/s  p50 %7.3f ms  p99 %7.3f ms  max %8.2f ms  errors %ld  gen %4.1f "
        "µs/req\n",
        label, r.target_rate, r.achieved_rate, r.p50_ms, r.p99_ms, r.max_ms, r.errors, r.generator_cpu_us);
}

struct Ramp {
    double best = 0;         // highest step clean with every lower one, requests/s (0 = none)
    double failed_at = 0;    // the first step that was not clean (0 = none)
    bool capped = false;     // stopped while still clean: the ceiling is at least `best`
    long requests = 0;       // sent over every step, the failing one included
    double cpu_s = 0;        // the measured process's CPU over every step
    double cpu_us_at_10k = -1;  // per request at the 10,000/s step (−1: not run)
};

// Steps the rate up until a step is not clean, but never stops below 10,000/s when `measured`
// (that step's CPU is a target); stops after `stop_after` (0 = the last step) while clean.
Ramp ramp(const char* label, std::uint16_t port, const std::string& request, double step_seconds,
          const GatewayProcess* measured, double stop_after = 0) {
    Ramp result;
    for (double rate : kRampSteps) {
        const ProcessUsage before = measured ? measured->usage() : ProcessUsage{};
        const auto r = load(port, request, rate, step_seconds);
        const ProcessUsage after = measured ? measured->usage() : ProcessUsage{};
        print_run(label, r);
        const long sent = r.ok + r.errors;
        result.requests += sent;
        if (measured) {
            const double cpu_us = cpu_us_per_request(before, after, sent);
            std::printf("  %-22s %7.0f/s  CPU %.1f µs per request\n", "", rate, cpu_us);
            result.cpu_s += after.cpu_s - before.cpu_s;
            if (rate == 10'000) result.cpu_us_at_10k = cpu_us;
        }
        std::fflush(stdout);
        if (!r.clean(kMaxCleanP99Ms) && result.failed_at == 0) result.failed_at = rate;
        if (result.failed_at == 0) result.best = rate;
        std::this_thread::sleep_for(milliseconds(300));  // let queues settle between steps
        if (result.failed_at != 0 && !(measured && rate < 10'000)) break;
        if (result.failed_at == 0 && stop_after > 0 && rate >= stop_after) {
            result.capped = true;
            break;
        }
    }
    if (result.failed_at == 0) result.capped = true;
    return result;
}

// ---- report ---------------------------------------------------------------------------

// Pads to `width` characters, not bytes ("≤", "µ" and "…" are several bytes in UTF-8).
std::string pad(std::string text, std::size_t width, bool right = false) {
    const auto characters =
        std::size_t(std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
    const std::string fill(width > characters ? width - characters : 0, ' ');
    return right ? fill + text : text + fill;
}

void row(const std::string& figure, const std::string& measured, const std::string& target,
         std::optional<bool> pass, const std::string& baseline) {
    std::printf("%s %s %s %s   %s\n", pad(figure, 38).c_str(), pad(measured, 26, true).c_str(),
                pad(target, 11, true).c_str(), pad(pass ? (*pass ? "PASS" : "FAIL") : "-", 5, true).c_str(),
                baseline.c_str());
    if (figure != "figure") summary_row("gateway", figure, measured, target, pass, baseline);
}

// A figure over the rounds: the verdict is on the median; the range shows every round.
struct Spread {
    double median = 0, low = 0, high = 0;
};

Spread spread(std::vector<double> values) {
    if (values.empty()) return {};
    std::sort(values.begin(), values.end());
    return {values[values.size() / 2], values.front(), values.back()};
}

// Round by round: what the gateway added to the direct run of the same round.
std::vector<double> added(const std::vector<double>& through, const std::vector<double>& direct) {
    std::vector<double> out;
    for (std::size_t i = 0; i < std::min(through.size(), direct.size()); ++i) out.push_back(through[i] - direct[i]);
    return out;
}

// "0.123 ms (0.101–0.150)": the median, then the lowest and the highest round.
std::string with_range(const char* pattern, const Spread& s) {
    return fmt(pattern, s.median) + " (" + fmt(pattern, s.low) + "–" + fmt(pattern, s.high) + ")";
}

struct Rounds {
    std::vector<double> direct_p50, direct_p99, serve_p50, serve_p99, serve_cpu_us, serve_switches, engine_cpu_us,
        engine_switches;
    std::vector<double> serve_best, direct_best, cpu_10k_us, ramp_cpu_us;
    std::vector<double> rss_idle_mb, rss_streams_mb, kb_per_stream, peak_mb;
    long errors = 0;     // in the fixed-rate runs (direct, serve, engine)
    int streams_short = 0;  // rounds where fewer than kStreams opened
    bool direct_capped = false, serve_capped = false;
};

}  // namespace

int main(int argc, char** argv) {
    const double step_seconds = argc > 1 ? std::max(0.5, std::atof(argv[1])) : 3.0;
    const std::string binary = SB_GATEWAY_BIN;

    // 1,000 client sockets here, as many in the gateway plus as many upstream: raise the soft
    // limit before forking so every child inherits it.
    rlimit files{};
    getrlimit(RLIMIT_NOFILE, &files);
    files.rlim_cur = std::min<rlim_t>(files.rlim_max, 65'536);
    setrlimit(RLIMIT_NOFILE, &files);
    if (files.rlim_cur < 3 * kStreams + 512)
        std::fprintf(stderr, "bench_gateway: file descriptor limit %lu is low for %d streams\n",
                     static_cast<unsigned long>(files.rlim_cur), kStreams);

    char dir_template[] = "/tmp/bench_gateway_XXXXXX";
    if (!mkdtemp(dir_template)) {
        std::perror("bench_gateway: mkdtemp");
        return 1;
    }
    const std::filesystem::path dir = dir_template;

    // Every forked child before any thread exists here (this process never starts one).
    SimulatorProfile answers;
    answers.reply_words = kReplyWords;
    Child simulator = fork_child(simulator_child(answers));
    SimulatorProfile slow;
    slow.chunk_interval_ms = 1'000;  // one event a second …
    slow.reply_words = 600;          // … for ten minutes: open for as long as we hold them
    Child slow_simulator = fork_child(simulator_child(slow));
    std::vector<Child*> children{&simulator, &slow_simulator};
    GatewayProcess gateway, stream_gateway;
    Child engine;
    auto stop_all = [&] {
        gateway.stop();
        stream_gateway.stop();
        for (auto* child : children) child->stop();
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    };
    auto setup_failed = [&](const std::string& why, const GatewayProcess* process = nullptr) {
        std::fprintf(stderr, "bench_gateway: %s\n", why.c_str());
        if (process) std::fprintf(stderr, "%s", read_file_text(process->log).c_str());
        stop_all();
        return 1;
    };
    if (!all_started(children, "bench_gateway")) return setup_failed("a simulator did not start");

    const auto config = shipped_config(simulator.port), stream_config = shipped_config(slow_simulator.port, 2 * kStreams);
    if (!config || !stream_config) return setup_failed("cannot read " SB_RESOURCES_DIR "/default-config.json");
    const auto config_file = dir / "serve.json", stream_config_file = dir / "streams.json";
    if (!write_json(config_file, *config) || !write_json(stream_config_file, *stream_config))
        return setup_failed("cannot write the configs in " + dir.string());

    engine = fork_child(engine_body(config_file, simulator.port, dir / "engine.db"));
    children.push_back(&engine);
    if (!all_started(children, "bench_gateway")) return setup_failed("the engine reference did not start");

    const auto environment = serve_environment(simulator.port, dir);
    const auto stream_environment = serve_environment(slow_simulator.port, dir);
    const auto key = create_gateway_key(binary, dir / "serve.db", environment, dir / "keys.log");
    const auto stream_key = create_gateway_key(binary, dir / "streams.db", stream_environment, dir / "keys.log");
    if (!key || !stream_key)
        return setup_failed("keys create failed: " + read_file_text(dir / "keys.log"));
    gateway = start_gateway(binary,
                            {"--config", config_file.string(), "--listen", "127.0.0.1:0", "--database",
                             (dir / "serve.db").string()},
                            environment, dir / "serve.log");
    if (gateway.port == 0) return setup_failed("serve did not start", &gateway);
    stream_gateway = start_gateway(binary,
                                   {"--config", stream_config_file.string(), "--listen", "127.0.0.1:0",
                                    "--database", (dir / "streams.db").string()},
                                   stream_environment, dir / "streams.log");
    if (stream_gateway.port == 0) return setup_failed("the streams' serve did not start", &stream_gateway);
    // Demo mode would answer from a simulator inside serve: not the path users ship.
    if (read_file_text(gateway.log).find("demo mode") != std::string::npos)
        return setup_failed("serve runs in demo mode", &gateway);

    const std::string request = http_request(*key, false);
    const std::string stream_request = http_request(*stream_key, true);
    const auto [direct_status, direct_bytes] = probe(simulator.port, request);
    const auto [serve_status, serve_bytes] = probe(gateway.port, request);
    const auto [refused_status, refused_bytes] = probe(gateway.port, http_request("sk-sb-not-a-key", false));
    if (direct_status != 200 || serve_status != 200)
        return setup_failed("probe: direct " + std::to_string(direct_status) + ", serve " +
                                std::to_string(serve_status),
                            &gateway);
    if (refused_status != 401) return setup_failed("serve did not refuse a wrong key", &gateway);

    const auto& cache = (*config)["cache"];
    const auto& privacy = (*config)["privacy"];
    nlohmann::json shipped_openai = nlohmann::json::object();
    for (const auto& provider : (*config)["providers"])
        if (provider.value("name", "") == "openai") shipped_openai = provider;
    std::printf(
        "bench_gateway: %.1f s per run, %d rounds, %d keep-alive connections, open loop, one generator thread;\n"
        "zero-latency simulator, serve and load generator on this %u-core machine\n"
        "serve (pid %d): %s serve --config <shipped default-config.json, openai/anthropic base_url → simulator,\n"
        "  local via ${SWITCHBOARD_LOCAL_URL}> --database <temp>/serve.db; gateway key required (Bearer; a wrong\n"
        "  key is refused: %d); history on (redact_history %s, store_text %s); cache %s (%s, %d MB), every\n"
        "  prompt distinct: each request a cache miss whose answer is stored; admin API off\n"
        "streams' serve: the same on the slow simulator, openai concurrency pinned at %d (shipped: initial %d, "
        "max %d)\n"
        "bodies: request %zu B (system prompt + user question); answer %zu B direct, %zu B through serve\n\n",
        step_seconds, kRounds, kConnections, std::thread::hardware_concurrency(), int(gateway.pid), binary.c_str(),
        refused_status, privacy.value("redact_history", false) ? "on" : "off",
        (*config)["store"].value("store_text", false) ? "on" : "off", cache.value("enabled", false) ? "on" : "off",
        cache.value("backend", "").c_str(), cache.value("max_mb", 0), 2 * kStreams,
        shipped_openai["concurrency"].value("initial", 0), shipped_openai["concurrency"].value("max", 0),
        chat_body(false).size(), direct_bytes, serve_bytes);

    // Warm-up: connections, allocators, the connection pools, the history databases.
    for (auto port : {simulator.port, gateway.port}) {
        const auto warm = load(port, request, 1'000, 1.0);
        if (warm.ok == 0) return setup_failed("warm-up against port " + std::to_string(port) + " failed", &gateway);
    }
    engine.ask({'r', 1'000, 1.0});

    Rounds rounds;
    for (int round = 0; round < kRounds; ++round) {
        std::printf("round %d at %.0f requests/s\n", round + 1, kRate);
        const auto direct = load(simulator.port, request, kRate, step_seconds);
        print_run("direct (simulator)", direct);
        const ProcessUsage g0 = gateway.usage();
        const auto through = load(gateway.port, request, kRate, step_seconds);
        const ProcessUsage g1 = gateway.usage();
        print_run("through serve", through);
        const auto alone = engine.ask({'r', kRate, step_seconds});
        const long sent = through.ok + through.errors;
        const double serve_cpu = cpu_us_per_request(g0, g1, sent);
        const double serve_switches = double(g1.context_switches - g0.context_switches) / double(std::max(1L, sent));
        const long engine_done = alone ? std::max(1L, alone->completed) : 1;
        const double engine_cpu = alone ? alone->usage.cpu_s / double(engine_done) * 1e6 : 0;
        const double engine_switches = alone ? double(alone->usage.context_switches) / double(engine_done) : 0;
        std::printf("  CPU per request: serve %.1f µs (%.1f context switches), engine alone %.1f µs (%.1f)%s\n",
                    serve_cpu, serve_switches, engine_cpu, engine_switches,
                    alone && alone->failed ? " (engine run had failures)" : "");
        rounds.direct_p50.push_back(direct.p50_ms);
        rounds.direct_p99.push_back(direct.p99_ms);
        rounds.serve_p50.push_back(through.p50_ms);
        rounds.serve_p99.push_back(through.p99_ms);
        rounds.serve_cpu_us.push_back(serve_cpu);
        rounds.serve_switches.push_back(serve_switches);
        rounds.engine_cpu_us.push_back(engine_cpu);
        rounds.engine_switches.push_back(engine_switches);
        rounds.errors += direct.errors + through.errors + (alone ? alone->failed : 1);

        std::printf("round %d: highest clean rate (no errors, ≥ 95%% achieved, p99 ≤ %.0f ms)\n", round + 1,
                    kMaxCleanP99Ms);
        const Ramp serve_ramp = ramp("through serve", gateway.port, request, step_seconds, &gateway);
        const double direct_stop =
            serve_ramp.failed_at == 0 ? 0
                                      : *std::find_if(std::begin(kRampSteps), std::end(kRampSteps),
                                                      [&](double r) { return r >= serve_ramp.failed_at; });
        const Ramp direct_ramp = ramp("direct (simulator)", simulator.port, request, step_seconds, nullptr, direct_stop);
        rounds.serve_best.push_back(serve_ramp.best);
        rounds.direct_best.push_back(direct_ramp.best);
        rounds.serve_capped = rounds.serve_capped || serve_ramp.capped;
        rounds.direct_capped = rounds.direct_capped || direct_ramp.capped;
        rounds.cpu_10k_us.push_back(serve_ramp.cpu_us_at_10k);
        rounds.ramp_cpu_us.push_back(serve_ramp.cpu_s * 1e6 / double(std::max(1L, serve_ramp.requests)));
        rounds.peak_mb.push_back(gateway.usage().hwm_kb / 1024.0);

        const auto streams = hold_streams(stream_gateway, stream_request);
        const double per_stream_kb = double(streams.with_streams.rss_kb - streams.before.rss_kb) / kStreams;
        std::printf("round %d: %d/%d streams open; serve RSS %.1f MB before, %.1f MB with them (%.1f KB per stream)\n",
                    round + 1, streams.opened, kStreams, streams.before.rss_kb / 1024.0,
                    streams.with_streams.rss_kb / 1024.0, per_stream_kb);
        std::fflush(stdout);
        rounds.rss_idle_mb.push_back(streams.before.rss_kb / 1024.0);
        rounds.rss_streams_mb.push_back(streams.with_streams.rss_kb / 1024.0);
        rounds.kb_per_stream.push_back(per_stream_kb);
        rounds.streams_short += streams.ok() ? 0 : 1;
        std::this_thread::sleep_for(milliseconds(500));  // the closed streams' upstream calls end
    }
    stop_all();

    // ---- the table ----
    const Spread d50 = spread(rounds.direct_p50), d99 = spread(rounds.direct_p99);
    const Spread added50 = spread(added(rounds.serve_p50, rounds.direct_p50));
    const Spread added99 = spread(added(rounds.serve_p99, rounds.direct_p99));
    const Spread cpu = spread(rounds.serve_cpu_us), engine_cpu = spread(rounds.engine_cpu_us);
    const Spread best = spread(rounds.serve_best), direct_best = spread(rounds.direct_best);
    const Spread cpu_10k = spread(rounds.cpu_10k_us);
    const Spread rss = spread(rounds.rss_streams_mb);

    std::printf("\nmedian (lowest–highest) of %d interleaved rounds, every round counted; the baseline column is "
                "measured in this run\n",
                kRounds);
    row("figure", "measured", "target", std::nullopt, "baseline in this run / ratio");
    row("added latency p50 @ 2,000/s", with_range("%.3f ms", added50), "≤ 0.15 ms", added50.median <= 0.15,
        "direct p50 " + with_range("%.3f ms", d50));
    // A negative difference says the direct run was the noisier one, nothing about the gateway.
    row("added latency p99 @ 2,000/s", with_range("%.3f ms", added99), "≤ 0.5 ms",
        added99.median < 0 ? std::nullopt : std::optional<bool>(added99.median <= 0.5),
        "direct p99 " + with_range("%.3f ms", d99) + (added99.median < 0 ? "; negative: host noise, no verdict" : ""));
    row("highest clean rate", (rounds.serve_capped ? "≥ " : "") + with_range("%.0f /s", best), "≥ 10,000/s",
        best.median >= 10'000,
        (rounds.direct_capped ? "direct ≥ " : "direct ") + with_range("%.0f /s", direct_best) +
            fmt(" (serve %.2f× direct)", best.median / std::max(direct_best.median, 1.0)));
    row("serve CPU per request @ 2,000/s", with_range("%.1f µs", cpu), "≤ 100 µs", cpu.median <= 100,
        "engine alone, same config " + with_range("%.1f µs", engine_cpu) +
            fmt(" (serve %.2f× it)", cpu.median / std::max(engine_cpu.median, 1e-9)));
    row("  … context switches per request", with_range("%.1f", spread(rounds.serve_switches)), "-", std::nullopt,
        "engine alone " + with_range("%.1f", spread(rounds.engine_switches)));
    row("serve CPU per request @ 10,000/s step", with_range("%.1f µs", cpu_10k), "≤ 100 µs", cpu_10k.median <= 100,
        "the throughput target's rate, clean or not");
    row("  … over the whole ramp", with_range("%.1f µs", spread(rounds.ramp_cpu_us)), "-", std::nullopt,
        "every step, the failing one included");
    row("RSS with 1,000 streams open", with_range("%.1f MB", rss), "≤ 100 MB",
        rounds.streams_short == 0 && rss.median <= 100,
        "idle " + with_range("%.1f MB", spread(rounds.rss_idle_mb)) + "; " +
            with_range("%.1f KB", spread(rounds.kb_per_stream)) + " per stream" +
            (rounds.streams_short ? fmt("; fewer streams opened in %.0f round(s)", rounds.streams_short) : ""));
    row("serve peak RSS (after each ramp)", with_range("%.1f MB", spread(rounds.peak_mb)), "-", std::nullopt,
        "cache on: every distinct answer is stored" + fmt(" (max_mb %.0f)", double(cache.value("max_mb", 0))));
    if (rounds.errors > 0) std::printf("note: %ld errors in the fixed-rate runs\n", rounds.errors);
    return bench::exit_code();
}
