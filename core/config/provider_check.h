#pragma once
// Providers as an operator writes them (base URL and key as references: "${ENV}",
// "secret:NAME"), checked and resolved with the very rules and messages of a config load:
// the set is put into the running config — its other sections and the live routing — and
// read back with parse_config, so an editor marks "providers[2].base_url: …" exactly as a
// restart would.
#include <expected>
#include <span>
#include <vector>

#include "config/config.h"

namespace sb {

// `base` with its providers replaced by `providers` and its routing by `routing`, read as a
// config file holding them would be: resolved (keys, URLs, demo mode), or every problem found.
std::expected<Config, std::vector<ConfigError>> check_providers(const Config& base,
                                                                const RoutingConfig& routing,
                                                                std::span<const ProviderConfig> providers,
                                                                const EnvLookup& env);

// One provider on its own (for a connection test), enabled, with the rest of `base`: the
// provider resolved, or its problems (paths "providers[0]…").
std::expected<ProviderConfig, std::vector<ConfigError>> resolve_provider(const Config& base,
                                                                         ProviderConfig provider,
                                                                         const EnvLookup& env);

}  // namespace sb
