// OpenAI Responses API answers: the response object, and its stream of typed events in the
// order openai-node's responses.stream() checks (response.created first, output items added at
// increasing indexes, a content part before its text deltas, increasing sequence numbers, and a
// final event carrying the complete response).
#include <nlohmann/json.hpp>

#include "model/clock.h"
#include "simulator/sim_fate.h"
#include "simulator/sim_wire.h"

namespace sb {

namespace {

using ojson = nlohmann::ordered_json;

struct SimResponsesIds {
    std::string response;
    std::string message;
    std::vector<std::string> call_items;  // fc_…, the items' ids
    std::vector<std::string> call_ids;    // call_…, what function_call_output answers
};

SimResponsesIds sim_responses_ids(std::uint64_t entropy, std::size_t calls)
{
    SimResponsesIds ids;
    ids.response = "resp_" + sim_random_chars(entropy, 48, true);
    ids.message = "msg_" + sim_random_chars(entropy ^ 0x3e55a6eULL, 48, true);
    for (std::size_t k = 0; k < calls; ++k) {
        ids.call_items.push_back("fc_" + sim_random_chars(sim_mix(entropy ^ 0xfcULL, k), 48, true));
        ids.call_ids.push_back("call_" + sim_random_chars(sim_mix(entropy ^ 0xca11ULL, k), 24, false));
    }
    return ids;
}

ojson sim_responses_text_part(const std::string& text)
{
    return ojson{{"type", "output_text"},
                 {"annotations", ojson::array()},
                 {"logprobs", ojson::array()},
                 {"text", text}};
}

ojson sim_responses_message_item(const std::string& id, const char* status, ojson content)
{
    return ojson{{"id", id},
                 {"type", "message"},
                 {"status", status},
                 {"content", std::move(content)},
                 {"role", "assistant"}};
}

ojson sim_responses_call_item(const SimResponsesIds& ids, std::size_t k, const SimToolCall& call,
                              const std::string& arguments, const char* status)
{
    return ojson{{"id", ids.call_items[k]}, {"type", "function_call"},    {"status", status},
                 {"arguments", arguments},  {"call_id", ids.call_ids[k]}, {"name", call.name}};
}

// One answer's output items, final or just opened, and the response object around them.
class SimResponsesAnswer {
public:
    SimResponsesAnswer(const SimChatRequest& request, const SimReply& reply, std::uint64_t entropy)
        : m_request(request),
          m_reply(reply),
          m_choice(reply.choices.front()),
          m_ids(sim_responses_ids(entropy, m_choice.tool_calls.size())),
          m_created_at(unix_seconds_now())
    {
    }

    const SimChoice& choice() const { return m_choice; }
    const SimResponsesIds& ids() const { return m_ids; }
    bool has_message() const { return !m_choice.pieces.empty() || m_choice.tool_calls.empty(); }
    const char* final_status() const { return m_choice.truncated ? "incomplete" : "completed"; }

    ojson final_message() const
    {
        return sim_responses_message_item(m_ids.message, final_status(),
                                          ojson::array({sim_responses_text_part(m_choice.text)}));
    }

    ojson final_output() const
    {
        ojson output = ojson::array();
        if (has_message())
            output.push_back(final_message());
        for (std::size_t k = 0; k < m_choice.tool_calls.size(); ++k)
            output.push_back(sim_responses_call_item(m_ids, k, m_choice.tool_calls[k],
                                                     m_choice.tool_calls[k].arguments, "completed"));
        return output;
    }

    // The response object: in progress (no output yet), or final.
    ojson response(bool final) const
    {
        const auto& settings = m_request.responses_settings;
        auto setting = [&](const char* key) { return ojson(settings.value(key, nlohmann::json())); };
        const bool incomplete = final && m_choice.truncated;
        ojson usage = nullptr;
        if (final) {
            usage = ojson{{"input_tokens", m_reply.prompt_tokens},
                          {"input_tokens_details", {{"cached_tokens", 0}}},
                          {"output_tokens", m_reply.completion_tokens},
                          {"output_tokens_details", {{"reasoning_tokens", 0}}},
                          {"total_tokens", m_reply.prompt_tokens + m_reply.completion_tokens}};
        }
        return ojson{
            {"id", m_ids.response},
            {"object", "response"},
            {"created_at", m_created_at},
            {"status", final ? final_status() : "in_progress"},
            {"background", setting("background")},
            {"error", nullptr},
            {"incomplete_details", incomplete ? ojson{{"reason", "max_output_tokens"}} : ojson(nullptr)},
            {"instructions", setting("instructions")},
            {"max_output_tokens", setting("max_output_tokens")},
            {"max_tool_calls", setting("max_tool_calls")},
            {"model", m_request.model},
            {"output", final ? final_output() : ojson::array()},
            {"parallel_tool_calls", setting("parallel_tool_calls")},
            {"previous_response_id", nullptr},
            {"prompt_cache_key", setting("prompt_cache_key")},
            {"reasoning", setting("reasoning")},
            {"safety_identifier", setting("safety_identifier")},
            {"service_tier", setting("service_tier")},
            {"store", setting("store")},
            {"temperature", setting("temperature")},
            {"text", setting("text")},
            {"tool_choice", setting("tool_choice")},
            {"tools", setting("tools")},
            {"top_logprobs", setting("top_logprobs")},
            {"top_p", setting("top_p")},
            {"truncation", setting("truncation")},
            {"usage", std::move(usage)},
            {"user", setting("user")},
            {"metadata", setting("metadata")},
        };
    }

private:
    const SimChatRequest& m_request;
    const SimReply& m_reply;
    const SimChoice& m_choice;
    SimResponsesIds m_ids;
    std::int64_t m_created_at;
};

// Typed events with increasing sequence numbers, each with its SSE event line.
class SimResponsesEvents {
public:
    SimResponsesEvents(std::vector<SimEvent>& events, bool obfuscate, std::uint64_t entropy)
        : m_events(events), m_obfuscate(obfuscate), m_entropy(entropy)
    {
    }

    void add(const char* type, ojson fields, bool paced = false)
    {
        ojson data{{"type", type}, {"sequence_number", m_sequence++}};
        for (auto& [key, value] : fields.items())
            data[key] = std::move(value);
        push(type, data, paced);
    }

    // A delta of text or arguments: paced, and padded like OpenAI's when asked.
    void delta(const char* type, ojson fields)
    {
        if (m_obfuscate)
            fields["obfuscation"] = sim_random_chars(m_entropy + m_sequence, m_sequence % 9 + 1, false);
        add(type, std::move(fields), true);
    }

    // The flat error event a failing stream ends with.
    void error()
    {
        const ojson data{
            {"type", "error"},
            {"code", "server_error"},
            {"message", "The server had an error while processing your request. Sorry about that!"},
            {"param", nullptr},
            {"sequence_number", m_sequence++}};
        push("error", data, true);
    }

private:
    void push(const char* type, const ojson& data, bool paced)
    {
        m_events.push_back({std::string("event: ") + type + "\ndata: " + data.dump() + "\n\n", paced});
    }

    std::vector<SimEvent>& m_events;
    bool m_obfuscate;
    std::uint64_t m_entropy;
    std::int64_t m_sequence = 0;
};

void sim_responses_stream(const SimResponsesAnswer& answer, bool include_obfuscation, std::uint64_t entropy,
                          bool stream_error, std::vector<SimEvent>& out)
{
    SimResponsesEvents events(out, include_obfuscation, entropy);
    events.add("response.created", {{"response", answer.response(false)}});
    events.add("response.in_progress", {{"response", answer.response(false)}});
    const auto& choice = answer.choice();
    const auto& ids = answer.ids();
    // A mid-stream error comes after two deltas.
    std::size_t deltas = 0;
    auto cut = [&] { return stream_error && deltas == 2; };
    std::size_t output_index = 0;
    if (answer.has_message()) {
        const auto& id = ids.message;
        events.add("response.output_item.added",
                   {{"output_index", output_index},
                    {"item", sim_responses_message_item(id, "in_progress", ojson::array())}});
        events.add("response.content_part.added", {{"item_id", id},
                                                   {"output_index", output_index},
                                                   {"content_index", 0},
                                                   {"part", sim_responses_text_part("")}});
        for (std::size_t i = 0; i < choice.pieces.size() && !cut(); ++i, ++deltas) {
            events.delta("response.output_text.delta", {{"item_id", id},
                                                        {"output_index", output_index},
                                                        {"content_index", 0},
                                                        {"delta", choice.pieces[i]},
                                                        {"logprobs", ojson::array()}});
        }
        if (!cut()) {
            events.add("response.output_text.done", {{"item_id", id},
                                                     {"output_index", output_index},
                                                     {"content_index", 0},
                                                     {"text", choice.text},
                                                     {"logprobs", ojson::array()}});
            events.add("response.content_part.done", {{"item_id", id},
                                                      {"output_index", output_index},
                                                      {"content_index", 0},
                                                      {"part", sim_responses_text_part(choice.text)}});
            events.add("response.output_item.done",
                       {{"output_index", output_index}, {"item", answer.final_message()}});
        }
        ++output_index;
    }
    for (std::size_t k = 0; k < choice.tool_calls.size() && !cut(); ++k, ++output_index) {
        const auto& call = choice.tool_calls[k];
        const auto& id = ids.call_items[k];
        events.add("response.output_item.added",
                   {{"output_index", output_index},
                    {"item", sim_responses_call_item(ids, k, call, "", "in_progress")}});
        for (std::size_t i = 0; i < call.argument_pieces.size() && !cut(); ++i, ++deltas) {
            events.delta(
                "response.function_call_arguments.delta",
                {{"item_id", id}, {"output_index", output_index}, {"delta", call.argument_pieces[i]}});
        }
        if (cut())
            break;
        events.add("response.function_call_arguments.done", {{"item_id", id},
                                                             {"output_index", output_index},
                                                             {"name", call.name},
                                                             {"arguments", call.arguments}});
        events.add("response.output_item.done",
                   {{"output_index", output_index},
                    {"item", sim_responses_call_item(ids, k, call, call.arguments, "completed")}});
    }
    if (stream_error) {
        events.error();
        return;
    }
    events.add(choice.truncated ? "response.incomplete" : "response.completed",
               {{"response", answer.response(true)}});
}

}  // namespace

SimResponse openai_responses_reply(const SimChatRequest& request, const SimReply& reply,
                                   std::uint64_t entropy, bool stream_error)
{
    SimResponse response;
    response.endpoint = SimEndpoint::responses;
    const SimResponsesAnswer answer(request, reply, entropy);
    if (!request.stream) {
        response.headers.emplace_back("content-type", "application/json");
        sim_openai_headers(response, entropy);
        response.body = answer.response(true).dump();
        return response;
    }
    response.action = SimResponse::Action::stream;
    response.headers.emplace_back("content-type", "text/event-stream; charset=utf-8");
    sim_openai_headers(response, entropy);
    sim_responses_stream(answer, request.include_obfuscation, entropy, stream_error, response.events);
    return response;
}

}  // namespace sb
