// The label values the Prometheus exporter shows at 0 before any request.
#include "engine/metric_labels.h"

#include "cache/cache_status.h"
#include "model/error.h"

namespace sb {

namespace {

// The code a failed attempt of `cls` most often carries in error_code_counter: the HTTP status
// the class is named for, or what the exporter writes when there was no response. A class seen
// with another code (a 502 server_transient) gets its own series beside this one. Empty: the
// class is never counted there (no failed upstream attempt has it).
std::string_view usual_code(ErrorClass cls) {
    switch (cls) {
        case ErrorClass::RateLimited:
            return "429";
        case ErrorClass::Overloaded:
            return "503";
        case ErrorClass::ServerTransient:
            return "500";
        case ErrorClass::Timeout:
            return "timeout";
        case ErrorClass::Network:
            return "network";
        case ErrorClass::Auth:
            return "401";
        case ErrorClass::Permission:
            return "403";
        case ErrorClass::BadRequest:
            return "400";
        case ErrorClass::ContextLength:
            return "400";
        case ErrorClass::RequestTooLarge:
            return "413";
        case ErrorClass::NotFound:
            return "404";
        case ErrorClass::QuotaExhausted:
            return "429";
        case ErrorClass::ContentFilter:
            return "400";
        case ErrorClass::MalformedResponse:
            return "200";  // a 2xx whose body could not be read
        case ErrorClass::Internal:
            return "network";  // a local failure: no HTTP response
        case ErrorClass::None:
        case ErrorClass::Cancelled:  // says nothing about the upstream: not counted
        case ErrorClass::Budget:     // refused before any attempt
            return {};
    }
    return {};
}

}  // namespace

KnownLabels known_metric_labels(const Config& config, const RoutingConfig& routing) {
    KnownLabels known;
    for (const auto& provider : config.providers) known.providers.push_back(provider.name);
    for (const auto& tier : routing.tiers)
        for (const auto& target : tier.targets) {
            const ProviderConfig* provider = config.provider(target.provider);
            if (!provider) continue;  // validation refuses such routing; nothing to show for it
            known.targets.push_back(
                {tier.name, target.provider, target.model.empty() ? provider->default_model : target.model});
        }
    known.statuses.emplace_back("ok");
    for (const ErrorClass cls : error_classes()) {
        if (cls == ErrorClass::None) continue;
        known.statuses.emplace_back(to_string(cls));
        if (const auto code = usual_code(cls); !code.empty())
            known.error_codes.push_back({std::string(code), std::string(to_string(cls))});
    }
    if (config.cache.enabled || config.cache.coalesce_in_flight)
        for (const CacheStatus status : {CacheStatus::Hit, CacheStatus::Miss, CacheStatus::Coalesced,
                                         CacheStatus::Skip, CacheStatus::Bypass})
            known.cache_results.emplace_back(to_string(status));
    if (config.cache.enabled && config.cache.semantic.enabled)
        known.cache_results.emplace_back(to_string(CacheStatus::SemanticHit));
    return known;
}

}  // namespace sb
