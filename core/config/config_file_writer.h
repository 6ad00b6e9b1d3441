#pragma once
// Writing back to the operator's config file. Only the routing section (or the providers,
// the cache rules, the alert rules, the price file's name) is replaced: every other key stays as written
// (${ENV} references stay references, nothing resolved or defaulted leaks in). The write is atomic — a temporary file beside the target, synced,
// then renamed over it — so a crash leaves the old file or the new one, never half of one.
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

#include <vector>

#include "config/alert_config.h"
#include "config/cache_config.h"
#include "config/config.h"
#include "config/routing_config.h"

namespace sb {

// Fails (and leaves the file alone) when it cannot be read or is not a JSON object.
std::expected<void, std::string> save_routing_section(const std::filesystem::path& file, const RoutingConfig& routing);

// Replaces only "providers", each as written (to_json(ProviderConfig): "secret:NAME" and
// "${ENV}" references, never a key). A file that does not exist yet is created, its folder
// too, holding `whole` with these providers: a first save from the console needs no file
// written by hand. Otherwise fails (and leaves the file alone) like save_routing_section.
std::expected<void, std::string> save_providers(const std::filesystem::path& file, const std::vector<ProviderConfig>& providers,
                                                const Config& whole);

// Replaces only "cache.rules" (a missing "cache" object is created; its other keys stay).
// Fails (and leaves the file alone) like save_routing_section, or when "cache" is not an object.
std::expected<void, std::string> save_cache_rules(const std::filesystem::path& file, const std::vector<CacheRule>& rules);

// Replaces only "alerts.rules", like save_cache_rules.
std::expected<void, std::string> save_alert_rules(const std::filesystem::path& file, const std::vector<AlertRule>& rules);

// Replaces only "cost.pricing", like save_cache_rules.
std::expected<void, std::string> save_pricing_file_name(const std::filesystem::path& file, const std::filesystem::path& pricing);

// Replaces `file` with `text` atomically, keeping the file's permissions when it exists.
std::expected<void, std::string> write_file_atomically(const std::filesystem::path& file, std::string_view text);

}  // namespace sb
