#include "engine/route_selection.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "model/text.h"

namespace sb {

struct RouteSelection::ModelIndex {
    std::vector<ProviderConfig> providers;
    std::string default_provider;
    std::set<std::string, std::less<>> aliases;                   // lowercase: "auto", tier names, alias rule values
    std::set<std::string, std::less<>> tier_names;                // lowercase
    std::unordered_map<std::string, std::string> model_provider;  // model → first enabled provider listing it
    std::unordered_map<std::string, std::string> model_tier;      // model → first tier with a target serving it
    std::set<std::string, std::less<>> cache_first_tiers;          // exact names
};

RouteSelection::RouteSelection(const std::vector<ProviderConfig>& providers, std::string default_provider,
                               RoutingConfig routing, RouterOptions options)
    : m_router(RoutingConfig{}, [&] {
          if (!options.default_model)
              options.default_model = [this](std::string_view name) {
                  for (const auto& provider : index()->providers)
                      if (provider.name == name) return provider.default_model;
                  return std::string();
              };
          return std::move(options);
      }()),
      m_index(std::make_shared<const ModelIndex>()) {
    for (const auto& provider : providers) m_router.set_provider_usable(provider.name, provider.enabled);
    install(providers, std::move(default_provider), std::move(routing));
}

std::shared_ptr<const RouteSelection::ModelIndex> RouteSelection::index() const {
    std::lock_guard lock(m_index_mutex);
    return m_index;
}

void RouteSelection::update(RoutingConfig routing) {
    const auto current = index();
    install(current->providers, current->default_provider, std::move(routing));
}

void RouteSelection::set_providers(std::vector<ProviderConfig> providers, std::string default_provider,
                                   const std::vector<std::string>& changed) {
    for (const auto& before : index()->providers)
        if (std::none_of(providers.begin(), providers.end(), [&](const ProviderConfig& p) { return p.name == before.name; }))
            m_router.set_provider_usable(before.name, false);
    for (const auto& provider : providers) m_router.set_provider_usable(provider.name, provider.enabled);
    for (const auto& name : changed) m_router.reset_provider(name);
    install(std::move(providers), std::move(default_provider), m_router.config());
}

// The index goes in first: the router resolves its targets' default models through it.
void RouteSelection::install(std::vector<ProviderConfig> providers, std::string default_provider, RoutingConfig routing) {
    auto index = std::make_shared<ModelIndex>();
    index->providers = std::move(providers);
    index->default_provider = std::move(default_provider);
    index->aliases.insert("auto");
    for (const auto& tier : routing.tiers) {
        index->aliases.insert(to_lower(tier.name));
        index->tier_names.insert(to_lower(tier.name));
        if (tier.cache_first) index->cache_first_tiers.insert(tier.name);
    }
    for (const auto& rule : routing.rules)
        if (rule.kind == RuleKind::ModelAlias)
            for (const auto& value : rule.values) index->aliases.insert(to_lower(value));
    for (const auto& provider : index->providers) {
        if (!provider.enabled) continue;
        for (const auto& model : provider.models) index->model_provider.emplace(model, provider.name);
    }
    for (const auto& tier : routing.tiers)
        for (const auto& target : tier.targets) {
            std::string model = target.model;
            if (model.empty())
                for (const auto& provider : index->providers)
                    if (provider.name == target.provider) model = provider.default_model;
            index->model_tier.emplace(model, tier.name);
        }
    {
        std::lock_guard lock(m_index_mutex);
        m_index = std::move(index);
    }
    m_router.update(std::move(routing));
}

std::vector<ConfigError> RouteSelection::validate(const RoutingConfig& routing) const {
    return validate_routing(routing, index()->providers);
}

std::expected<RouteStart, Error> RouteSelection::first(const ChatRequest& request) { return route(request, true); }

std::expected<RouteStart, Error> RouteSelection::preview(const ChatRequest& request) const {
    return route(request, false);
}

std::expected<RouteStart, Error> RouteSelection::route(const ChatRequest& request, bool take) const {
    const auto idx = index();
    const auto& providers = idx->providers;
    if (!request.provider.empty()) {
        const auto provider = std::find_if(providers.begin(), providers.end(),
                                           [&](const ProviderConfig& p) { return p.name == request.provider; });
        if (provider == providers.end())
            return std::unexpected(Error{ErrorClass::BadRequest, "unknown provider \"" + request.provider + "\""});
        if (!provider->enabled)
            return std::unexpected(Error{ErrorClass::BadRequest, "provider " + request.provider + " is disabled"});
        const std::string model = request.model.empty() ? provider->default_model : request.model;
        return RouteStart{{provider->name, model}, "", "pinned to provider " + provider->name, true};
    }

    const std::string model = to_lower(request.model);
    if (!request.model.empty() && !idx->aliases.contains(model)) {
        // A concrete model: the caller chose it; the tier that serves it is the failover plan.
        const auto classification = m_router.classify(request);
        if (const auto it = idx->model_provider.find(request.model); it != idx->model_provider.end()) {
            const auto tier = idx->model_tier.find(request.model);
            return RouteStart{{it->second, request.model},
                              tier != idx->model_tier.end() ? tier->second : classification.tier,
                              "model " + request.model + " requested → " + it->second, false};
        }
        const auto fallback = std::find_if(providers.begin(), providers.end(), [&](const ProviderConfig& p) {
            return p.name == idx->default_provider && p.enabled;
        });
        if (fallback == providers.end())
            return std::unexpected(Error{ErrorClass::BadRequest, "no enabled provider lists model \"" + request.model +
                                                                     "\" and the default provider is not enabled"});
        return RouteStart{{fallback->name, request.model}, classification.tier,
                          "model " + request.model + " is in no provider's list → default provider " + fallback->name,
                          false};
    }

    Classification classification;
    if (idx->tier_names.contains(model) && request.tier.empty()) {
        ChatRequest named = request;
        for (const auto& tier : m_router.config().tiers)
            if (to_lower(tier.name) == model) named.tier = tier.name;
        classification = m_router.classify(named);
        classification.reason = "model names the tier " + classification.tier;
    } else {
        classification = m_router.classify(request);
    }
    const auto choice = take ? m_router.pick(classification.tier, request) : m_router.peek(classification.tier, request);
    if (!choice)
        return std::unexpected(Error{ErrorClass::Overloaded, "no target of tier " + classification.tier +
                                                                 " can take the request: each one is disabled, "
                                                                 "or has its circuit open"});
    return RouteStart{choice->target, classification.tier, classification.reason + "; " + choice->reason, false,
                      idx->cache_first_tiers.contains(classification.tier), take};
}

std::optional<TargetChoice> RouteSelection::next(const std::string& tier, const ChatRequest& request,
                                                 std::span<const TargetKey> tried) {
    if (tier.empty()) return std::nullopt;
    return m_router.pick(tier, request, tried);
}

void RouteSelection::record(const TargetKey& target, ErrorClass error, std::chrono::microseconds latency) {
    m_router.record(target, error, latency);
}

bool RouteSelection::circuit_open(const TargetKey& target) const {
    for (const auto& state : m_router.states())
        if (state.target == target) return state.circuit == CircuitState::Open || state.circuit == CircuitState::AuthFailed;
    return false;
}

}  // namespace sb
