#include "gateway/chat_admission.h"

#include <cstdio>

#include "cache/cache_control.h"
#include "gateway/model_list.h"

namespace sb {

void refuse_request(ResponseChannel& channel, const GatewayError& error, const std::string& request_id,
                    Headers extra) {
    auto response = error_response(error);
    response.headers.emplace_back("x-request-id", request_id);
    for (auto& header : extra)
        if (header.first != "x-request-id") response.headers.push_back(std::move(header));
    channel.respond(std::move(response));
}

Headers result_headers(const RequestResult& result) {
    Headers headers = {{"x-request-id", result.request_id},
                       {"x-switchboard-cache", std::string(to_string(result.cache))},
                       {"x-switchboard-provider", result.provider},
                       {"x-switchboard-model", result.model},
                       {"x-switchboard-tier", result.tier}};
    if (result.cost_usd) {
        char cost[32];
        std::snprintf(cost, sizeof cost, "%.8f", *result.cost_usd);
        headers.emplace_back("x-switchboard-cost-usd", cost);
    }
    return headers;
}

std::expected<AdmittedChat, GatewayError> admit_chat(Engine& engine, const GatewayOptions& options,
                                                     const std::optional<GatewayCaller>& caller, ChatRequest request,
                                                     const GatewayRequest& http,
                                                     const std::shared_ptr<ResponseChannel>& channel) {
    request.source = "gateway";
    // The header may tighten what the endpoint decided, never loosen it.
    if (auto cache_control = header_value(http.headers, "cache-control"); cache_control && request.cache_policy != CachePolicy::NoStore)
        request.cache_policy = cache_policy_from_header(*cache_control);
    if (options.forward_sim_headers)
        for (const auto& [name, value] : http.headers)
            if (name.starts_with("x-sim-")) request.extra_headers.emplace_back(name, value);
    const std::string model = request.model;
    const std::int64_t max_tokens = request.max_tokens.value_or(0);
    const std::string request_id = request.id;

    // Validated and routed once, here; refused from now on, it frees its route unsent.
    auto admitted = engine.admit(std::move(request));
    if (!admitted) return std::unexpected(gateway_error_for(admitted.error()));
    if (!is_known_model(engine, model)) {
        auto error = not_found("The model `" + model + "` does not exist; GET /v1/models lists them", "model_not_found");
        error.param = "model";
        return std::unexpected(std::move(error));
    }
    if (caller) {
        const auto estimate = engine.predict(*admitted).input_tokens + max_tokens;
        if (auto allowed = options.auth->admit(*caller, estimate); !allowed)
            return std::unexpected(gateway_error_for(allowed.error()));
    }
    auto* auth = options.auth;
    auto charge = [auth, caller](const RequestResult& result) {
        if (caller && auth && result.ok())
            auth->charge(*caller, result.outcome->usage.total(), result.cost_usd.value_or(0.0));
    };
    channel->on_disconnect([&engine, request_id] { engine.cancel(request_id); });
    return AdmittedChat{std::move(*admitted), std::move(charge)};
}

}  // namespace sb
