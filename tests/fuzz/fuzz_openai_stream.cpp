// The OpenAI adapter's reading of a streamed response (Server-Sent Events through its stream
// decoder): see check_stream in provider_checks.h for the invariants.
#include <cstdint>

#include "provider_checks.h"
#include "providers/adapters.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    static const auto adapter = sb::make_openai_adapter();
    sb::fuzz::check_stream(*adapter, sb::fuzz::as_text(bytes, size));
    return 0;
}
