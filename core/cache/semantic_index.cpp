#include "cache/semantic_index.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <vector>

// Debian 12's hnswlib 0.6.2. Its header defines functions outside any namespace (cpuid,
// AVXCapable), so no other file of a program may include it. Its SSE search reads one link past
// a link list's end to prefetch the next candidate; AddressSanitizer reports that read.
#include <hnswlib/hnswlib.h>
#include <nlohmann/json.hpp>

#include "model/digest.h"

namespace sb {
namespace {

// The graph's shape: links per node, and how many candidates insertion and search keep.
// Search keeps more than hnswlib's default (10), so the entry closest to a question is found,
// not only one near it; with 5,000 entries of 1,536 dimensions a lookup took about 1 ms on
// two cores, a fraction of the embedding call before it.
constexpr std::size_t kSemanticLinks = 16;
constexpr std::size_t kSemanticBuildBreadth = 200;
constexpr std::size_t kSemanticSearchBreadth = 64;
// Slots allocated at first; doubled as entries arrive, up to the capacity.
constexpr std::size_t kSemanticFirstSlots = 64;

struct SemanticTextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

std::expected<std::vector<float>, std::string> semantic_unit_vector(std::span<const float> vector,
                                                                    std::size_t dimensions) {
    if (vector.size() != dimensions)
        return std::unexpected("the vector has " + std::to_string(vector.size()) + " dimensions, the index " +
                               std::to_string(dimensions));
    double squares = 0;
    for (const float value : vector) {
        if (!std::isfinite(value)) return std::unexpected(std::string("the vector holds a NaN or an infinity"));
        squares += static_cast<double>(value) * value;
    }
    if (squares == 0) return std::unexpected(std::string("a zero vector has no direction"));
    const double scale = 1 / std::sqrt(squares);
    std::vector<float> unit(vector.size());
    std::ranges::transform(vector, unit.begin(), [scale](float value) { return static_cast<float>(value * scale); });
    return unit;
}

}  // namespace

struct SemanticIndex::Impl {
    struct Entry {
        std::string key;
        hnswlib::labeltype label = 0;
        Clock::time_point added;
        std::string question;
    };
    using Entries = std::list<Entry>;  // oldest first

    Impl(std::size_t dimensions, std::size_t capacity)
        : capacity(capacity),
          space(dimensions),
          graph(&space, std::min(capacity, kSemanticFirstSlots), kSemanticLinks, kSemanticBuildBreadth) {
        graph.setEf(kSemanticSearchBreadth);
    }

    // Drops the entry; its label is marked deleted in the graph and waits for the next new key.
    void erase(Entries::iterator entry) {
        graph.markDelete(entry->label);
        free_labels.push_back(entry->label);
        by_key.erase(entry->key);
        by_age.erase(entry);
    }

    void expire(Clock::time_point now, std::chrono::milliseconds ttl) {
        while (!by_age.empty() && by_age.front().added + ttl <= now) erase(by_age.begin());
    }

    // A deleted label when there is one (addPoint then replaces its point), else the next new
    // one, with the graph grown to hold it.
    hnswlib::labeltype take_label() {
        if (!free_labels.empty()) {
            const auto label = free_labels.back();
            free_labels.pop_back();
            return label;
        }
        const hnswlib::labeltype label = by_label.size();
        if (label == graph.max_elements_) graph.resizeIndex(std::min(capacity, 2 * graph.max_elements_));
        by_label.emplace_back();
        return label;
    }

    // Kept in order of age even when callers' clocks interleave, so expiry stops at the first
    // entry still alive and eviction takes the oldest.
    void insert(std::string key, hnswlib::labeltype label, Clock::time_point added, std::string question) {
        auto position = by_age.end();
        while (position != by_age.begin() && std::prev(position)->added > added) --position;
        const auto entry = by_age.insert(position, Entry{std::move(key), label, added, std::move(question)});
        by_key.emplace(entry->key, entry);
        by_label[label] = entry;
    }

    const std::size_t capacity;
    hnswlib::InnerProductSpace space;  // the graph keeps a pointer to it
    hnswlib::HierarchicalNSW<float> graph;
    Entries by_age;
    std::unordered_map<std::string, Entries::iterator, SemanticTextHash, std::equal_to<>> by_key;
    std::vector<Entries::iterator> by_label;  // every label given out; a free label's is stale
    std::vector<hnswlib::labeltype> free_labels;
};

SemanticIndex::SemanticIndex(std::size_t dimensions, std::size_t capacity, std::chrono::milliseconds ttl)
    : m_dimensions(dimensions),
      m_capacity(std::max<std::size_t>(capacity, 1)),
      m_ttl(ttl),
      m_impl(std::make_unique<Impl>(m_dimensions, m_capacity)) {}

SemanticIndex::~SemanticIndex() = default;

std::expected<void, std::string> SemanticIndex::add(std::string key, std::span<const float> vector,
                                                    Clock::time_point now, std::string question) {
    const auto unit = semantic_unit_vector(vector, m_dimensions);
    if (!unit) return std::unexpected(unit.error());
    std::lock_guard lock(m_mutex);
    auto& impl = *m_impl;
    impl.expire(now, m_ttl);
    hnswlib::labeltype label = 0;
    if (const auto known = impl.by_key.find(key); known != impl.by_key.end()) {
        label = known->second->label;  // its point is replaced in place, its age renewed
        impl.by_age.erase(known->second);
        impl.by_key.erase(known);
    } else {
        if (impl.by_key.size() >= m_capacity) impl.erase(impl.by_age.begin());
        label = impl.take_label();
    }
    impl.graph.addPoint(unit->data(), label);
    impl.insert(std::move(key), label, now, std::move(question));
    return {};
}

std::expected<std::optional<SemanticMatch>, std::string> SemanticIndex::nearest(std::span<const float> vector,
                                                                                Clock::time_point now) {
    const auto unit = semantic_unit_vector(vector, m_dimensions);
    if (!unit) return std::unexpected(unit.error());
    std::lock_guard lock(m_mutex);
    auto& impl = *m_impl;
    impl.expire(now, m_ttl);
    if (impl.by_key.empty()) return std::nullopt;
    auto found = impl.graph.searchKnn(unit->data(), 1);  // deleted labels are never returned
    if (found.empty()) return std::nullopt;
    const auto [distance, label] = found.top();  // hnswlib's inner-product distance is 1 - similarity
    const auto& entry = *impl.by_label[label];
    return SemanticMatch{entry.key, 1.0 - static_cast<double>(distance), entry.question};
}

bool SemanticIndex::remove(std::string_view key) {
    std::lock_guard lock(m_mutex);
    const auto known = m_impl->by_key.find(key);
    if (known == m_impl->by_key.end()) return false;
    m_impl->erase(known->second);
    return true;
}

std::size_t SemanticIndex::size() const {
    std::lock_guard lock(m_mutex);
    return m_impl->by_key.size();
}

void SemanticIndex::clear() {
    std::lock_guard lock(m_mutex);
    m_impl = std::make_unique<Impl>(m_dimensions, m_capacity);  // gives the graph's memory back
}

std::string semantic_scope(std::string_view context, std::string_view tier, std::string_view target) {
    // A JSON array keeps the three apart: no choice of texts makes two scopes' material equal.
    const auto material = nlohmann::json::array({std::string(context), std::string(tier), std::string(target)});
    return "sem1:" + sha256_hex(material.dump());
}

SemanticIndexSet::SemanticIndexSet(std::size_t dimensions, std::size_t capacity_per_scope,
                                   std::chrono::milliseconds ttl, std::size_t max_scopes)
    : m_dimensions(dimensions),
      m_capacity_per_scope(capacity_per_scope),
      m_ttl(ttl),
      m_max_scopes(std::max<std::size_t>(max_scopes, 1)) {}

std::shared_ptr<SemanticIndex> SemanticIndexSet::find(std::string_view scope, bool create) {
    std::lock_guard lock(m_mutex);
    if (const auto known = m_by_name.find(scope); known != m_by_name.end()) {
        m_recent.splice(m_recent.begin(), m_recent, known->second);
        return known->second->index;
    }
    if (!create) return nullptr;
    if (m_recent.size() >= m_max_scopes) {
        m_by_name.erase(m_recent.back().name);
        m_recent.pop_back();
    }
    m_recent.push_front(
        Scope{std::string(scope), std::make_shared<SemanticIndex>(m_dimensions, m_capacity_per_scope, m_ttl)});
    m_by_name.emplace(m_recent.front().name, m_recent.begin());
    return m_recent.front().index;
}

std::expected<void, std::string> SemanticIndexSet::add(std::string_view scope, std::string key,
                                                       std::span<const float> vector, Clock::time_point now,
                                                       std::string question) {
    // Checked before the scope is made, so a refused vector cannot push a live scope out.
    if (const auto unit = semantic_unit_vector(vector, m_dimensions); !unit) return std::unexpected(unit.error());
    return find(scope, true)->add(std::move(key), vector, now, std::move(question));
}

std::expected<std::optional<SemanticMatch>, std::string> SemanticIndexSet::nearest(std::string_view scope,
                                                                                   std::span<const float> vector,
                                                                                   Clock::time_point now) {
    const auto index = find(scope, false);
    if (index) return index->nearest(vector, now);
    // No scope, no match; a vector the index would refuse is refused all the same.
    if (const auto unit = semantic_unit_vector(vector, m_dimensions); !unit) return std::unexpected(unit.error());
    return std::nullopt;
}

bool SemanticIndexSet::remove(std::string_view scope, std::string_view key) {
    const auto index = find(scope, false);
    return index && index->remove(key);
}

std::size_t SemanticIndexSet::size() const {
    std::lock_guard lock(m_mutex);
    std::size_t entries = 0;
    for (const auto& scope : m_recent) entries += scope.index->size();
    return entries;
}

std::size_t SemanticIndexSet::scopes() const {
    std::lock_guard lock(m_mutex);
    return m_by_name.size();
}

void SemanticIndexSet::clear() {
    std::lock_guard lock(m_mutex);
    m_by_name.clear();
    m_recent.clear();
}

}  // namespace sb
