#pragma once
// Decides the answer to one request: routing, API key, request validation, the fate draw and
// forced faults, then the provider's wire format. No sockets here; Simulator carries it out.
#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "model/digest.h"
#include "simulator/sim_fate.h"
#include "simulator/sim_outcome.h"
#include "simulator/sim_response.h"
#include "simulator/simulator_profile.h"

namespace sb {

struct SimErrorInfo;

// Views into the received request; valid for the duration of SimHandler::handle.
struct SimRequest {
    std::string_view method;
    std::string_view target;
    std::string_view body;
    std::string_view authorization;    // Authorization
    std::string_view api_key;          // x-api-key
    std::string_view sim_key;          // x-sim-key
    std::string_view sim_fault;        // x-sim-fault
    std::string_view sim_fault_times;  // x-sim-fault-times
    std::string_view sim_latency_ms;   // x-sim-latency-ms
    bool sim_echo = false;             // x-sim-echo: answer with the transcript of the request
    std::string_view sim_retry_after;  // x-sim-retry-after
    std::string_view sim_chunk_interval_ms;  // x-sim-chunk-interval-ms: pause between stream chunks
    std::string_view sim_reply_bytes;        // x-sim-reply-bytes: answer size of the `huge` fault
};

class SimHandler {
public:
    SimHandler(SimulatorProfile profile, std::string_view api_key);

    SimResponse handle(const SimRequest& request);

    void set_profile(SimulatorProfile profile);
    SimulatorStats stats() const;

private:
    std::shared_ptr<const SimulatorProfile> current_profile() const;
    SimResponse decide(const SimRequest& request, SimEndpoint endpoint);
    SimResponse chat(const SimRequest& request, SimEndpoint endpoint,
                     const SimulatorProfile& profile);
    SimResponse embeddings(const SimRequest& request, SimErrorInfo& info);

    mutable std::mutex m_profile_mutex;
    std::shared_ptr<const SimulatorProfile> m_profile;
    // SHA-256 of the key requests must carry; nullopt: none is asked for. Only digests are
    // compared, in constant time, so timing tells neither the key's length nor its content.
    const std::optional<Sha256Digest> m_api_key_digest;
    SimAttemptCounter m_attempts;
    std::atomic<std::uint64_t> m_served{0};  // makes ids of fate-free answers unique
    std::array<std::atomic<std::uint64_t>, kSimEndpointCount> m_requests{};
    std::array<std::atomic<std::uint64_t>, kSimOutcomeCount> m_outcomes{};
};

}  // namespace sb
