#include "gateway/gateway_routes.h"

#include <chrono>

#include "engine/engine.h"
#include "gateway/admin_api.h"
#include "gateway/caller_auth.h"
#include "gateway/gateway_errors.h"
#include "gateway/model_list.h"
#include "model/clock.h"

namespace sb {
namespace {

constexpr std::string_view kConsoleApiPrefix = "/admin/v1/";

bool is_chat_path(std::string_view path) {
    return path == "/v1/chat/completions" || path == "/chat/completions";
}

}  // namespace

GatewayRoutes::GatewayRoutes(Engine& engine, const GatewayOptions& options)
    : m_engine(engine),
      m_options(options),
      m_chat(engine, options),
      m_messages(engine, options),
      m_responses(engine, options),
      m_embeddings(engine, options),
      m_batch_passthrough(engine, options),
      m_started_unix_s(unix_seconds_now()) {}

void GatewayRoutes::handle(const GatewayRequest& request, const std::shared_ptr<ResponseChannel>& channel) {
    const auto& path = request.path;
    const auto& method = request.method;
    auto only = [&](std::string_view allowed) {
        // HEAD is GET without a body; the session drops the body.
        if (method == allowed || (allowed == "GET" && method == "HEAD")) return true;
        channel->respond(error_response(method_not_allowed(method, path, std::string(allowed))));
        return false;
    };

    if (is_chat_path(path)) {
        if (only("POST")) m_chat.handle(request, channel);
        return;
    }
    if (path == "/v1/messages") {
        if (only("POST")) m_messages.handle(request, channel);
        return;
    }
    if (path == "/v1/responses" || path == "/responses") {
        if (only("POST")) m_responses.handle(request, channel);
        return;
    }
    if (path == "/v1/embeddings" || path == "/embeddings") {
        if (only("POST")) m_embeddings.handle(request, channel);
        return;
    }
    if (OpenAIBatchPassthrough::handles(path)) return m_batch_passthrough.handle(request, channel);
    if (path == "/v1/models" || path == "/models") {
        if (only("GET")) channel->respond(models(request));
        return;
    }
    if (path == "/healthz") {
        if (only("GET")) channel->respond(json_response(200, {{"status", "ok"}}));
        return;
    }
    if (path == "/readyz") {
        if (only("GET")) channel->respond(ready());
        return;
    }
    if (path == "/metrics" && m_options.metrics_text) {
        if (only("GET"))
            channel->respond(
                text_response(200, "text/plain; version=0.0.4; charset=utf-8", m_options.metrics_text()));
        return;
    }
    if (path.starts_with(kConsoleApiPrefix) && m_options.console_api && !m_options.admin_key_sha256.empty()) {
        if (!admin_key_matches(bearer_token(request.headers), m_options.admin_key_sha256))
            return channel->respond(
                error_response(invalid_api_key("the admin API needs `Authorization: Bearer <admin key>`")));
        return m_options.console_api(request, channel);
    }
    if (const auto allowed = admin_methods(path); !allowed.empty() && !m_options.admin_key_sha256.empty()) {
        if (!admin_key_matches(bearer_token(request.headers), m_options.admin_key_sha256))
            return channel->respond(
                error_response(invalid_api_key("the admin API needs `Authorization: Bearer <admin key>`")));
        if (!(method == "GET" || (method == "PUT" && allowed == "GET, PUT")))
            return channel->respond(error_response(method_not_allowed(method, path, std::string(allowed))));
        return channel->respond(admin(request));
    }
    channel->respond(error_response(not_found(
        "Unknown request URL: " + method + " " + path + ". Please check the URL for typos.", "unknown_url")));
}

GatewayResponse GatewayRoutes::models(const GatewayRequest& request) const {
    if (auto caller = authenticate_caller(m_options, request.headers); !caller)
        return error_response(caller.error());
    return json_response(200, model_list(m_engine, m_started_unix_s));
}

GatewayResponse GatewayRoutes::ready() const {
    auto not_ready = [](std::string why) {
        return json_response(503, {{"status", "unavailable"}, {"reason", std::move(why)}});
    };
    if (m_stopping) return not_ready("shutting down");
    bool any_provider = false;
    for (const auto& provider : *m_engine.providers()) any_provider = any_provider || provider.enabled;
    if (!any_provider) return not_ready("no provider is enabled");
    bool any_target = false;
    for (const auto& state : m_engine.target_states())
        any_target =
            any_target || (state.enabled && state.provider_usable && state.circuit != CircuitState::Open &&
                           state.circuit != CircuitState::AuthFailed);
    if (!any_target)
        return not_ready("no routing target can take requests (disabled, or every circuit is open)");
    return json_response(200, {{"status", "ok"}});
}

GatewayResponse GatewayRoutes::admin(const GatewayRequest& request) const {
    if (!m_options.fleet_json) return handle_admin(m_engine, request);
    if (request.method == "PUT")
        return json_response(409, {{"error",
                                    {{"message", "this gateway is one of a fleet: PUT " + request.path +
                                                     " would change it alone. Apply through the console API (PUT "
                                                     "/admin/v1/routing or /admin/v1/cache/rules), which changes "
                                                     "every instance"},
                                     {"type", "invalid_request_error"},
                                     {"code", "fleet_member"}}}});
    auto response = handle_admin(m_engine, request);
    if (request.path == "/admin/stats" && response.status == 200) {
        auto body = nlohmann::json::parse(response.body, nullptr, false);
        if (body.is_object()) {
            body["fleet"] = nlohmann::json::parse(m_options.fleet_json(), nullptr, false);
            response = json_response(200, body);
        }
    }
    return response;
}

}  // namespace sb
