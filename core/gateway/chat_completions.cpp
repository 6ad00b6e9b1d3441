#include "gateway/chat_completions.h"

#include <cstdio>
#include <chrono>
#include <mutex>
#include <optional>

#include "cache/cache_control.h"
#include "engine/engine.h"
#include "gateway/caller_auth.h"
#include "gateway/client_request.h"
#include "gateway/gateway_errors.h"
#include "gateway/model_list.h"
#include "gateway/sse_writer.h"
#include "model/request_id.h"
#include "providers/openai_response_writer.h"
#include "model/clock.h"

namespace sb {
namespace {

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

void respond_error(ResponseChannel& channel, const GatewayError& error, const std::string& request_id,
                   Headers extra = {}) {
    auto response = error_response(error);
    response.headers.emplace_back("x-request-id", request_id);
    for (auto& header : extra)
        if (header.first != "x-request-id") response.headers.push_back(std::move(header));
    channel.respond(std::move(response));
}

// One streamed answer. Engine callbacks for one request arrive one at a time, but from
// transport and scheduler threads, so the state is under a mutex.
class StreamState {
public:
    StreamState(std::shared_ptr<ResponseChannel> channel, std::string request_id, std::string model,
                bool usage)
        : m_channel(std::move(channel)),
          m_request_id(request_id),
          m_writer("chatcmpl-" + request_id, std::move(model), unix_seconds_now(), usage) {}

    void on_delta(const StreamDelta& delta) {
        std::lock_guard lock(m_mutex);
        begin();
        if (!delta.content.empty()) m_channel->send(m_writer.content(delta.content));
        // The finish chunk waits for the result: it then names the model that answered.
        if (!delta.finish_reason.empty()) m_finish_reason = delta.finish_reason;
    }

    void on_done(const RequestResult& result) {
        std::lock_guard lock(m_mutex);
        if (!result.ok()) {
            const auto error = gateway_error_for(result.outcome.error());
            if (!m_began) return respond_error(*m_channel, error, m_request_id, result_headers(result));
            m_channel->send(SseChunkWriter::event(error_json(error)));
            return m_channel->abort_stream();
        }
        begin();
        const auto& response = *result.outcome;
        if (!result.model.empty()) m_writer.set_model(result.model);
        m_channel->send(m_writer.finish(m_finish_reason.empty() ? response.finish_reason : m_finish_reason) +
                        m_writer.usage(response.usage) + SseChunkWriter::done());
        m_channel->end_stream(result_headers(result));
    }

private:
    void begin() {
        if (m_began) return;
        m_began = true;
        // Which target answers (and whether the cache did) is known only at the end: those
        // headers come as trailers, announced here.
        m_channel->begin_stream({{"content-type", "text/event-stream"},
                                 {"cache-control", "no-cache"},
                                 {"x-request-id", m_request_id},
                                 {"trailer",
                                  "x-switchboard-cache, x-switchboard-provider, x-switchboard-model, "
                                  "x-switchboard-tier, x-switchboard-cost-usd"}});
        m_channel->send(m_writer.role());
    }

    std::mutex m_mutex;
    std::shared_ptr<ResponseChannel> m_channel;
    std::string m_request_id;
    SseChunkWriter m_writer;
    bool m_began = false;
    std::string m_finish_reason;
};

}  // namespace

void ChatCompletions::handle(const GatewayRequest& http, const std::shared_ptr<ResponseChannel>& channel) {
    const std::string request_id = new_request_id();
    auto refuse = [&](const GatewayError& error) { respond_error(*channel, error, request_id); };

    auto authenticated = authenticate_caller(m_options, http.headers);
    if (!authenticated) return refuse(authenticated.error());
    const std::optional<GatewayCaller> caller = std::move(*authenticated);

    auto read = read_client_request(http.body);
    if (!read) return refuse(read.error());
    ChatRequest request = std::move(read->request);
    request.id = request_id;
    request.source = "gateway";
    if (auto cache_control = header_value(http.headers, "cache-control"))
        request.cache_policy = cache_policy_from_header(*cache_control);
    if (m_options.forward_sim_headers)
        for (const auto& [name, value] : http.headers)
            if (name.starts_with("x-sim-")) request.extra_headers.emplace_back(name, value);
    const std::string model = request.model;
    const bool stream = request.stream;
    const std::int64_t max_tokens = request.max_tokens.value_or(0);

    // Validated and routed once, here; refused from now on, it frees its route unsent.
    auto admitted = m_engine.admit(std::move(request));
    if (!admitted) return refuse(gateway_error_for(admitted.error()));
    if (!is_known_model(m_engine, model)) {
        auto error = not_found("The model `" + model + "` does not exist; GET /v1/models lists them", "model_not_found");
        error.param = "model";
        return refuse(error);
    }
    if (caller) {
        const auto estimate = m_engine.predict(*admitted).input_tokens + max_tokens;
        if (auto allowed = m_options.auth->admit(*caller, estimate); !allowed)
            return refuse(gateway_error_for(allowed.error()));
    }

    auto* auth = m_options.auth;
    auto charge = [auth, caller](const RequestResult& result) {
        if (caller && auth && result.ok())
            auth->charge(*caller, result.outcome->usage.total(), result.cost_usd.value_or(0.0));
    };
    Engine& engine = m_engine;
    channel->on_disconnect([&engine, request_id] { engine.cancel(request_id); });

    if (!stream) {
        m_engine.submit(std::move(*admitted), [channel, charge](RequestResult&& result) {
            charge(result);
            if (!result.ok())
                return respond_error(*channel, gateway_error_for(result.outcome.error()), result.request_id,
                                     result_headers(result));
            // Built on the connection's thread, not here on the transport thread.
            channel->respond_with([result = std::move(result)]() mutable {
                auto response = text_response(200, "application/json",
                                              chat_response_to_openai(*result.outcome, unix_seconds_now()));
                for (auto& header : result_headers(result)) response.headers.push_back(std::move(header));
                return response;
            });
        });
        return;
    }
    auto state = std::make_shared<StreamState>(channel, request_id, model.empty() ? "auto" : model, read->include_usage);
    m_engine.submit(
        std::move(*admitted),
        [state, charge](RequestResult&& result) {
            charge(result);
            state->on_done(result);
        },
        [state](const StreamDelta& delta) { state->on_delta(delta); });
}

}  // namespace sb
