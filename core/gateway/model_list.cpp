#include "gateway/model_list.h"

#include <algorithm>
#include <set>
#include <string>

#include "engine/engine.h"
#include "model/text.h"

namespace sb {
namespace {

struct Entry {
    std::string id;
    std::string owner;
};

const ProviderConfig* find_provider(const std::vector<ProviderConfig>& providers, const std::string& name) {
    for (const auto& provider : providers)
        if (provider.name == name) return &provider;
    return nullptr;
}

std::vector<Entry> entries(const Engine& engine) {
    const auto routing = engine.routing();
    const auto providers = engine.providers();
    std::vector<Entry> out;
    std::set<std::string> seen;
    auto add = [&](const std::string& id, const std::string& owner) {
        if (!id.empty() && seen.insert(id).second) out.push_back({id, owner});
    };
    add("auto", "switchboard");
    for (const auto& tier : routing.tiers) add(tier.name, "switchboard");
    for (const auto& tier : routing.tiers)
        for (const auto& target : tier.targets) {
            const auto* provider = find_provider(*providers, target.provider);
            if (!provider || !provider->enabled) continue;
            add(target.model.empty() ? provider->default_model : target.model, provider->name);
        }
    for (const auto& provider : *providers) {
        if (!provider.enabled) continue;
        add(provider.default_model, provider.name);
        for (const auto& model : provider.models) add(model, provider.name);
    }
    return out;
}

}  // namespace

nlohmann::json model_list(const Engine& engine, std::int64_t created) {
    auto data = nlohmann::json::array();
    for (const auto& entry : entries(engine))
        data.push_back(
            {{"id", entry.id}, {"object", "model"}, {"created", created}, {"owned_by", entry.owner}});
    return {{"object", "list"}, {"data", std::move(data)}};
}

bool is_known_model(const Engine& engine, std::string_view model) {
    if (model.empty()) return true;
    const auto providers = engine.providers();
    if (const auto* fallback = find_provider(*providers, engine.config().default_provider);
        fallback && fallback->enabled && fallback->kind == ProviderKind::OpenAICompatible)
        return true;
    const auto wanted = to_lower(model);
    // The common cases first, without copying the live routing: "auto" and a listed model.
    if (wanted == "auto") return true;
    for (const auto& provider : *providers)
        if (provider.enabled && (provider.default_model == model ||
                                 std::find(provider.models.begin(), provider.models.end(), model) != provider.models.end()))
            return true;
    for (const auto& entry : entries(engine)) {
        // Tier names and "auto" match in any case, as routing reads them; models exactly.
        if (entry.id == model) return true;
        if (entry.owner == "switchboard" && to_lower(entry.id) == wanted) return true;
    }
    for (const auto& rule : engine.routing().rules)
        if (rule.kind == RuleKind::ModelAlias)
            for (const auto& value : rule.values)
                if (to_lower(value) == wanted) return true;
    return false;
}

}  // namespace sb
