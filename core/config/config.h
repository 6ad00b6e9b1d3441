#pragma once
// The whole configuration as one value type. Loaded from one JSON file; defaults come
// from resources/default-config.json. API keys are never stored in it: a provider names
// an environment variable (`"api_key": "${OPENAI_API_KEY}"`) or an entry of the encrypted
// secret store (`"api_key": "secret:openai"`), resolved at load.
#include <chrono>
#include <cstddef>
#include <expected>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/alert_config.h"
#include "config/budget_config.h"
#include "config/cache_config.h"
#include "config/fleet_config.h"
#include "config/hedge_config.h"
#include "config/routing_config.h"
#include "model/headers.h"

namespace sb {

enum class ProviderKind { OpenAI, Anthropic, OpenAICompatible };
std::string_view to_string(ProviderKind kind);

struct TimeoutConfig {
    std::chrono::milliseconds connect{10'000};
    std::chrono::milliseconds total{600'000};
    std::chrono::milliseconds idle{60'000};
    bool operator==(const TimeoutConfig&) const = default;
};

struct ConcurrencyConfig {
    int min = 1;
    int initial = 16;
    int max = 256;
    // Latency above `latency_spike_factor` × the running baseline counts as congestion.
    double latency_spike_factor = 2.0;
    // "demand": until the provider first answers, demand raises the limit up to max (nothing is
    // known yet to limit on); "initial": the initial limit holds from the start (a server with
    // a fixed number of slots).
    bool cold_start_follows_demand = true;
    bool operator==(const ConcurrencyConfig&) const = default;
};

struct ProviderConfig {
    std::string name;  // unique, e.g. "openai", "anthropic", "local"
    ProviderKind kind = ProviderKind::OpenAI;
    std::string base_url;      // resolved, up to and including /v1
    std::string base_url_ref;  // as written in the file (may hold ${ENV_VAR} references)
    std::string api_key_ref;  // as written in the file: "${ENV_VAR}", "secret:NAME" or empty
    std::string api_key;      // resolved at load; never saved, never logged
    std::string default_model;
    std::vector<std::string> models;
    std::string openai_version;     // OpenAI-Version header, when set
    std::string organization;       // OpenAI-Organization
    std::string project;            // OpenAI-Project
    std::string anthropic_version = "2023-06-01";
    Headers headers;                // extra static headers
    bool enabled = true;
    TimeoutConfig timeouts;
    ConcurrencyConfig concurrency;
    bool simulated = false;  // demo mode: base_url points at the built-in simulator
    bool operator==(const ProviderConfig&) const = default;
};

struct RetryConfig {
    int max_attempts = 4;  // attempts on one target, the first included
    std::chrono::milliseconds initial_delay{1'000};
    std::chrono::milliseconds max_delay{60'000};
    std::chrono::milliseconds jitter{1'000};            // delay += U(0, jitter)
    std::chrono::milliseconds retry_after_cap{60'000};  // a longer Retry-After is not waited for
    std::chrono::milliseconds deadline{120'000};        // total per request, retries included
    bool failover = true;
    // On a transient failure (429, 5xx, timeout) go to the tier's next target at once instead of
    // backing off on the same one; backoff resumes once every target was tried. Off when the key
    // is missing (the behaviour before it existed); the shipped config turns it on.
    bool failover_first = false;
    HedgeConfig hedge;
};

struct StoreConfig {
    std::string path;  // empty = <XDG data dir>/switchboard/switchboard.db
    std::size_t queue_capacity = 65'536;
    std::size_t batch_rows = 1'024;
    bool store_text = true;  // keep prompt and response text in the history
};

enum class DemoMode { Auto, On, Off };

struct DemoConfig {
    DemoMode mode = DemoMode::Auto;  // Auto: providers whose key is missing use the simulator
    std::string profile;             // simulator profile file; empty = resources/simulator/demo.json
};

struct PrivacyConfig {
    // Mask personal data and key-shaped secrets (security/redaction) in the history's text
    // and error messages, and in log lines.
    bool redact_history = false;
    bool redact_logs = true;
    // Store the history's prompt and response text Fernet-encrypted (security/field_cipher).
    bool encrypt_history = false;
    std::string history_key_file;  // empty = <config dir>/history.key (created 0600)
};

struct TransportPolicyConfig {
    // Hosts a provider may be reached over plain http:// besides loopback (local model
    // servers on a trusted network). Everything else must be https://, verified.
    std::vector<std::string> allow_http_hosts;
};

struct CostConfig {
    // A price file in the form of resources/pricing.json that replaces the built-in table;
    // empty = the built-in table. The Prices page saves edits there.
    std::string pricing;
};

struct BatchConfig {
    int max_concurrency = 64;
};

// "providers[1].base_url: must be https:// unless host is loopback"
struct ConfigError {
    std::string path;  // JSON path of the offending value ("" for the whole file)
    std::string rule;  // what it must be
    std::string to_string() const { return path.empty() ? rule : path + ": " + rule; }
};

struct Config {
    int version = 1;
    std::vector<ProviderConfig> providers;
    std::string default_provider;
    RetryConfig retry;
    StoreConfig store;
    DemoConfig demo;
    BatchConfig batch;
    CostConfig cost;
    PrivacyConfig privacy;
    TransportPolicyConfig transport;
    // From "routing"; a file without one gets fallback_routing() (all traffic to the default provider).
    RoutingConfig routing;
    CacheConfig cache;
    FleetConfig fleet;
    std::vector<Budget> budgets;
    // From "alerts"; a file without one gets default_alert_rules().
    AlertsConfig alerts;
    // Not errors, but worth telling the operator (e.g. a provider disabled for a missing key).
    std::vector<ConfigError> notes;

    const ProviderConfig* provider(std::string_view name) const;
};


// Where referenced values come from: env("NAME") answers an environment variable, and
// env("secret:NAME") an entry of the secret store. The applications pass
// process_environment() (security/secret_environment.h); tests pass their own.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// Parses and validates; every problem found is reported, not only the first.
std::expected<Config, std::vector<ConfigError>> parse_config(const nlohmann::json& json, const EnvLookup& env);
std::expected<Config, std::vector<ConfigError>> load_config(const std::filesystem::path& file, const EnvLookup& env);
nlohmann::json to_json(const Config& config);  // key references, never resolved keys
nlohmann::json to_json(const ProviderConfig& provider);  // as written: base_url_ref, api_key_ref

}  // namespace sb

namespace sb {

// The built-in defaults (resources/default-config.json, compiled in).
std::expected<Config, std::vector<ConfigError>> default_config(const EnvLookup& env);

}  // namespace sb

namespace sb {

// The user's config: `file` if not empty, else the XDG config file if it exists, else the
// built-in defaults. `source` (optional) receives what was read, for messages; a non-empty
// `demo_mode` ("auto", "on", "off") overrides demo.mode before validation.
std::expected<Config, std::vector<ConfigError>> load_user_config(const std::filesystem::path& file,
                                                                 const EnvLookup& env,
                                                                 std::string* source = nullptr,
                                                                 std::string_view demo_mode = {});

}  // namespace sb
