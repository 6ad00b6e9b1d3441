#include "config/config.h"

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "config/config_reader.h"
#include "config/embedded_resources.h"
#include "config/env_expansion.h"
#include "config/paths.h"
#include "config/secret_reference.h"
#include "transport/url_policy.h"

namespace sb {

std::string_view to_string(ProviderKind kind) {
    switch (kind) {
    case ProviderKind::OpenAI: return "openai";
    case ProviderKind::Anthropic: return "anthropic";
    case ProviderKind::OpenAICompatible: return "openai_compatible";
    }
    return "openai";
}

const ProviderConfig* Config::provider(std::string_view name) const {
    for (const auto& p : providers)
        if (p.name == name) return &p;
    return nullptr;
}

namespace {

std::string_view demo_mode_name(DemoMode mode) {
    switch (mode) {
    case DemoMode::Auto: return "auto";
    case DemoMode::On: return "on";
    case DemoMode::Off: return "off";
    }
    return "auto";
}

// A base URL is an address, not a document: a longer one is a mistake.
constexpr std::size_t kMaxUrlLength = 2048;

void read_timeouts(ConfigReader& parent, TimeoutConfig& out, std::vector<ConfigError>& errors) {
    const auto* json = parent.raw("timeouts");
    if (!json) return;
    ConfigReader reader(*json, parent.child_path("timeouts"), errors);
    reader.read_ms("connect_ms", out.connect, 1, 600'000);
    reader.read_ms("total_ms", out.total, 1, 24LL * 3600 * 1000);
    reader.read_ms("idle_ms", out.idle, 1, 24LL * 3600 * 1000);
    reader.finish();
}

void read_concurrency(ConfigReader& parent, ConcurrencyConfig& out, std::vector<ConfigError>& errors) {
    const auto* json = parent.raw("concurrency");
    if (!json) return;
    ConfigReader reader(*json, parent.child_path("concurrency"), errors);
    reader.read("min", out.min, 1, 4096);
    reader.read("initial", out.initial, 1, 4096);
    reader.read("max", out.max, 1, 4096);
    reader.read("latency_spike_factor", out.latency_spike_factor, 1.1, 100.0);
    std::string cold_start = out.cold_start_follows_demand ? "demand" : "initial";
    reader.read("cold_start", cold_start);
    if (cold_start != "demand" && cold_start != "initial")
        reader.fail("cold_start", "must be \"demand\" or \"initial\"");
    out.cold_start_follows_demand = cold_start == "demand";
    reader.finish();
    if (out.min > out.max) errors.push_back({reader.child_path("min"), "must not exceed concurrency.max"});
    if (out.initial < out.min || out.initial > out.max)
        errors.push_back({reader.child_path("initial"), "must lie between concurrency.min and concurrency.max"});
}

std::optional<ProviderKind> kind_from_string(std::string_view text) {
    if (text == "openai") return ProviderKind::OpenAI;
    if (text == "anthropic") return ProviderKind::Anthropic;
    if (text == "openai_compatible") return ProviderKind::OpenAICompatible;
    return std::nullopt;
}

ProviderConfig read_provider(const nlohmann::json& json, const std::string& path, const Config& config,
                             const EnvLookup& env, std::vector<ConfigError>& errors, std::vector<ConfigError>& notes) {
    const DemoMode demo = config.demo.mode;
    ProviderConfig p;
    ConfigReader reader(json, path, errors);
    if (!reader.is_object()) return p;
    reader.read("name", p.name);
    static const std::regex name_pattern("^[a-z0-9][a-z0-9_-]{0,31}$");
    if (!std::regex_match(p.name, name_pattern))
        reader.fail("name", "must be 1-32 characters of a-z, 0-9, '_' or '-', starting with a letter or digit");

    std::string kind_text;
    reader.read("kind", kind_text);
    if (const auto kind = kind_from_string(kind_text)) p.kind = *kind;
    else reader.fail("kind", "must be one of openai, anthropic, openai_compatible");

    reader.read("base_url", p.base_url_ref);
    reader.read("api_key", p.api_key_ref);
    reader.read("default_model", p.default_model);
    reader.read("models", p.models);
    reader.read("openai_version", p.openai_version);
    reader.read("organization", p.organization);
    reader.read("project", p.project);
    reader.read("anthropic_version", p.anthropic_version);
    reader.read("enabled", p.enabled);
    if (const auto* headers = reader.raw("headers")) {
        if (!headers->is_object()) reader.fail("headers", "must be an object of header names to strings");
        else
            for (const auto& [name, value] : headers->items()) {
                if (!value.is_string()) errors.push_back({reader.child_path("headers") + "." + name, "must be a string"});
                else p.headers.emplace_back(to_lower(name), value.get<std::string>());
            }
    }
    read_timeouts(reader, p.timeouts, errors);
    read_concurrency(reader, p.concurrency, errors);
    reader.finish();

    if (p.default_model.empty()) reader.fail("default_model", "must name the model used when a request names none");

    // Keys live in the environment (or the secret store), never in the file itself.
    // With demo mode off, a provider whose key or URL is missing cannot work: it is disabled
    // and the reason is reported as a note, so the providers that are set up still run.
    std::optional<ConfigError> missing;
    if (const auto secret = secret_name(p.api_key_ref)) {
        const std::string name(*secret);
        if (!valid_secret_name(name))
            reader.fail("api_key", "secret:NAME must name a secret of " + std::string(kSecretNameRule));
        else if (auto value = env(p.api_key_ref))
            p.api_key = std::move(*value);
        else
            missing = ConfigError{reader.child_path("api_key"), "secret " + name + " is not in the secret store (" +
                                                                     default_secret_store_file().string() +
                                                                     "); add it with: switchboard-gateway secrets set " + name};
    } else if (!p.api_key_ref.empty()) {
        const auto key_ref = parse_single_reference(p.api_key_ref);
        if (!key_ref) {
            reader.fail("api_key", "must be an environment reference such as \"${OPENAI_API_KEY}\" or a secret reference "
                                   "such as \"secret:openai\"; plain-text keys are not allowed in the config");
        } else if (auto value = env(*key_ref)) {
            p.api_key = std::move(*value);
        } else {
            missing = ConfigError{reader.child_path("api_key"), "environment variable " + *key_ref + " is not set"};
        }
    } else if (p.kind != ProviderKind::OpenAICompatible) {
        missing = ConfigError{reader.child_path("api_key"), "is required for a " + std::string(to_string(p.kind)) + " provider"};
    }

    auto expanded = expand_environment(p.base_url_ref, env);
    if (p.base_url_ref.size() > kMaxUrlLength) {
        reader.fail("base_url", "must be at most " + std::to_string(kMaxUrlLength) + " characters");
    } else if (!expanded) {
        if (!missing) missing = ConfigError{reader.child_path("base_url"), expanded.error()};
    } else {
        p.base_url = std::move(*expanded);
        while (p.base_url.ends_with('/')) p.base_url.pop_back();
        if (p.base_url.empty()) {
            if (!missing) missing = ConfigError{reader.child_path("base_url"), "must not be empty"};
        } else if (const auto allowed = check_base_url(p.base_url, config.transport.allow_http_hosts); !allowed) {
            reader.fail("base_url", allowed.error());
        }
    }
    p.simulated = demo == DemoMode::On || (demo == DemoMode::Auto && missing);
    if (demo == DemoMode::Off && missing && p.enabled) {
        p.enabled = false;
        notes.push_back({missing->path, missing->rule + "; provider disabled (demo mode is off)"});
    }
    return p;
}

// A Redis password comes only from the environment (or the secret store): never plain text.
void resolve_redis_password(RedisConfig& redis, const std::string& path, const EnvLookup& env,
                            std::vector<ConfigError>& errors) {
    if (redis.password_ref.empty()) return;
    if (const auto name = parse_single_reference(redis.password_ref); !name)
        errors.push_back({path, "must be an environment reference such as \"${REDIS_PASSWORD}\"; "
                                "plain-text passwords are not allowed in the config"});
    else if (auto value = env(*name)) redis.password = std::move(*value);
    else errors.push_back({path, "environment variable " + *name + " is not set"});
}

}  // namespace

std::expected<Config, std::vector<ConfigError>> parse_config(const nlohmann::json& json, const EnvLookup& env) {
    std::vector<ConfigError> errors;
    Config config;
    ConfigReader root(json, "", errors);
    if (!root.is_object()) return std::unexpected(errors);

    root.read("version", config.version, 1, 1);

    if (const auto* demo_json = root.raw("demo")) {
        ConfigReader demo(*demo_json, "demo", errors);
        std::string mode = "auto";
        demo.read("mode", mode);
        if (mode == "auto") config.demo.mode = DemoMode::Auto;
        else if (mode == "on") config.demo.mode = DemoMode::On;
        else if (mode == "off") config.demo.mode = DemoMode::Off;
        else demo.fail("mode", "must be one of auto, on, off");
        demo.read("profile", config.demo.profile);
        demo.finish();
    }

    if (const auto* transport_json = root.raw("transport")) {
        ConfigReader transport(*transport_json, "transport", errors);
        transport.read("allow_http_hosts", config.transport.allow_http_hosts);
        for (auto& host : config.transport.allow_http_hosts) host = to_lower(host);
        transport.finish();
    }

    if (const auto* privacy_json = root.raw("privacy")) {
        ConfigReader privacy(*privacy_json, "privacy", errors);
        privacy.read("redact_history", config.privacy.redact_history);
        privacy.read("redact_logs", config.privacy.redact_logs);
        privacy.read("encrypt_history", config.privacy.encrypt_history);
        privacy.read("history_key_file", config.privacy.history_key_file);
        privacy.finish();
    }

    const auto* providers = root.raw("providers");
    if (!providers || !providers->is_array() || providers->empty()) {
        errors.push_back({"providers", "must be a non-empty array of providers"});
    } else {
        std::set<std::string> names;
        for (std::size_t i = 0; i < providers->size(); ++i) {
            const std::string path = "providers[" + std::to_string(i) + "]";
            auto provider = read_provider((*providers)[i], path, config, env, errors, config.notes);
            if (!provider.name.empty() && !names.insert(provider.name).second)
                errors.push_back({path + ".name", "must be unique (\"" + provider.name + "\" is used twice)"});
            config.providers.push_back(std::move(provider));
        }
    }

    root.read("default_provider", config.default_provider);
    if (config.default_provider.empty() && !config.providers.empty())
        config.default_provider = config.providers.front().name;
    else if (!config.providers.empty() && !config.provider(config.default_provider))
        errors.push_back({"default_provider", "must name one of the configured providers"});

    if (const auto* routing_json = root.raw("routing")) {
        const auto before = errors.size();
        config.routing = parse_routing(*routing_json, "routing", errors);
        // Cross-checks only on a section that read cleanly: a misspelt kind would otherwise
        // cascade into complaints about fields that kind does not have.
        if (errors.size() == before)
            for (auto& e : validate_routing(config.routing, config.providers))
                errors.push_back({e.path.empty() ? "routing" : "routing." + e.path, std::move(e.rule)});
    } else {
        config.routing = fallback_routing(config.providers, config.default_provider);
    }

    if (const auto* cache_json = root.raw("cache")) {
        config.cache = parse_cache(*cache_json, "cache", errors);
        resolve_redis_password(config.cache.redis, "cache.redis.password", env, errors);
    }

    if (const auto* fleet_json = root.raw("fleet")) {
        config.fleet = parse_fleet(*fleet_json, "fleet", errors);
        if (config.fleet.redis) resolve_redis_password(*config.fleet.redis, "fleet.redis.password", env, errors);
        // On one server and database, the cache's purges and counts (by its prefix) must not
        // reach the fleet's keys, nor the other way round.
        if (const auto& fleet = config.fleet.redis; fleet && config.cache.enabled &&
                                                     config.cache.backend == CacheBackendKind::Redis &&
                                                     fleet->host == config.cache.redis.host &&
                                                     fleet->port == config.cache.redis.port &&
                                                     fleet->database == config.cache.redis.database) {
            const auto& cache_prefix = config.cache.redis.key_prefix;
            if (fleet->key_prefix.starts_with(cache_prefix) || cache_prefix.starts_with(fleet->key_prefix))
                errors.push_back({"fleet.redis.key_prefix",
                                  "\"" + fleet->key_prefix + "\" and the cache's \"" + cache_prefix +
                                      "\" overlap on the same Redis database: purging the cache would delete the "
                                      "fleet's state. Give one a prefix the other does not start with, or another "
                                      "database"});
        }
    }

    if (const auto* budgets_json = root.raw("budgets")) {
        const auto before = errors.size();
        config.budgets = parse_budgets(*budgets_json, "budgets", errors);
        if (errors.size() == before) {
            std::vector<std::string> providers, tiers;
            for (const auto& p : config.providers) providers.push_back(p.name);
            for (const auto& t : config.routing.tiers) tiers.push_back(t.name);
            for (auto& e : validate_budgets(config.budgets, providers, tiers))
                errors.push_back({"budgets" + e.path, std::move(e.rule)});
        }
    }

    for (std::size_t i = 0; i < config.cache.semantic.tiers.size(); ++i) {
        const auto& name = config.cache.semantic.tiers[i];
        if (std::ranges::none_of(config.routing.tiers, [&](const auto& tier) { return tier.name == name; }))
            errors.push_back({"cache.semantic.tiers[" + std::to_string(i) + "]", "\"" + name + "\" is not a routing tier"});
    }

    if (const auto* alerts_json = root.raw("alerts")) config.alerts = parse_alerts(*alerts_json, "alerts", errors);

    if (const auto* retry_json = root.raw("retry")) {
        ConfigReader retry(*retry_json, "retry", errors);
        retry.read("max_attempts", config.retry.max_attempts, 1, 20);
        retry.read_ms("initial_delay_ms", config.retry.initial_delay, 0, 600'000);
        retry.read_ms("max_delay_ms", config.retry.max_delay, 0, 3'600'000);
        retry.read_ms("jitter_ms", config.retry.jitter, 0, 60'000);
        retry.read_ms("retry_after_cap_ms", config.retry.retry_after_cap, 0, 3'600'000);
        retry.read_ms("deadline_ms", config.retry.deadline, 1, 24LL * 3600 * 1000);
        retry.read("failover", config.retry.failover);
        retry.read("failover_first", config.retry.failover_first);
        if (const auto* hedge = retry.raw("hedge")) config.retry.hedge = parse_hedge(*hedge, retry.child_path("hedge"), errors);
        retry.finish();
        if (config.retry.initial_delay > config.retry.max_delay)
            retry.fail("initial_delay_ms", "must not exceed retry.max_delay_ms");
    }

    if (const auto* store_json = root.raw("store")) {
        ConfigReader store(*store_json, "store", errors);
        store.read("path", config.store.path);
        store.read("queue_capacity", config.store.queue_capacity, 1, 10'000'000);
        store.read("batch_rows", config.store.batch_rows, 1, 100'000);
        store.read("store_text", config.store.store_text);
        store.finish();
    }

    if (const auto* cost_json = root.raw("cost")) {
        ConfigReader cost(*cost_json, "cost", errors);
        cost.read("pricing", config.cost.pricing);
        cost.finish();
    }

    if (const auto* batch_json = root.raw("batch")) {
        ConfigReader batch(*batch_json, "batch", errors);
        batch.read("max_concurrency", config.batch.max_concurrency, 1, 4096);
        batch.finish();
    }
    root.finish();

    const bool any_enabled = std::any_of(config.providers.begin(), config.providers.end(),
                                         [](const ProviderConfig& p) { return p.enabled; });
    if (!config.providers.empty() && !any_enabled) {
        errors.push_back({"providers", "no provider is usable (set a key, or turn demo mode on)"});
        errors.insert(errors.end(), config.notes.begin(), config.notes.end());
    }
    if (!errors.empty()) return std::unexpected(std::move(errors));
    return config;
}

std::expected<Config, std::vector<ConfigError>> load_config(const std::filesystem::path& file, const EnvLookup& env) {
    if (file.empty()) return std::unexpected(std::vector<ConfigError>{{"", "no config file given"}});
    return load_user_config(file, env);
}

nlohmann::json to_json(const ProviderConfig& p) {
    nlohmann::json headers = nlohmann::json::object();
    for (const auto& [name, value] : p.headers) headers[name] = value;
    nlohmann::json item = {
        {"name", p.name},
        {"kind", to_string(p.kind)},
        {"base_url", p.base_url_ref},
        {"api_key", p.api_key_ref},
        {"default_model", p.default_model},
        {"models", p.models},
        {"enabled", p.enabled},
        {"headers", headers},
        {"timeouts",
         {{"connect_ms", p.timeouts.connect.count()}, {"total_ms", p.timeouts.total.count()}, {"idle_ms", p.timeouts.idle.count()}}},
        {"concurrency",
         {{"min", p.concurrency.min},
          {"initial", p.concurrency.initial},
          {"max", p.concurrency.max},
          {"latency_spike_factor", p.concurrency.latency_spike_factor},
          {"cold_start", p.concurrency.cold_start_follows_demand ? "demand" : "initial"}}},
    };
    if (p.kind == ProviderKind::Anthropic) item["anthropic_version"] = p.anthropic_version;
    else {
        item["openai_version"] = p.openai_version;
        item["organization"] = p.organization;
        item["project"] = p.project;
    }
    return item;
}

nlohmann::json to_json(const Config& config) {
    nlohmann::json providers = nlohmann::json::array();
    for (const auto& p : config.providers) providers.push_back(to_json(p));
    return {
        {"version", config.version},
        {"default_provider", config.default_provider},
        {"providers", providers},
        {"retry",
         {{"max_attempts", config.retry.max_attempts},
          {"initial_delay_ms", config.retry.initial_delay.count()},
          {"max_delay_ms", config.retry.max_delay.count()},
          {"jitter_ms", config.retry.jitter.count()},
          {"retry_after_cap_ms", config.retry.retry_after_cap.count()},
          {"deadline_ms", config.retry.deadline.count()},
          {"failover", config.retry.failover},
          {"failover_first", config.retry.failover_first},
          {"hedge", to_json(config.retry.hedge)}}},
        {"store",
         {{"path", config.store.path},
          {"queue_capacity", config.store.queue_capacity},
          {"batch_rows", config.store.batch_rows},
          {"store_text", config.store.store_text}}},
        {"demo", {{"mode", demo_mode_name(config.demo.mode)}, {"profile", config.demo.profile}}},
        {"batch", {{"max_concurrency", config.batch.max_concurrency}}},
        {"cost", {{"pricing", config.cost.pricing}}},
        {"privacy",
         {{"redact_history", config.privacy.redact_history},
          {"redact_logs", config.privacy.redact_logs},
          {"encrypt_history", config.privacy.encrypt_history},
          {"history_key_file", config.privacy.history_key_file}}},
        {"transport", {{"allow_http_hosts", config.transport.allow_http_hosts}}},
        {"routing", to_json(config.routing)},
        {"cache", to_json(config.cache)},
        {"fleet", to_json(config.fleet)},
        {"budgets", to_json(config.budgets)},
        {"alerts", to_json(config.alerts)},
    };
}

}  // namespace sb

namespace sb {

std::expected<Config, std::vector<ConfigError>> default_config(const EnvLookup& env) {
    const auto json = nlohmann::json::parse(embedded_default_config(), nullptr, false);
    if (json.is_discarded()) return std::unexpected(std::vector<ConfigError>{{"", "built-in default config is not valid JSON"}});
    return parse_config(json, env);
}

}  // namespace sb

namespace sb {

namespace {

// The JSON text, or where and why it is not JSON: "line 3, column 14: syntax error while
// parsing object - unexpected '}'; expected string literal", so the operator can go to it.
std::expected<nlohmann::json, std::string> parse_json_text(const std::string& text) {
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& error) {
        const std::string what = error.what();
        constexpr std::string_view marker = "parse error at ";
        const auto at = what.find(marker);
        if (at != std::string::npos) return std::unexpected(what.substr(at + marker.size()));
        return std::unexpected("byte " + std::to_string(error.byte) + ": " + what);
    }
}

}  // namespace

std::expected<Config, std::vector<ConfigError>> load_user_config(const std::filesystem::path& file, const EnvLookup& env,
                                                                 std::string* source, std::string_view demo_mode) {
    std::filesystem::path chosen = file;
    if (chosen.empty() && std::filesystem::exists(default_config_file())) chosen = default_config_file();
    if (source) *source = chosen.empty() ? std::string("built-in defaults") : chosen.string();
    std::string text(embedded_default_config());
    if (!chosen.empty()) {
        std::ifstream in(chosen, std::ios::binary);
        if (!in) return std::unexpected(std::vector<ConfigError>{{"", "cannot read " + chosen.string()}});
        std::stringstream buffer;
        buffer << in.rdbuf();
        text = buffer.str();
    }
    auto parsed = parse_json_text(text);
    if (!parsed)
        return std::unexpected(std::vector<ConfigError>{{"", (chosen.empty() ? "the built-in defaults" : chosen.string()) +
                                                                 " is not valid JSON: " + parsed.error()}});
    auto json = std::move(*parsed);
    // The override goes in before validation: which providers are simulated depends on it.
    if (!demo_mode.empty() && json.is_object()) json["demo"]["mode"] = std::string(demo_mode);
    return parse_config(json, env);
}

}  // namespace sb
