// OpenAI-compatible local servers (Ollama, llama.cpp server, vLLM). Same wire format as
// OpenAI with two differences: Ollama's ChatCompletionRequest reads only `max_tokens`
// (not `max_completion_tokens`), and the OpenAI account headers mean nothing there.
#include "providers/adapters.h"
#include "providers/openai_adapter.h"

namespace sb {

std::unique_ptr<ProviderAdapter> make_openai_compatible_adapter() {
    return std::make_unique<OpenAIChatAdapter>(OpenAIChatAdapter::Options{
        .kind = ProviderKind::OpenAICompatible, .use_legacy_max_tokens = true, .send_openai_headers = false});
}

}  // namespace sb
