#include "engine/route_selection.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "model/text.h"
#include "providers/provider_capabilities.h"

namespace sb {

struct RouteSelection::ModelIndex {
    std::vector<ProviderConfig> providers;
    std::string default_provider;
    std::set<std::string, std::less<>> aliases;                   // lowercase: "auto", tier names, alias rule values
    std::set<std::string, std::less<>> tier_names;                // lowercase
    std::unordered_map<std::string, std::string> model_provider;  // model → first enabled provider listing it
    std::unordered_map<std::string, std::string> model_tier;      // model → first tier with a target serving it
    std::set<std::string, std::less<>> cache_first_tiers;          // exact names
    std::unordered_map<std::string, std::vector<std::pair<TargetKey, ProviderKind>>> tier_targets;  // by exact name

    const ProviderConfig* provider(std::string_view name) const {
        for (const auto& candidate : providers)
            if (candidate.name == name) return &candidate;
        return nullptr;
    }
};

namespace {

// Only a request with media, tools, several choices, a schema or another wire format can be
// one that some provider cannot take; the common request skips the check.
bool may_be_unfit(const ChatRequest& request) {
    if (request.wire != WireApi::OpenAIChat || request.n > 1 || !request.tools.is_null() ||
        !request.response_format.is_null() || !request.tool_choice.is_null())
        return true;
    for (const auto& message : request.messages)
        if (!message.parts.empty()) return true;
    return false;
}

}  // namespace

// The targets of `tier` whose provider cannot take the request, and why.
struct RouteSelection::Unfit {
    std::vector<TargetKey> targets;
    std::string first_reason;
    std::string note;  // "; skipped anthropic/claude-3-5-haiku: messages[1].content[0]: …"
    bool all = false;  // every target of the tier
};

RouteSelection::Unfit RouteSelection::unfit_in(const ModelIndex& idx, const std::string& tier,
                                               const ChatRequest& request) const {
    Unfit unfit;
    if (!may_be_unfit(request)) return unfit;
    const auto it = idx.tier_targets.find(tier);
    if (it == idx.tier_targets.end()) return unfit;
    for (const auto& [target, kind] : it->second) {
        auto why = cannot_take(kind, request);
        if (!why) continue;
        if (unfit.first_reason.empty()) unfit.first_reason = *why;
        unfit.note += "; skipped " + target.provider + "/" + target.model + ": " + *why;
        unfit.targets.push_back(target);
    }
    unfit.all = !it->second.empty() && unfit.targets.size() == it->second.size();
    return unfit;
}

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
            const auto* provider = index->provider(target.provider);
            std::string model = target.model.empty() && provider ? provider->default_model : target.model;
            index->model_tier.emplace(model, tier.name);
            if (provider) index->tier_targets[tier.name].push_back({TargetKey{target.provider, model}, provider->kind});
        }
    {
        std::lock_guard lock(m_index_mutex);
        m_index = std::move(index);
    }
    m_router.update(std::move(routing));
}

std::string RouteSelection::not_sent(const ProviderConfig& provider, const ChatRequest& request) {
    const auto names = fields_not_sent(provider.kind, request);
    return names.empty() ? std::string() : "; not sent to " + provider.name + " (another wire format): " + names;
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
        if (may_be_unfit(request))
            if (auto why = cannot_take(provider->kind, request))
                return std::unexpected(Error{ErrorClass::BadRequest, *why + " (the request is pinned to provider " +
                                                                         provider->name + ")"});
        const std::string model = request.model.empty() ? provider->default_model : request.model;
        return RouteStart{{provider->name, model}, "", "pinned to provider " + provider->name + not_sent(*provider, request), true};
    }

    if (request.wire == WireApi::OpenAIEmbeddings) return embeddings_route(*idx, request);

    const std::string model = to_lower(request.model);
    if (!request.model.empty() && !idx->aliases.contains(model)) {
        // A concrete model: the caller chose it; the tier that serves it is the failover plan.
        const auto classification = m_router.classify(request);
        if (const auto it = idx->model_provider.find(request.model); it != idx->model_provider.end()) {
            const auto tier = idx->model_tier.find(request.model);
            const auto* provider = idx->provider(it->second);
            if (may_be_unfit(request))
                if (auto why = cannot_take(provider->kind, request))
                    return std::unexpected(Error{ErrorClass::BadRequest, *why + " (model " + request.model +
                                                                             " is served by " + it->second + ")"});
            return RouteStart{{it->second, request.model},
                              tier != idx->model_tier.end() ? tier->second : classification.tier,
                              "model " + request.model + " requested → " + it->second + not_sent(*provider, request),
                              false};
        }
        const auto fallback = std::find_if(providers.begin(), providers.end(), [&](const ProviderConfig& p) {
            return p.name == idx->default_provider && p.enabled;
        });
        if (fallback == providers.end())
            return std::unexpected(Error{ErrorClass::BadRequest, "no enabled provider lists model \"" + request.model +
                                                                     "\" and the default provider is not enabled"});
        if (may_be_unfit(request))
            if (auto why = cannot_take(fallback->kind, request))
                return std::unexpected(Error{ErrorClass::BadRequest, *why + " (model " + request.model +
                                                                         " goes to the default provider " +
                                                                         fallback->name + ")"});
        return RouteStart{{fallback->name, request.model}, classification.tier,
                          "model " + request.model + " is in no provider's list → default provider " + fallback->name +
                              not_sent(*fallback, request),
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
    const auto unfit = unfit_in(*idx, classification.tier, request);
    if (unfit.all)
        return std::unexpected(Error{ErrorClass::BadRequest, unfit.first_reason + "; no target of tier " +
                                                                 classification.tier + " can take it"});
    const auto choice = take ? m_router.pick(classification.tier, request, unfit.targets)
                             : m_router.peek(classification.tier, request, unfit.targets);
    if (!choice)
        return std::unexpected(Error{ErrorClass::Overloaded, "no target of tier " + classification.tier +
                                                                 " can take the request: each one is disabled, "
                                                                 "or has its circuit open" + unfit.note});
    const auto* provider = idx->provider(choice->target.provider);
    return RouteStart{choice->target,
                      classification.tier,
                      classification.reason + "; " + choice->reason + unfit.note +
                          (provider ? not_sent(*provider, request) : std::string()),
                      false,
                      idx->cache_first_tiers.contains(classification.tier),
                      take};
}

// An embedding model's vectors mean nothing to another model, so embeddings never move to a
// tier: they go to the providers listing the model, in the config's order, and fail over
// among those alone (several accounts or servers of one model).
std::expected<RouteStart, Error> RouteSelection::embeddings_route(const ModelIndex& idx, const ChatRequest& request) const {
    if (const auto next = next_embeddings_target(idx, request, {})) {
        const auto* provider = idx.provider(next->target.provider);
        return RouteStart{next->target, "", next->reason + not_sent(*provider, request), false};
    }
    for (const auto& provider : idx.providers)
        if (provider.enabled &&
            std::find(provider.models.begin(), provider.models.end(), request.model) != provider.models.end())
            if (auto why = cannot_take(provider.kind, request))
                return std::unexpected(Error{ErrorClass::BadRequest, *why + " (model " + request.model +
                                                                         " is served by " + provider.name + ")"});
    const auto fallback = std::find_if(idx.providers.begin(), idx.providers.end(), [&](const ProviderConfig& p) {
        return p.name == idx.default_provider && p.enabled;
    });
    if (fallback == idx.providers.end() || cannot_take(fallback->kind, request))
        return std::unexpected(Error{ErrorClass::BadRequest,
                                     "model: no enabled OpenAI or OpenAI-compatible provider lists the embedding "
                                     "model \"" + request.model + "\" (add it to a provider's models)"});
    return RouteStart{{fallback->name, request.model},
                      "",
                      "embedding model " + request.model + " is in no provider's list → default provider " +
                          fallback->name,
                      false};
}

std::optional<TargetChoice> RouteSelection::next_embeddings_target(const ModelIndex& idx, const ChatRequest& request,
                                                                   std::span<const TargetKey> tried) {
    for (const auto& provider : idx.providers) {
        if (!provider.enabled || cannot_take(provider.kind, request)) continue;
        if (std::find(provider.models.begin(), provider.models.end(), request.model) == provider.models.end()) continue;
        const TargetKey target{provider.name, request.model};
        if (std::find(tried.begin(), tried.end(), target) != tried.end()) continue;
        return TargetChoice{target, "embedding model " + request.model + " → " + provider.name};
    }
    return std::nullopt;
}

std::optional<TargetChoice> RouteSelection::next(const std::string& tier, const ChatRequest& request,
                                                 std::span<const TargetKey> tried) {
    if (request.wire == WireApi::OpenAIEmbeddings) return next_embeddings_target(*index(), request, tried);
    if (tier.empty()) return std::nullopt;
    const auto unfit = unfit_in(*index(), tier, request);
    if (unfit.targets.empty()) return m_router.pick(tier, request, tried);
    std::vector<TargetKey> skip(tried.begin(), tried.end());
    skip.insert(skip.end(), unfit.targets.begin(), unfit.targets.end());
    return m_router.pick(tier, request, skip);
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
