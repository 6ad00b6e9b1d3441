#include "gateway/responses_endpoint.h"

#include <mutex>
#include <nlohmann/json.hpp>

#include "engine/engine.h"
#include "gateway/caller_auth.h"
#include "gateway/chat_admission.h"
#include "gateway/gateway_errors.h"
#include "gateway/responses_sse_writer.h"
#include "model/clock.h"
#include "model/request_id.h"
#include "providers/responses_translation.h"

namespace sb {
namespace {

// The request as its answer echoes it (tools, instructions, sampling settings): all of it but
// the conversation, which may weigh megabytes of media and is not echoed.
ChatRequest answer_echo_of(const ChatRequest& request) {
    ChatRequest echo;
    echo.model = request.model;
    echo.temperature = request.temperature;
    echo.top_p = request.top_p;
    echo.max_tokens = request.max_tokens;
    echo.tools = request.tools;
    echo.tool_choice = request.tool_choice;
    echo.parallel_tool_calls = request.parallel_tool_calls;
    echo.response_format = request.response_format;
    echo.passthrough_body = nlohmann::json::object();
    for (const auto& [key, value] : request.passthrough_body.items())
        if (key != "input") echo.passthrough_body[key] = value;
    return echo;
}

// One streamed answer. Engine callbacks for one request arrive one at a time, but from
// transport and scheduler threads, so the state is under a mutex.
class ResponsesStreamState {
public:
    ResponsesStreamState(std::shared_ptr<ResponseChannel> channel, std::string request_id,
                         const ChatRequest& request, std::string response_id, std::int64_t created_at)
        : m_channel(std::move(channel)),
          m_request_id(std::move(request_id)),
          m_writer(request, std::move(response_id), created_at,
                   request.model.empty() ? "auto" : request.model) {}

    void on_delta(const StreamDelta& delta) {
        std::lock_guard lock(m_mutex);
        send(m_writer.on_delta(delta));
    }

    void on_done(const RequestResult& result) {
        std::lock_guard lock(m_mutex);
        if (!result.ok()) {
            const auto error = gateway_error_for(result.outcome.error());
            if (!m_began)
                return refuse_request(*m_channel, error, m_request_id, result_headers(result));
            m_channel->send(m_writer.failure(error));
            return m_channel->abort_stream();
        }
        send(m_writer.finish(*result.outcome));
        m_channel->end_stream(result_headers(result));
    }

private:
    // The stream begins with its first event, so a request that fails before any can still be
    // answered with an HTTP error.
    void send(std::string events) {
        if (events.empty()) return;
        if (!m_began) {
            m_began = true;
            // Which target answers is known only at the end: those headers come as trailers.
            m_channel->begin_stream({{"content-type", "text/event-stream"},
                                     {"cache-control", "no-cache"},
                                     {"x-request-id", m_request_id},
                                     {"trailer", std::string(kResultTrailers)}});
        }
        m_channel->send(std::move(events));
    }

    std::mutex m_mutex;
    std::shared_ptr<ResponseChannel> m_channel;
    std::string m_request_id;
    ResponsesSseWriter m_writer;
    bool m_began = false;
};

}  // namespace

void ResponsesEndpoint::handle(const GatewayRequest& http, const std::shared_ptr<ResponseChannel>& channel) {
    const std::string request_id = new_request_id();
    auto refuse = [&](const GatewayError& error) { refuse_request(*channel, error, request_id); };

    auto authenticated = authenticate_caller(m_options, http.headers);
    if (!authenticated) return refuse(authenticated.error());
    const auto body = nlohmann::json::parse(http.body, nullptr, false);
    if (body.is_discarded()) return refuse(invalid_request("the body is not valid JSON (UTF-8)"));
    if (!body.is_object()) return refuse(invalid_request("the body must be a JSON object"));
    auto read = chat_request_from_responses(body);
    if (!read) return refuse(gateway_error_for(read.error()));
    ChatRequest request = std::move(*read);
    request.id = request_id;
    // A cached chat answer cannot stand in for a Responses answer an OpenAI target passes
    // through (its output items, ids and built-in tool results are not in a ChatResponse), and
    // one cache entry would then answer in two shapes: these requests neither read nor store.
    request.cache_policy = CachePolicy::NoStore;
    const std::string response_id = "resp_" + request_id;
    const std::int64_t created_at = unix_seconds_now();
    const bool stream = request.stream;
    std::shared_ptr<ResponsesStreamState> state;
    std::shared_ptr<const ChatRequest> echo;
    if (stream)
        state = std::make_shared<ResponsesStreamState>(channel, request_id, request, response_id, created_at);
    else
        echo = std::make_shared<const ChatRequest>(answer_echo_of(request));

    auto admission = admit_chat(m_engine, m_options, *authenticated, std::move(request), http, channel);
    if (!admission) return refuse(admission.error());
    auto admitted = std::move(admission->admitted);
    auto charge = std::move(admission->charge);

    if (!stream) {
        m_engine.submit(
            std::move(admitted), [channel, charge, echo, response_id, created_at](RequestResult&& result) {
                charge(result);
                if (!result.ok())
                    return refuse_request(*channel, gateway_error_for(result.outcome.error()),
                                                    result.request_id, result_headers(result));
                // Built on the connection's thread, not here on the transport thread.
                channel->respond_with([result = std::move(result), echo, response_id, created_at]() mutable {
                    auto response = text_response(
                        200, "application/json",
                        chat_response_to_responses(*result.outcome, *echo, response_id, created_at));
                    for (auto& header : result_headers(result)) response.headers.push_back(std::move(header));
                    return response;
                });
            });
        return;
    }
    m_engine.submit(
        std::move(admitted),
        [state, charge](RequestResult&& result) {
            charge(result);
            state->on_done(result);
        },
        [state](const StreamDelta& delta) { state->on_delta(delta); });
}

}  // namespace sb
