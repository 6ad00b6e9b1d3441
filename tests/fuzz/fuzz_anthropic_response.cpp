// The Anthropic adapter's reading of a whole (non-streamed) response: see check_response in
// provider_checks.h for the input format and the invariants.
#include <cstdint>

#include "provider_checks.h"
#include "providers/adapters.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    static const auto adapter = sb::make_anthropic_adapter();
    sb::fuzz::check_response(*adapter, sb::fuzz::as_text(bytes, size));
    return 0;
}
