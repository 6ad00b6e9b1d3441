#pragma once
// Loopback HTTP/1.1 server that speaks the OpenAI chat completions and Responses and the
// Anthropic messages wire formats with a configurable latency and error profile: the demo-mode
// stand-in for every provider, the upstream of engine tests and of benchmarks.
//
// Endpoints: POST /v1/chat/completions, POST /v1/responses, POST /v1/embeddings,
// POST /v1/messages, GET /v1/models; OpenAI's files and batches (/v1/files…, /v1/batches…: see
// sim_files_openai.h, sim_batches_openai.h) and Anthropic's message batches
// (/v1/messages/batches…: sim_batches_anthropic.h), kept in memory; anything else 404. A batch
// completes batch_completion_ms (profile) after its creation, its requests answered as the
// synchronous endpoint answers them.
// Requests may carry images, audio and files (counted as prompt tokens, see sim_part_tokens)
// and tools: a user turn offered tools is answered with a call of the first
// (or the forced) one, a turn of tool results with text quoting them ("The tool said: …"); a
// request for structured output with JSON made from its schema. OpenAI chat honours n.
// Per-request overrides (request headers): x-sim-fault: <SimOutcome name>, x-sim-fault-times: N
// (fault only the first N attempts of the request key, then answer ok), x-sim-latency-ms: N,
// x-sim-retry-after: S, x-sim-key: <key> (else the body is the key), x-sim-echo: 1 (the answer
// is the transcript of every turn received, parts, tool calls and results included, to check a
// translation end to end; tools are then never called),
// x-sim-chunk-interval-ms: N (pause between streamed chunks, instead of the profile's),
// x-sim-reply-bytes: N (the answer size of the `huge` fault; default 50 MiB),
// x-sim-batch-delay-ms: N (on a batch's creation: its time to completion, instead of the
// profile's batch_completion_ms).
// Faults only a header can force: stall_mid_stream and reset_mid_stream (half the answer —
// stream events, or body bytes under a Content-Length for all of it — then silence or an RST),
// invalid_utf8 (ill-formed bytes inside the answer text), huge (a very large answer).
#include <cstdint>
#include <expected>
#include <memory>
#include <string>

#include "simulator/sim_handler.h"
#include "simulator/sim_outcome.h"
#include "simulator/simulator_profile.h"

namespace sb {

struct SimulatorOptions {
    int threads = 2;
    // When non-empty, required: OpenAI `Authorization: Bearer <key>`, Anthropic `x-api-key`.
    std::string api_key;
    std::string address = "127.0.0.1";
};

class Simulator final {
public:
    explicit Simulator(SimulatorProfile profile, SimulatorOptions options = {});
    ~Simulator();
    Simulator(const Simulator&) = delete;
    Simulator& operator=(const Simulator&) = delete;

    // Listens on `port` (0 = ephemeral) and returns the bound port.
    std::expected<std::uint16_t, std::string> start(std::uint16_t port = 0);
    // Returns promptly; drops open connections, including hanging ones. Idempotent.
    void stop();
    bool running() const { return m_server != nullptr; }
    std::uint16_t port() const { return m_port; }

    // Thread-safe; applies to requests that arrive afterwards.
    void set_profile(SimulatorProfile profile) { m_handler.set_profile(std::move(profile)); }
    SimulatorStats stats() const { return m_handler.stats(); }

private:
    struct Server;

    SimulatorOptions m_options;
    SimHandler m_handler;
    std::unique_ptr<Server> m_server;
    std::uint16_t m_port = 0;
};

}  // namespace sb
