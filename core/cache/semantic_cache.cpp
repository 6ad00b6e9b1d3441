// Which conversations the semantic cache takes, their scopes, and the questions it holds.
#include "cache/semantic_cache.h"

#include <algorithm>

#include "cache/cache_key.h"
#include "model/clock.h"

namespace sb {

SemanticCache::SemanticCache(SemanticCacheConfig config, std::unique_ptr<RedisSemanticVectors> shared,
                             std::function<Clock::time_point()> now)
    : m_config(std::move(config)),
      m_shared(std::move(shared)),
      m_now(now ? std::move(now) : [] { return Clock::now(); }) {}

std::expected<SemanticQuestion, std::string> SemanticCache::question_of(const ChatRequest& request,
                                                                        const CacheDecision& decision,
                                                                        std::string_view tier, std::string_view target,
                                                                        int turns) const {
    if (request.wire == WireApi::OpenAIEmbeddings) return std::unexpected(std::string("an embeddings request"));
    if (!decision.store) return std::unexpected("kept out of the cache: " + decision.reason);
    const bool tier_listed = std::ranges::find(m_config.tiers, tier) != m_config.tiers.end();
    if (!decision.semantic && !tier_listed)
        return std::unexpected(tier.empty() ? std::string("no tier, and no rule with \"semantic\" matched")
                                            : "tier " + std::string(tier) + " is not listed, and no rule with \"semantic\" matched");
    const auto last = std::ranges::find_if(request.messages.rbegin(), request.messages.rend(),
                                           [](const Message& m) { return m.role == Role::User; });
    if (last == request.messages.rend() || last->content.empty())
        return std::unexpected(std::string("the conversation ends without a user question in words"));
    if (!last->parts.empty() && std::ranges::any_of(last->parts, [](const ContentPart& part) {
            return part.kind != ContentPart::Kind::Text;
        }))
        return std::unexpected(std::string("the question carries an image or a file, which its words do not describe"));
    // Everything but the question itself must be equal: the key's material with the question blanked.
    ChatRequest context = request;
    auto& question = context.messages[static_cast<std::size_t>(std::distance(last, request.messages.rend()) - 1)];
    question.content.clear();
    question.parts.clear();
    SemanticQuestion out;
    out.scope = semantic_scope(cache_key_material(context, target, turns), tier, target);
    out.text = last->content;
    out.display = question_for_display(last->content);
    return out;
}

SemanticIndexSet* SemanticCache::index_for(std::size_t dimensions) {
    std::lock_guard lock(m_mutex);
    if (!m_index)
        m_index = std::make_unique<SemanticIndexSet>(
            dimensions, m_config.capacity, std::chrono::duration_cast<std::chrono::milliseconds>(m_config.ttl),
            m_config.max_scopes);
    return m_index.get();
}

void SemanticCache::catch_up() {
    if (!m_shared) return;
    auto fresh = m_shared->fetch_new();
    if (!fresh) return count_error("reading the fleet's questions: " + fresh.error());
    for (auto& shared : *fresh) {
        const auto stored = Clock::time_point(std::chrono::milliseconds(shared.stored_ms));
        // Another model's vectors (another instance's config) cannot be compared with these.
        if (auto added = index_for(shared.vector.size())->add(shared.scope, std::move(shared.key), shared.vector,
                                                                stored, std::move(shared.question));
            !added)
            count_error("a question from the fleet: " + added.error());
    }
}

std::expected<std::optional<SemanticMatch>, std::string> SemanticCache::peek(const SemanticQuestion& question,
                                                                             std::span<const float> vector) {
    catch_up();
    return index_for(vector.size())->nearest(question.scope, vector, m_now());
}

std::expected<std::optional<SemanticMatch>, std::string> SemanticCache::nearest(const SemanticQuestion& question,
                                                                                std::span<const float> vector) {
    ++m_lookups;
    auto found = peek(question, vector);
    if (!found) count_error("the search: " + found.error());
    return found;
}

void SemanticCache::count_error(std::string message) {
    ++m_errors;
    std::lock_guard lock(m_mutex);
    m_last_error = std::move(message);
}

void SemanticCache::remember(const SemanticQuestion& question, const std::string& key, std::vector<float> vector) {
    const auto now = m_now();
    if (auto added = index_for(vector.size())->add(question.scope, key, vector, now, question.display); !added)
        return count_error("storing a question: " + added.error());
    ++m_stored;
    if (m_shared)
        m_shared->publish(SharedQuestion{question.scope, key, question.display, std::move(vector), unix_ms(now)});
}

void SemanticCache::clear() {
    std::lock_guard lock(m_mutex);
    if (m_index) m_index->clear();
}

SemanticCacheStats SemanticCache::stats() const {
    SemanticCacheStats stats;
    stats.model = m_config.model;
    stats.threshold = m_config.threshold;
    stats.lookups = m_lookups.load();
    stats.hits = m_hits.load();
    stats.errors = m_errors.load();
    stats.stored = m_stored.load();
    {
        std::lock_guard lock(m_mutex);
        if (m_index) {
            stats.entries = m_index->size();
            stats.scopes = m_index->scopes();
        }
        stats.last_error = m_last_error;
    }
    if (m_shared) stats.shared = m_shared->stats();
    return stats;
}

}  // namespace sb
