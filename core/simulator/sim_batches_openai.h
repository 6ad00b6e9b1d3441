#pragma once
// OpenAI's Batch API: POST /v1/batches, GET /v1/batches (limit, after), GET /v1/batches/{id} and
// POST /v1/batches/{id}/cancel. A new batch takes its input file from the file store, checks
// every line ({custom_id, method, url, body}) and answers each one at once (sim_batch_answer);
// what a client sees then follows the clock: `validating` for the first tenth of the batch's
// delay, `in_progress` with request_counts growing until nine tenths, `finalizing`, and
// `completed`, when its output and error files appear in the file store. A bad input file
// fails the batch after validation, with OpenAI's list of errors; a cancelled one is
// `cancelling` for a tenth of its delay, then `cancelled` with the requests done by then.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "simulator/sim_file_store.h"
#include "simulator/sim_http_request.h"
#include "simulator/sim_response.h"
#include "simulator/simulator_profile.h"

namespace sb {

// The Batch API's limit on requests per batch.
inline constexpr std::size_t kSimOpenAIBatchMaxRequests = 50'000;

struct SimOpenAIBatch;

class SimOpenAIBatches {
public:
    // Past either bound the oldest batches are forgotten first.
    explicit SimOpenAIBatches(SimFileStore& files, std::size_t max_batches = 10'000,
                              std::size_t max_bytes = std::size_t(1) << 30);
    SimOpenAIBatches(const SimOpenAIBatches&) = delete;
    SimOpenAIBatches& operator=(const SimOpenAIBatches&) = delete;

    SimResponse handle(const SimRequest& request, const SimulatorProfile& profile, std::uint64_t entropy);

private:
    SimResponse create(const SimRequest& request, const SimulatorProfile& profile, std::uint64_t entropy);
    SimResponse list(const SimRequest& request, std::uint64_t entropy);
    SimResponse show(std::string_view id, bool cancel, std::uint64_t entropy);

    SimFileStore& m_files;
    const std::size_t m_max_batches;
    const std::size_t m_max_bytes;
    std::mutex m_mutex;
    std::vector<std::shared_ptr<SimOpenAIBatch>> m_batches;  // oldest first
    std::size_t m_bytes = 0;
};

}  // namespace sb
