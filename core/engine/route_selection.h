#pragma once
// Where a request goes first and where it fails over to. Wraps the Router with what only
// the engine knows: the configured providers (enabled, models, defaults), provider pins,
// and which request models are concrete models versus tier aliases:
//   - pinned provider (request.provider): that provider, no tier, no failover;
//   - a model some provider lists: that provider first, then the tier that serves the model;
//   - empty, "auto", a tier name or an alias: the classified tier's weighted choice;
//   - an unknown model: passed to the default provider (local servers name models freely),
//     failing over within the classified tier;
//   - embeddings: the providers listing the model, failing over among them alone (never to a
//     tier: another model's vectors mean nothing next to these).
// A target whose provider cannot take the request (provider_capabilities.h) is skipped, the
// reason added to the route's; when no target can, the request is refused with the reason.
// The providers and the routing are each swapped whole (set_providers(), update()).
#include <expected>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/config.h"
#include "model/chat.h"
#include "model/error.h"
#include "routing/router.h"

namespace sb {

struct RouteStart {
    TargetKey target;
    std::string tier;    // empty when pinned
    std::string reason;  // "keyword … → advanced; weighted: 60% of tier advanced"
    bool pinned = false;
    // The tier answers from the cache first: the cache key names the tier, so any of its
    // targets' answers serves a repeat. Otherwise the key names the concrete target.
    bool cache_first = false;
    // Chosen by the router's pick, which holds a half-open circuit's probe slot until the
    // target's outcome is recorded (a request dropped unsent records it as cancelled).
    bool picked = false;
};

class RouteSelection {
public:
    RouteSelection(const std::vector<ProviderConfig>& providers, std::string default_provider,
                   RoutingConfig routing, RouterOptions options);

    std::expected<RouteStart, Error> first(const ChatRequest& request);
    // The next target of `tier` not yet tried, or nullopt.
    std::optional<TargetChoice> next(const std::string& tier, const ChatRequest& request,
                                     std::span<const TargetKey> tried);
    void record(const TargetKey& target, ErrorClass error, std::chrono::microseconds latency);
    // Would a retry on `target` be shed by its circuit? Then failing over beats waiting.
    bool circuit_open(const TargetKey& target) const;

    std::vector<ConfigError> validate(const RoutingConfig& routing) const;
    void update(RoutingConfig routing);
    // A new provider set (checked by the caller against the routing); `changed` names the
    // providers whose connection changed, whose learnt circuits and latencies are reset.
    void set_providers(std::vector<ProviderConfig> providers, std::string default_provider,
                       const std::vector<std::string>& changed);
    RoutingConfig routing() const { return m_router.config(); }
    Classification classify(const ChatRequest& request) const { return m_router.classify(request); }
    std::expected<RouteStart, Error> preview(const ChatRequest& request) const;
    std::vector<TargetState> states() const { return m_router.states(); }

private:
    struct ModelIndex;  // the providers and what is derived from them and the routing; swapped whole
    struct Unfit;
    Unfit unfit_in(const ModelIndex& idx, const std::string& tier, const ChatRequest& request) const;
    static std::string not_sent(const ProviderConfig& provider, const ChatRequest& request);
    std::expected<RouteStart, Error> embeddings_route(const ModelIndex& idx, const ChatRequest& request) const;
    static std::optional<TargetChoice> next_embeddings_target(const ModelIndex& idx, const ChatRequest& request,
                                                              std::span<const TargetKey> tried);
    std::shared_ptr<const ModelIndex> index() const;
    void install(std::vector<ProviderConfig> providers, std::string default_provider, RoutingConfig routing);
    std::expected<RouteStart, Error> route(const ChatRequest& request, bool take) const;

    mutable Router m_router;
    mutable std::mutex m_index_mutex;
    std::shared_ptr<const ModelIndex> m_index;
};

}  // namespace sb
