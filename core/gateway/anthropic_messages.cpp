#include "gateway/anthropic_messages.h"

#include <mutex>

#include "engine/engine.h"
#include "gateway/anthropic_sse_writer.h"
#include "gateway/caller_auth.h"
#include "gateway/chat_admission.h"
#include "gateway/gateway_errors.h"
#include "model/request_id.h"
#include "providers/anthropic_response_writer.h"
#include "providers/anthropic_translation.h"

namespace sb {
namespace {

// A gateway error as Anthropic answers one: the same status and Retry-After, its body shape
// and error types, and the request id both as Anthropic names it and as the gateway does.
GatewayResponse anthropic_error_response(const GatewayError& error, const std::string& request_id,
                                         Headers extra = {}) {
    auto response = error_response(error);
    auto body = anthropic_error_json(anthropic_error_type_for_status(error.status), error.message);
    body["request_id"] = request_id;
    response.body = json_text(body);
    response.headers.emplace_back("request-id", request_id);
    response.headers.emplace_back("x-request-id", request_id);
    for (auto& header : extra)
        if (header.first != "x-request-id") response.headers.push_back(std::move(header));
    return response;
}

Headers anthropic_result_headers(const RequestResult& result) {
    Headers headers = result_headers(result);
    headers.emplace_back("request-id", result.request_id);
    return headers;
}

// One streamed answer. Engine callbacks for one request arrive one at a time, but from
// transport and scheduler threads, so the state is under a mutex.
class AnthropicStream {
public:
    AnthropicStream(std::shared_ptr<ResponseChannel> channel, std::string request_id, std::string model)
        : m_channel(std::move(channel)),
          m_request_id(request_id),
          m_writer("msg_" + request_id, std::move(model)) {}

    void on_delta(const StreamDelta& delta) {
        std::lock_guard lock(m_mutex);
        begin();
        if (auto events = m_writer.delta(delta); !events.empty()) m_channel->send(std::move(events));
    }

    void on_done(const RequestResult& result) {
        std::lock_guard lock(m_mutex);
        if (!result.ok()) {
            const auto error = gateway_error_for(result.outcome.error());
            if (!m_began)
                return m_channel->respond(
                    anthropic_error_response(error, m_request_id, result_headers(result)));
            m_channel->send(
                AnthropicSseWriter::error(anthropic_error_type_for_status(error.status), error.message));
            return m_channel->abort_stream();
        }
        begin();
        m_channel->send(m_writer.finish(*result.outcome));
        m_channel->end_stream(anthropic_result_headers(result));
    }

private:
    void begin() {
        if (m_began) return;
        m_began = true;
        // Which target answers (and whether the cache did) is known only at the end: those
        // headers come as trailers, announced here.
        m_channel->begin_stream({{"content-type", "text/event-stream"},
                                 {"cache-control", "no-cache"},
                                 {"request-id", m_request_id},
                                 {"x-request-id", m_request_id},
                                 {"trailer", std::string(kResultTrailers)}});
    }

    std::mutex m_mutex;
    std::shared_ptr<ResponseChannel> m_channel;
    std::string m_request_id;
    AnthropicSseWriter m_writer;
    bool m_began = false;
};

}  // namespace

void AnthropicMessages::handle(const GatewayRequest& http, const std::shared_ptr<ResponseChannel>& channel) {
    const std::string request_id = new_request_id();
    auto refuse = [&](const GatewayError& error) {
        channel->respond(anthropic_error_response(error, request_id));
    };

    auto authenticated = authenticate_caller(m_options, http.headers, KeyHeaders::BearerOrXApiKey);
    if (!authenticated) return refuse(authenticated.error());
    // Anthropic refuses a request without it; any version is taken (the body is read as today's).
    if (!header_value(http.headers, "anthropic-version"))
        return refuse(invalid_request("anthropic-version: header is required"));
    const auto body = nlohmann::json::parse(http.body, nullptr, false);
    if (body.is_discarded()) return refuse(invalid_request("the body is not valid JSON (UTF-8)"));
    auto read = chat_request_from_anthropic(body);
    if (!read) return refuse(gateway_error_for(read.error()));
    ChatRequest request = std::move(*read);
    request.id = request_id;
    const std::string model = request.model;
    const bool stream = request.stream;
    auto admission = admit_chat(m_engine, m_options, *authenticated, std::move(request), http, channel);
    if (!admission) return refuse(admission.error());
    auto charge = std::move(admission->charge);

    if (!stream) {
        m_engine.submit(std::move(admission->admitted), [channel, charge](RequestResult&& result) {
            charge(result);
            if (!result.ok())
                return channel->respond(anthropic_error_response(gateway_error_for(result.outcome.error()),
                                                                 result.request_id, result_headers(result)));
            // Built on the connection's thread, not here on the transport thread.
            channel->respond_with([result = std::move(result)]() mutable {
                auto response =
                    text_response(200, "application/json",
                                  chat_response_to_anthropic(*result.outcome, "msg_" + result.request_id));
                for (auto& header : anthropic_result_headers(result))
                    response.headers.push_back(std::move(header));
                return response;
            });
        });
        return;
    }
    auto state = std::make_shared<AnthropicStream>(channel, request_id, model);
    m_engine.submit(
        std::move(admission->admitted),
        [state, charge](RequestResult&& result) {
            charge(result);
            state->on_done(result);
        },
        [state](const StreamDelta& delta) { state->on_delta(delta); });
}

}  // namespace sb
