#pragma once
// Time in the simulator's batches. A batch's state is worked out from the clock whenever it is
// looked at (no thread runs batches): created at T with delay D, its requests are worked
// through evenly over the stretch each API shows as processing, and it is done at T + D.
#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "simulator/simulator_profile.h"

namespace sb {

// The delay of a new batch: the x-sim-batch-delay-ms header when sent, else the profile's
// batch_completion_ms. The error is the message of a 400.
std::expected<std::int64_t, std::string> sim_batch_delay_ms(std::string_view header,
                                                           const SimulatorProfile& profile);

// How many of `total` requests are done at `at_ms` when they are worked through evenly from
// `from_ms` to `to_ms`: none before, all after.
std::size_t sim_batch_done(std::size_t total, std::int64_t from_ms, std::int64_t to_ms, std::int64_t at_ms);

// A cancelled batch stops after this share of its delay (OpenAI's `cancelling`, Anthropic's
// `canceling`).
inline std::int64_t sim_batch_cancel_ms(std::int64_t delay_ms)
{
    return delay_ms / 10;
}

}  // namespace sb
