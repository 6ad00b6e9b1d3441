// The live provider set: building one from configs, lending unchanged providers' load.
#include "engine/provider_set.h"

namespace sb {

bool same_connection(const ProviderConfig& a, const ProviderConfig& b) {
    return a.kind == b.kind && a.base_url == b.base_url && a.api_key == b.api_key && a.openai_version == b.openai_version &&
           a.organization == b.organization && a.project == b.project && a.anthropic_version == b.anthropic_version &&
           a.headers == b.headers && a.simulated == b.simulated && a.timeouts == b.timeouts;
}

ProviderSet::ProviderSet(const std::vector<ProviderConfig>& providers, const ProviderSet* before)
    : configs(std::make_shared<const std::vector<ProviderConfig>>(providers)) {
    for (const auto& provider : providers) {
        const ProviderState* old = before ? before->find(provider.name) : nullptr;
        auto load = old && same_connection(old->config, provider) && old->config.concurrency == provider.concurrency
                        ? old->load
                        : std::make_shared<ProviderLoad>(provider.concurrency);
        index.emplace(provider.name, states.size());
        states.push_back(ProviderState{provider, make_provider_adapter(provider.kind), std::move(load)});
    }
}

const ProviderState* ProviderSet::find(const std::string& name) const {
    const auto it = index.find(name);
    return it == index.end() ? nullptr : &states[it->second];
}

std::string ProviderSet::model_of(const TargetKey& target) const {
    if (!target.model.empty()) return target.model;
    const auto* provider = find(target.provider);
    return provider ? provider->config.default_model : std::string();
}

}  // namespace sb
