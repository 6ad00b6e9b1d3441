#include "providers/provider_batch_api.h"

#include "providers/anthropic_batch_api.h"
#include "providers/openai_batch_api.h"

namespace sb {

std::unique_ptr<ProviderBatchApi> make_provider_batch_api(const ProviderConfig& provider, ProviderBatchApi::Fetch fetch) {
    switch (provider.kind) {
    case ProviderKind::OpenAI: return make_openai_batch_api(provider, std::move(fetch));
    case ProviderKind::Anthropic: return make_anthropic_batch_api(provider, std::move(fetch));
    case ProviderKind::OpenAICompatible: return nullptr;
    }
    return nullptr;
}

}  // namespace sb
