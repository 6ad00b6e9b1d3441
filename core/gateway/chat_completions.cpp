#include "gateway/chat_completions.h"

#include <chrono>
#include <mutex>
#include <optional>
#include <vector>

#include "engine/engine.h"
#include "gateway/caller_auth.h"
#include "gateway/chat_admission.h"
#include "gateway/client_request.h"
#include "gateway/gateway_errors.h"
#include "gateway/sse_writer.h"
#include "model/request_id.h"
#include "providers/openai_response_writer.h"
#include "model/clock.h"

namespace sb {
namespace {

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
        if (delta.choice < 0 || delta.choice >= kMaxChoices) return;
        begin();
        auto& choice = begin_choice(delta.choice);
        if (!delta.content.empty()) m_channel->send(m_writer.content(delta.content, delta.choice));
        if (!delta.tool_calls.empty()) m_channel->send(m_writer.tool_calls(delta.tool_calls, delta.choice));
        // The finish chunks wait for the result: they then name the model that answered.
        if (!delta.finish_reason.empty()) choice.finish_reason = delta.finish_reason;
    }

    void on_done(const RequestResult& result) {
        std::lock_guard lock(m_mutex);
        if (!result.ok()) {
            const auto error = gateway_error_for(result.outcome.error());
            if (!m_began) return refuse_request(*m_channel, error, m_request_id, result_headers(result));
            m_channel->send(SseChunkWriter::event(error_json(error)));
            return m_channel->abort_stream();
        }
        begin();
        begin_choice(0);
        const auto& response = *result.outcome;
        if (!result.model.empty()) m_writer.set_model(result.model);
        std::string tail;
        for (std::size_t i = 0; i < m_choices.size(); ++i) {
            if (!m_choices[i].began) continue;
            auto reason = m_choices[i].finish_reason;
            if (reason.empty()) reason = i == 0 ? response.finish_reason
                                         : i <= response.more_choices.size() ? response.more_choices[i - 1].finish_reason
                                                                             : std::string();
            tail += m_writer.finish(reason, static_cast<int>(i));
        }
        m_channel->send(tail + m_writer.usage(response.usage) + SseChunkWriter::done());
        m_channel->end_stream(result_headers(result));
    }

private:
    // OpenAI's own limit on n; deltas of other choices are dropped.
    static constexpr int kMaxChoices = 128;
    struct ChoiceStream {
        bool began = false;
        std::string finish_reason;
    };

    // Each choice opens with its role, as clients' stream readers require.
    ChoiceStream& begin_choice(int index) {
        if (static_cast<std::size_t>(index) >= m_choices.size()) m_choices.resize(index + 1);
        auto& choice = m_choices[index];
        if (!choice.began) {
            choice.began = true;
            m_channel->send(m_writer.role(index));
        }
        return choice;
    }

    void begin() {
        if (m_began) return;
        m_began = true;
        // Which target answers (and whether the cache did) is known only at the end: those
        // headers come as trailers, announced here.
        m_channel->begin_stream({{"content-type", "text/event-stream"},
                                 {"cache-control", "no-cache"},
                                 {"x-request-id", m_request_id},
                                 {"trailer", std::string(kResultTrailers)}});
    }

    std::mutex m_mutex;
    std::shared_ptr<ResponseChannel> m_channel;
    std::string m_request_id;
    SseChunkWriter m_writer;
    bool m_began = false;
    std::vector<ChoiceStream> m_choices;
};

}  // namespace

void ChatCompletions::handle(const GatewayRequest& http, const std::shared_ptr<ResponseChannel>& channel) {
    const std::string request_id = new_request_id();
    auto refuse = [&](const GatewayError& error) { refuse_request(*channel, error, request_id); };

    auto authenticated = authenticate_caller(m_options, http.headers);
    if (!authenticated) return refuse(authenticated.error());
    auto read = read_client_request(http.body);
    if (!read) return refuse(read.error());
    ChatRequest request = std::move(read->request);
    request.id = request_id;
    const std::string model = request.model;
    const bool stream = request.stream;
    auto admission = admit_chat(m_engine, m_options, *authenticated, std::move(request), http, channel);
    if (!admission) return refuse(admission.error());
    auto admitted = std::move(admission->admitted);
    auto charge = std::move(admission->charge);

    if (!stream) {
        m_engine.submit(std::move(admitted), [channel, charge](RequestResult&& result) {
            charge(result);
            if (!result.ok())
                return refuse_request(*channel, gateway_error_for(result.outcome.error()), result.request_id,
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
        std::move(admitted),
        [state, charge](RequestResult&& result) {
            charge(result);
            state->on_done(result);
        },
        [state](const StreamDelta& delta) { state->on_delta(delta); });
}

}  // namespace sb
