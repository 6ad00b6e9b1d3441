#pragma once
// Anthropic's Message Batches API: POST /v1/messages/batches, GET /v1/messages/batches (limit,
// before_id, after_id), GET /v1/messages/batches/{id}, GET …/{id}/results, POST …/{id}/cancel
// and DELETE …/{id}. The list of requests is checked at once (custom_id rules; a 400 names the
// field); every request's params are answered then too, as /v1/messages answers them
// (sim_batch_answer), so params Messages would refuse end `errored`. What a client sees follows
// the clock: `in_progress` for the batch's delay, every request counted as processing (as
// Anthropic counts them), then `ended` with results_url pointing back at the simulator. A
// cancelled batch is `canceling` for a tenth of its delay, then ends with the requests not yet
// done `canceled`.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "simulator/sim_http_request.h"
#include "simulator/sim_response.h"
#include "simulator/simulator_profile.h"

namespace sb {

// The Message Batches API's limits on one batch.
inline constexpr std::size_t kSimAnthropicBatchMaxRequests = 100'000;
inline constexpr std::size_t kSimAnthropicBatchMaxBytes = std::size_t(256) << 20;

struct SimAnthropicBatch;

class SimAnthropicBatches {
public:
    // Past either bound the oldest batches are forgotten first.
    explicit SimAnthropicBatches(std::size_t max_batches = 10'000, std::size_t max_bytes = std::size_t(1) << 30);
    SimAnthropicBatches(const SimAnthropicBatches&) = delete;
    SimAnthropicBatches& operator=(const SimAnthropicBatches&) = delete;

    SimResponse handle(const SimRequest& request, const SimulatorProfile& profile, std::uint64_t entropy);

private:
    SimResponse create(const SimRequest& request, const SimulatorProfile& profile, std::uint64_t entropy);
    SimResponse list(const SimRequest& request, std::uint64_t entropy);
    SimResponse show(const SimRequest& request, std::string_view id, bool cancel, std::uint64_t entropy);
    SimResponse results(std::string_view id, std::uint64_t entropy);
    SimResponse remove(std::string_view id, std::uint64_t entropy);

    const std::size_t m_max_batches;
    const std::size_t m_max_bytes;
    std::mutex m_mutex;
    std::vector<std::shared_ptr<SimAnthropicBatch>> m_batches;  // oldest first
    std::size_t m_bytes = 0;
};

}  // namespace sb
