#pragma once
// Decides the answer to one request: routing, API key, request validation, the fate draw and
// forced faults, then the provider's wire format. No sockets here; Simulator carries it out.
// It also keeps the state of the files and batches APIs, in memory.
#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "model/digest.h"
#include "simulator/sim_batches_anthropic.h"
#include "simulator/sim_batches_openai.h"
#include "simulator/sim_fate.h"
#include "simulator/sim_file_store.h"
#include "simulator/sim_http_request.h"
#include "simulator/sim_outcome.h"
#include "simulator/sim_response.h"
#include "simulator/simulator_profile.h"

namespace sb {

struct SimErrorInfo;

class SimHandler {
public:
    SimHandler(SimulatorProfile profile, std::string_view api_key);

    SimResponse handle(const SimRequest& request);

    // The largest body the server reads for a request to `target`: file uploads and message
    // batches may be as large as their providers allow, anything else 32 MiB.
    static std::uint64_t body_limit(std::string_view method, std::string_view target);
    // The answer to a request whose Content-Length passes body_limit; its body is never read.
    SimResponse refuse_oversized(const SimRequest& head, std::uint64_t content_length);

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
    SimFileStore m_files;
    SimOpenAIBatches m_openai_batches{m_files};
    SimAnthropicBatches m_anthropic_batches;
};

}  // namespace sb
