#include "providers/adapters.h"

namespace sb {

std::unique_ptr<ProviderAdapter> make_provider_adapter(ProviderKind kind) {
    switch (kind) {
        case ProviderKind::OpenAI:
            return make_openai_adapter();
        case ProviderKind::Anthropic:
            return make_anthropic_adapter();
        case ProviderKind::OpenAICompatible:
            return make_openai_compatible_adapter();
    }
    return make_openai_adapter();
}

}  // namespace sb
