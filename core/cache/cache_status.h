#pragma once
// What the response cache did for one request; shown in history, headers and metrics.
#include <string_view>

namespace sb {

enum class CacheStatus {
    Off,        // caching is off, or the request is pinned somewhere caching does not apply
    Skip,       // a rule or the request itself said "do not cache" (never rule, no-store)
    Miss,       // looked up, not found; the answer may be stored
    Hit,        // answered from the cache
    SemanticHit,  // answered with the stored answer to a question close enough in meaning
    Coalesced,  // an identical request was already on its way; this one shared its answer
    Bypass,     // the cache store could not answer (Redis down or slow); sent upstream
};

constexpr std::string_view to_string(CacheStatus status) {
    switch (status) {
    case CacheStatus::Off: return "off";
    case CacheStatus::Skip: return "skip";
    case CacheStatus::Miss: return "miss";
    case CacheStatus::Hit: return "hit";
    case CacheStatus::SemanticHit: return "semantic";
    case CacheStatus::Coalesced: return "coalesced";
    case CacheStatus::Bypass: return "bypass";
    }
    return "?";
}

// Answered without an upstream call of its own: the answer was bought by another request.
constexpr bool served_from_cache(CacheStatus status) {
    return status == CacheStatus::Hit || status == CacheStatus::SemanticHit || status == CacheStatus::Coalesced;
}

}  // namespace sb
