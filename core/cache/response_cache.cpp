#include "cache/response_cache.h"

#include <algorithm>

#include "cache/cache_key.h"
#include "cache/memory_cache.h"
#include "cache/redis_cache.h"
#include "config/config.h"
#include "model/clock.h"

namespace sb {

namespace {

constexpr std::size_t kTrackedQuestions = 4096;
constexpr std::size_t kTopQuestions = 10;

bool complete_answer(const ChatResponse& response) {
    return response.finish_reason == "stop" && (!response.content.empty() || !response.tool_calls.empty());
}

}  // namespace

ResponseCache::ResponseCache(const CacheConfig& config, std::unique_ptr<CacheBackend> backend,
                             std::function<Clock::time_point()> now, std::unique_ptr<SemanticCache> semantic)
    : m_turns(config.turns),
      m_default_ttl(config.default_ttl),
      m_backend(std::move(backend)),
      m_now(now ? std::move(now) : [] { return Clock::now(); }),
      m_semantic(std::move(semantic)),
      m_rules(std::make_shared<const CacheRules>(config.rules, config.default_ttl)) {
    m_counts.backend = std::string(m_backend->name());
}

std::expected<std::unique_ptr<ResponseCache>, std::string> ResponseCache::create(const CacheConfig& config) {
    switch (config.backend) {
    case CacheBackendKind::Memory:
        return std::make_unique<ResponseCache>(
            config, std::make_unique<MemoryCache>(config.max_bytes), nullptr,
            config.semantic.enabled ? std::make_unique<SemanticCache>(config.semantic, nullptr) : nullptr);
    case CacheBackendKind::Redis: {
        // Never fails: a Redis that is down now is bypassed until it comes back.
        RedisCacheOptions options;
        options.host = config.redis.host;
        options.port = config.redis.port;
        options.password = config.redis.password;
        options.database = config.redis.database;
        options.key_prefix = config.redis.key_prefix;
        options.connect_timeout = config.redis.connect_timeout;
        options.command_timeout = config.redis.command_timeout;
        std::unique_ptr<SemanticCache> semantic;
        if (config.semantic.enabled)  // the fleet's questions in the stream, a bound on the stream
            semantic = std::make_unique<SemanticCache>(
                config.semantic, std::make_unique<RedisSemanticVectors>(options, config.semantic.capacity));
        return std::make_unique<ResponseCache>(config, RedisCache::create(std::move(options)), nullptr,
                                               std::move(semantic));
    }
    }
    return std::unexpected("cache.backend: unknown backend");
}

std::shared_ptr<const CacheRules> ResponseCache::current_rules() const {
    std::lock_guard lock(m_rules_mutex);
    return m_rules;
}

CacheLookup ResponseCache::lookup(const ChatRequest& request, std::string_view target, std::string_view tier) {
    CacheLookup lookup;
    if (request.cache_policy == CachePolicy::NoStore) {
        lookup.status = CacheStatus::Skip;
        lookup.decision.store = false;
        lookup.decision.reason = "the request said no-store";
        std::lock_guard lock(m_stats_mutex);
        ++m_counts.skipped;
        return lookup;
    }
    lookup.decision = current_rules()->decide(request);
    lookup.may_store = lookup.decision.store;
    if (!lookup.decision.store) {
        // A never-cache conversation is not looked up either: an answer stored before the
        // rule was added must not be served to it.
        lookup.status = CacheStatus::Skip;
        std::lock_guard lock(m_stats_mutex);
        ++m_counts.skipped;
        return lookup;
    }
    lookup.key = cache_key(request, target, m_turns);
    lookup.question = question_for_display(last_user_text(request));
    if (request.cache_policy == CachePolicy::NoCache) {
        lookup.status = CacheStatus::Miss;
        lookup.decision.reason += "; the request said no-cache (a fresh answer is stored)";
        std::lock_guard lock(m_stats_mutex);
        ++m_counts.lookups;
        ++m_counts.misses;
        return lookup;
    }
    auto found = m_backend->get(lookup.key);
    std::optional<CachedAnswer> answer;
    if (found && *found) answer = parse_cached_answer(**found);
    {
        std::lock_guard lock(m_stats_mutex);
        ++m_counts.lookups;
        if (!found) {
            lookup.status = CacheStatus::Bypass;
            lookup.error = found.error();
            ++m_counts.bypassed;
            return lookup;
        }
        if (!answer) {
            lookup.status = CacheStatus::Miss;
            ++m_counts.misses;
        }
    }
    if (!answer) {
        if (m_semantic) {
            auto question = m_semantic->question_of(request, lookup.decision, tier, target, m_turns);
            if (question) lookup.semantic = std::move(*question);
            else lookup.semantic_skip = std::move(question.error());
        }
        return lookup;
    }
    lookup.status = CacheStatus::Hit;
    lookup.answer = std::move(answer);
    count_hit(lookup.key, lookup.question, lookup.answer->cost_usd);
    return lookup;
}

void ResponseCache::count_hit(const std::string& key, const std::string& question, std::optional<double> saved) {
    std::lock_guard lock(m_stats_mutex);
    ++m_counts.hits;
    m_counts.saved_usd += saved.value_or(0.0);
    if (m_questions.size() >= kTrackedQuestions && !m_questions.contains(key)) {
        // Bounded: forget the questions seen once, which are not "top" anyway.
        std::erase_if(m_questions, [](const auto& item) { return item.second.hits <= 1; });
        if (m_questions.size() >= kTrackedQuestions) return;
    }
    auto& top = m_questions[key];
    if (top.question.empty()) top.question = question;
    ++top.hits;
}

bool ResponseCache::store(const CacheLookup& lookup, const ChatResponse& response, const std::string& provider,
                          std::optional<double> cost_usd) {
    if (!lookup.may_store || lookup.key.empty() || !complete_answer(response)) return false;
    const auto now = m_now();
    CacheEntry entry;
    entry.value = to_json_text(CachedAnswer{response, provider, cost_usd, unix_ms(now)});
    entry.rule = lookup.decision.rule;
    if (lookup.decision.ttl) entry.expires = now + *lookup.decision.ttl;
    if (!m_backend->put(lookup.key, std::move(entry))) return false;
    std::lock_guard lock(m_stats_mutex);
    ++m_counts.stored;
    return true;
}

std::optional<CachedAnswer> ResponseCache::semantic_answer(const SemanticMatch& match) {
    auto found = m_backend->get(match.key);
    if (!found || !*found) return std::nullopt;  // gone since (expired, evicted, purged): not served
    auto answer = parse_cached_answer(**found);
    if (!answer) return std::nullopt;
    m_semantic->count_hit();
    {
        std::lock_guard lock(m_stats_mutex);
        m_counts.saved_usd += answer->cost_usd.value_or(0.0);
    }
    return answer;
}

void ResponseCache::count_coalesced(std::optional<double> saved_usd) {
    std::lock_guard lock(m_stats_mutex);
    ++m_counts.coalesced;
    m_counts.saved_usd += saved_usd.value_or(0.0);
}

CachePreview ResponseCache::preview(const ChatRequest& request, std::string_view target) const {
    CachePreview preview;
    preview.target = std::string(target);
    preview.decision = current_rules()->decide(request);
    preview.key = cache_key(request, target, m_turns);
    preview.material = cache_key_material(request, target, m_turns);
    return preview;
}

std::vector<CacheRule> ResponseCache::rules() const { return current_rules()->rules(); }

std::expected<void, std::string> ResponseCache::set_rules(std::vector<CacheRule> rules) {
    if (auto errors = validate_cache_rules(rules); !errors.empty()) {
        std::string message = "the cache rules were not applied:";
        for (const auto& error : errors) message += "\n  rules" + error.to_string();
        return std::unexpected(message);
    }
    auto compiled = std::make_shared<const CacheRules>(std::move(rules), m_default_ttl);
    std::lock_guard lock(m_rules_mutex);
    m_rules = std::move(compiled);
    ++m_rules_version;
    return {};
}

std::size_t ResponseCache::purge_all() {
    const std::size_t n = m_backend->purge_all();
    if (m_semantic) m_semantic->clear();
    std::lock_guard lock(m_stats_mutex);
    m_questions.clear();
    return n;
}

std::size_t ResponseCache::purge_rule(std::string_view rule) { return m_backend->purge_rule(rule); }

ResponseCacheStats ResponseCache::stats() const {
    ResponseCacheStats stats;
    {
        std::lock_guard lock(m_stats_mutex);
        stats = m_counts;
        std::vector<TopQuestion> top;
        top.reserve(m_questions.size());
        for (const auto& [key, question] : m_questions) top.push_back(question);
        const auto n = std::min(kTopQuestions, top.size());
        std::partial_sort(top.begin(), top.begin() + static_cast<std::ptrdiff_t>(n), top.end(),
                          [](const TopQuestion& a, const TopQuestion& b) { return a.hits > b.hits; });
        top.resize(n);
        stats.top_questions = std::move(top);
    }
    stats.store = m_backend->stats();
    if (m_semantic) stats.semantic = m_semantic->stats();
    return stats;
}

}  // namespace sb
