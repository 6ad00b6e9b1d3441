#include "simulator/sim_batch_clock.h"

#include <charconv>

namespace sb {

std::expected<std::int64_t, std::string> sim_batch_delay_ms(std::string_view header,
                                                           const SimulatorProfile& profile)
{
    if (header.empty())
        return profile.batch_completion_ms;
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(header.data(), header.data() + header.size(), value);
    if (ec != std::errc() || end != header.data() + header.size() || value < 0 || value > kSimBatchMaxCompletionMs)
        return std::unexpected("x-sim-batch-delay-ms: must be an integer number of milliseconds in [0, "
                               + std::to_string(kSimBatchMaxCompletionMs) + "]");
    return value;
}

std::size_t sim_batch_done(std::size_t total, std::int64_t from_ms, std::int64_t to_ms, std::int64_t at_ms)
{
    if (at_ms >= to_ms)
        return total;
    if (at_ms <= from_ms)
        return 0;
    const double share = static_cast<double>(at_ms - from_ms) / static_cast<double>(to_ms - from_ms);
    return static_cast<std::size_t>(share * static_cast<double>(total));
}

}  // namespace sb
