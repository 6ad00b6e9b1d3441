// Checking and resolving providers with the rules and messages of a config load.
#include "config/provider_check.h"

namespace sb {

std::expected<Config, std::vector<ConfigError>> check_providers(const Config& base,
                                                                const RoutingConfig& routing,
                                                                std::span<const ProviderConfig> providers,
                                                                const EnvLookup& env) {
    nlohmann::json json = to_json(base);
    nlohmann::json written = nlohmann::json::array();
    for (const auto& provider : providers) written.push_back(to_json(provider));
    json["providers"] = std::move(written);
    json["routing"] = to_json(routing);
    return parse_config(json, env);
}

std::expected<ProviderConfig, std::vector<ConfigError>> resolve_provider(const Config& base,
                                                                         ProviderConfig provider,
                                                                         const EnvLookup& env) {
    provider.enabled = true;
    nlohmann::json json = to_json(base);
    json["providers"] = nlohmann::json::array({to_json(provider)});
    json["default_provider"] = provider.name;
    // Only the provider is under test: sections naming the others are left out.
    for (const char* section : {"routing", "budgets"}) json.erase(section);
    auto config = parse_config(json, env);
    if (!config) return std::unexpected(std::move(config.error()));
    return std::move(config->providers.front());
}

}  // namespace sb
