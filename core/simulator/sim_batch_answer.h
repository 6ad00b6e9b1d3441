#pragma once
// One request of a batch, answered as the synchronous endpoint answers its body: the same
// reply, or the same 400 for a body that endpoint refuses. Its fate is drawn from the profile's
// seed and the request's custom_id, so which requests of a batch fail is repeatable. A results
// file has no room for transport faults: a hang is a request never answered, and a reset, a
// malformed answer or a 502 is a 500.
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "simulator/simulator_profile.h"

namespace sb {

// The endpoint a batch's requests are meant for.
enum class SimBatchTarget { openai_chat, openai_responses, openai_embeddings, anthropic_messages };

struct SimBatchAnswer {
    int status = 200;             // HTTP status of the answer; 0: never answered
    nlohmann::ordered_json body;  // the answer, or the provider's error body; null when never answered
    std::uint64_t entropy = 0;    // for the ids of the batch's own wrapping
    std::int64_t input_tokens = 0;
    std::int64_t output_tokens = 0;

    bool succeeded() const { return status == 200; }
};

// `batch_entropy` keeps ids unique between batches that reuse custom_ids; it does not change
// the fate or the answer text.
SimBatchAnswer sim_batch_answer(SimBatchTarget target, const nlohmann::json& body, std::string_view custom_id,
                                const SimulatorProfile& profile, std::uint64_t batch_entropy);

}  // namespace sb
