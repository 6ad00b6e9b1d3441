#pragma once
// The "cache" section: whether answers are cached, where (in-process or Redis), how much,
// how many turns reach the key, and the rules that decide what is stored and for how long.
// Rules are evaluated in order, first match wins:
//   never — matching conversations are never cached (sensitive topics; personal data);
//   pin   — matching answers never expire until purged (price lists, opening hours…);
//   ttl   — matching answers live `ttl`.
// A pin or ttl rule with `semantic` opts its conversations into the semantic cache.
// A rule matches on keywords or a regex over the last user message, or on personal data
// anywhere in the conversation. No rule matched: stored for default_ttl.
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace sb {

struct ConfigError;

enum class CacheAction { Never, Pin, Ttl };
enum class CacheMatch { Keywords, Regex, PersonalData };
enum class CacheBackendKind { Memory, Redis };
std::string_view to_string(CacheAction action);
std::string_view to_string(CacheMatch match);
std::string_view to_string(CacheBackendKind kind);

struct CacheRule {
    std::string name;
    CacheAction action = CacheAction::Ttl;
    CacheMatch match = CacheMatch::Keywords;
    std::vector<std::string> keywords;
    std::string pattern;
    std::chrono::seconds ttl{3600};  // for Ttl rules
    bool enabled = true;
    bool semantic = false;  // its conversations may be answered by a stored answer to a question like theirs

    bool operator==(const CacheRule&) const = default;
};

struct RedisConfig {
    std::string host = "127.0.0.1";
    int port = 6379;
    int database = 0;
    std::string password_ref;  // "${REDIS_PASSWORD}" or empty; never a plain-text password
    std::string password;      // resolved at load; never saved, never logged
    std::string key_prefix = "switchboard:";
    std::chrono::milliseconds connect_timeout{200};
    std::chrono::milliseconds command_timeout{50};
};

// The similarity at or above which the semantic cache serves a stored answer. Read off
// bench_semantic_threshold (tools/bench semantic) run on the simulator's embedder
// (feature-hashed bags of words): the lowest threshold of its table whose false hits over the
// labelled pairs stay within 1% (0.5%, 1 of 212). That embedder serves no paraphrase at any
// threshold this safe (recall 0 of 137): word overlap cannot tell a paraphrase from a near
// miss. Measure the embedding model in use (the benchmark's --base-url) before turning the
// semantic cache on with it.
inline constexpr double kDefaultSemanticThreshold = 0.97;

// The semantic cache (opt-in): when the exact key misses, the last user turn's embedding is
// compared with the questions whose answers are stored in the same scope (system prompt,
// earlier turns, parameters, tier and target); a stored answer at least `threshold` similar
// is served. Applies to conversations of the listed tiers and to those a rule with `semantic`
// matches; never to those a "never" rule or the request keeps out.
struct SemanticCacheConfig {
    bool enabled = false;
    std::string model = "text-embedding-3-small";  // routed as POST /v1/embeddings is
    double threshold = kDefaultSemanticThreshold;
    std::chrono::seconds ttl{3600};          // how long a stored question can be matched
    std::size_t capacity = 10'000;           // questions per scope
    std::size_t max_scopes = 1'000;          // the least recently used scope goes first
    std::vector<std::string> tiers;          // tiers whose conversations take part
    bool operator==(const SemanticCacheConfig&) const = default;
};

struct CacheConfig {
    bool enabled = false;  // a config without a "cache" section caches nothing; the shipped default turns it on
    CacheBackendKind backend = CacheBackendKind::Memory;
    std::size_t max_bytes = std::size_t{256} << 20;  // in-process backend
    int turns = 3;                                   // turns that reach the key
    std::chrono::seconds default_ttl{3600};
    std::vector<CacheRule> rules;
    RedisConfig redis;
    // Identical requests in flight at the same time share one upstream call (single flight),
    // even with `enabled` false; then the key is the whole conversation and nothing is stored.
    // "never" rules still apply. Off when the key is missing; the shipped config turns it on.
    bool coalesce_in_flight = false;
    SemanticCacheConfig semantic;
};

// Cross-checks a parse cannot do alone (unique names, regexes compile, keywords present).
// Paths are relative to the section: "rules[2].pattern: …".
std::vector<ConfigError> validate_cache_rules(const std::vector<CacheRule>& rules);
nlohmann::json to_json(const CacheConfig& cache);
nlohmann::json to_json(const std::vector<CacheRule>& rules);

}  // namespace sb

namespace sb {

// Reads the section; every problem as "<path>.<field>: <rule>". The Redis password stays a
// reference here; parse_config resolves it.
CacheConfig parse_cache(const nlohmann::json& json, const std::string& path, std::vector<ConfigError>& errors);
// A "redis" object (the cache's, the fleet's): host, port, database, password reference, key
// prefix, timeouts; what it leaves out keeps its value in `defaults`. The password stays a
// reference here.
RedisConfig parse_redis(const nlohmann::json& json, const std::string& path, std::vector<ConfigError>& errors,
                        RedisConfig defaults = {});
nlohmann::json to_json(const RedisConfig& redis);
std::vector<CacheRule> parse_cache_rules(const nlohmann::json& json, const std::string& path,
                                         std::vector<ConfigError>& errors);

}  // namespace sb
