#pragma once
// What the response cache did for one request; shown in history, headers and metrics.
#include <string_view>

namespace sb {

enum class CacheStatus {
    Off,        // caching is off, or the request is pinned somewhere caching does not apply
    Skip,       // a rule or the request itself said "do not cache" (never rule, no-store)
    Miss,       // looked up, not found; the answer may be stored
    Hit,        // answered from the cache
    Coalesced,  // an identical request was already on its way; this one shared its answer
    Bypass,     // the cache store could not answer (Redis down or slow); sent upstream
};

constexpr std::string_view to_string(CacheStatus status) {
    switch (status) {
    case CacheStatus::Off: return "off";
    case CacheStatus::Skip: return "skip";
    case CacheStatus::Miss: return "miss";
    case CacheStatus::Hit: return "hit";
    case CacheStatus::Coalesced: return "coalesced";
    case CacheStatus::Bypass: return "bypass";
    }
    return "?";
}

}  // namespace sb
