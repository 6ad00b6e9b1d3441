// The OpenAI adapter's reading of a whole (non-streamed) response, and of its body as an
// embeddings answer: see check_response and check_embeddings_answer in provider_checks.h for
// the input format and the invariants.
#include <cstdint>

#include "provider_checks.h"
#include "providers/adapters.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    static const auto adapter = sb::make_openai_adapter();
    const auto text = sb::fuzz::as_text(bytes, size);
    sb::fuzz::check_response(*adapter, text);
    sb::fuzz::check_embeddings_answer(sb::fuzz::split_http_input(text).body);
    return 0;
}
