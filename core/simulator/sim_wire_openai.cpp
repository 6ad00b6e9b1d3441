#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

#include "model/clock.h"
#include "simulator/sim_fate.h"
#include "simulator/sim_wire.h"

namespace sb {

void sim_openai_headers(SimResponse& response, std::uint64_t entropy)
{
    response.headers.emplace_back("openai-version", "2020-10-01");
    response.headers.emplace_back("openai-processing-ms", "37");
    response.headers.emplace_back("x-request-id", "req_" + sim_random_chars(entropy ^ 0x5eedULL, 32, true));
}

namespace {

using ojson = nlohmann::ordered_json;

ojson usage_json(const SimReply& reply)
{
    return ojson{
        {"prompt_tokens", reply.prompt_tokens},
        {"completion_tokens", reply.completion_tokens},
        {"total_tokens", reply.prompt_tokens + reply.completion_tokens},
        {"prompt_tokens_details", {{"cached_tokens", 0}, {"audio_tokens", 0}}},
        {"completion_tokens_details",
         {{"reasoning_tokens", 0},
          {"audio_tokens", 0},
          {"accepted_prediction_tokens", 0},
          {"rejected_prediction_tokens", 0}}},
    };
}

ojson error_body(std::string message, const char* type, ojson param, ojson code)
{
    return ojson{{"error",
                  {{"message", std::move(message)},
                   {"type", type},
                   {"param", std::move(param)},
                   {"code", std::move(code)}}}};
}

const char* sim_openai_finish_reason(const SimChoice& choice)
{
    if (!choice.tool_calls.empty())
        return "tool_calls";
    return choice.truncated ? "length" : "stop";
}

std::string sim_openai_tool_call_id(std::uint64_t entropy, std::size_t choice, std::size_t call)
{
    return "call_" + sim_random_chars(sim_mix(entropy ^ 0xca11ULL, choice * 64 + call), 24, false);
}

ojson sim_openai_message(const SimChoice& choice, std::uint64_t entropy, std::size_t index)
{
    ojson message{{"role", "assistant"}};
    if (choice.tool_calls.empty() || !choice.text.empty())
        message["content"] = choice.text;
    else
        message["content"] = nullptr;
    if (!choice.tool_calls.empty()) {
        ojson calls = ojson::array();
        for (std::size_t k = 0; k < choice.tool_calls.size(); ++k) {
            const auto& call = choice.tool_calls[k];
            calls.push_back(ojson{{"id", sim_openai_tool_call_id(entropy, index, k)},
                                  {"type", "function"},
                                  {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
        }
        message["tool_calls"] = std::move(calls);
    }
    message["refusal"] = nullptr;
    message["annotations"] = ojson::array();
    return message;
}

// The first delta of a streamed tool call: id, type and name, with empty arguments.
ojson sim_openai_tool_call_start(const SimToolCall& call, std::uint64_t entropy, std::size_t choice,
                                 std::size_t k)
{
    return ojson::array({ojson{{"index", k},
                               {"id", sim_openai_tool_call_id(entropy, choice, k)},
                               {"type", "function"},
                               {"function", {{"name", call.name}, {"arguments", ""}}}}});
}

class ChunkWriter {
public:
    ChunkWriter(const SimChatRequest& request, std::uint64_t entropy)
        : m_request(request), m_entropy(entropy)
    {
        m_head = ojson{
            {"id", "chatcmpl-" + sim_random_chars(entropy, 29, false)},
            {"object", "chat.completion.chunk"},
            {"created", unix_seconds_now()},
            {"model", request.model},
            {"service_tier", "default"},
            {"system_fingerprint", "fp_" + sim_random_chars(entropy ^ 0xf00dULL, 10, true)},
        };
    }

    // A chunk with one choice; `finish` is null until its last one.
    std::string choice(std::size_t index, ojson delta, ojson finish)
    {
        ojson chunk = m_head;
        chunk["choices"] = ojson::array({ojson{{"index", index},
                                               {"delta", std::move(delta)},
                                               {"logprobs", nullptr},
                                               {"finish_reason", std::move(finish)}}});
        return frame(std::move(chunk), ojson());
    }

    std::string usage(const SimReply& reply)
    {
        ojson chunk = m_head;
        chunk["choices"] = ojson::array();
        return frame(std::move(chunk), usage_json(reply));
    }

private:
    std::string frame(ojson chunk, ojson usage)
    {
        if (m_request.include_usage)
            chunk["usage"] = std::move(usage);
        if (m_request.include_obfuscation) {
            ++m_count;
            chunk["obfuscation"] = sim_random_chars(m_entropy + m_count, m_count % 9, false);
        }
        return "data: " + chunk.dump() + "\n\n";
    }

    const SimChatRequest& m_request;
    std::uint64_t m_entropy;
    std::uint64_t m_count = 0;
    ojson m_head;
};

// The deltas of one streamed choice after its opening one: text pieces, then each call's
// start (unless the opening carried it) and argument fragments.
std::vector<ojson> sim_openai_choice_deltas(const SimChoice& choice, std::uint64_t entropy, std::size_t index,
                                            bool opening_started_call)
{
    std::vector<ojson> deltas;
    for (const auto& piece : choice.pieces)
        deltas.push_back(ojson{{"content", piece}});
    for (std::size_t k = 0; k < choice.tool_calls.size(); ++k) {
        const auto& call = choice.tool_calls[k];
        if (k > 0 || !opening_started_call)
            deltas.push_back(ojson{{"tool_calls", sim_openai_tool_call_start(call, entropy, index, k)}});
        for (const auto& piece : call.argument_pieces)
            deltas.push_back(ojson{
                {"tool_calls", ojson::array({ojson{{"index", k}, {"function", {{"arguments", piece}}}}})}});
    }
    return deltas;
}

SimResponse sim_openai_chat_stream(const SimChatRequest& request, const SimReply& reply,
                                   std::uint64_t entropy, bool stream_error, SimResponse response)
{
    response.action = SimResponse::Action::stream;
    response.headers.emplace_back("content-type", "text/event-stream; charset=utf-8");
    sim_openai_headers(response, entropy);
    ChunkWriter writer(request, entropy);
    auto& events = response.events;
    // Each choice opens with its role; a call with no text before it starts in that same delta.
    std::vector<std::vector<ojson>> deltas;
    for (std::size_t i = 0; i < reply.choices.size(); ++i) {
        const auto& choice = reply.choices[i];
        const bool call_first = choice.pieces.empty() && !choice.tool_calls.empty();
        ojson opening{{"role", "assistant"}, {"content", call_first ? ojson(nullptr) : ojson("")}};
        if (call_first)
            opening["tool_calls"] = sim_openai_tool_call_start(choice.tool_calls.front(), entropy, i, 0);
        opening["refusal"] = nullptr;
        events.push_back({writer.choice(i, std::move(opening), nullptr), false});
        deltas.push_back(sim_openai_choice_deltas(choice, entropy, i, call_first));
    }
    // The choices' deltas interleave, as OpenAI's do. A mid-stream error comes after two of
    // them, as an error payload without an event line.
    const std::size_t limit = stream_error ? 2 : std::numeric_limits<std::size_t>::max();
    std::size_t rounds = 0;
    for (const auto& list : deltas)
        rounds = std::max(rounds, list.size());
    std::size_t sent = 0;
    for (std::size_t round = 0; round < rounds; ++round) {
        for (std::size_t i = 0; i < deltas.size() && sent < limit; ++i) {
            if (round < deltas[i].size()) {
                events.push_back({writer.choice(i, std::move(deltas[i][round]), nullptr), true});
                ++sent;
            }
        }
    }
    if (stream_error) {
        const ojson error = error_body(
            "The server had an error while processing your request. Sorry about that!",
            "server_error", nullptr, nullptr);
        events.push_back({"data: " + error.dump() + "\n\n", true});
        return response;
    }
    for (std::size_t i = 0; i < reply.choices.size(); ++i)
        events.push_back(
            {writer.choice(i, ojson::object(), sim_openai_finish_reason(reply.choices[i])), i == 0});
    if (request.include_usage)
        events.push_back({writer.usage(reply), false});
    events.push_back({"data: [DONE]\n\n", false});
    return response;
}

}  // namespace

SimResponse openai_chat_reply(const SimChatRequest& request, const SimReply& reply, std::uint64_t entropy,
                              bool stream_error)
{
    SimResponse response;
    response.endpoint = SimEndpoint::chat_completions;
    if (request.stream)
        return sim_openai_chat_stream(request, reply, entropy, stream_error, std::move(response));
    ojson choices = ojson::array();
    for (std::size_t i = 0; i < reply.choices.size(); ++i) {
        choices.push_back(ojson{
            {"index", i},
            {"message", sim_openai_message(reply.choices[i], entropy, i)},
            {"logprobs", nullptr},
            {"finish_reason", sim_openai_finish_reason(reply.choices[i])},
        });
    }
    const ojson body{
        {"id", "chatcmpl-" + sim_random_chars(entropy, 29, false)},
        {"object", "chat.completion"},
        {"created", unix_seconds_now()},
        {"model", request.model},
        {"choices", std::move(choices)},
        {"usage", usage_json(reply)},
        {"service_tier", "default"},
        {"system_fingerprint", "fp_" + sim_random_chars(entropy ^ 0xf00dULL, 10, true)},
    };
    response.headers.emplace_back("content-type", "application/json");
    sim_openai_headers(response, entropy);
    response.body = body.dump();
    return response;
}

SimResponse openai_error(SimOutcome outcome, const SimErrorInfo& info)
{
    if (outcome == SimOutcome::bad_gateway_html || outcome == SimOutcome::bad_gateway_json)
        return cloudflare_bad_gateway(outcome == SimOutcome::bad_gateway_html);

    SimResponse response;
    response.outcome = outcome;
    response.headers.emplace_back("content-type", "application/json");
    sim_openai_headers(response, info.entropy);
    const std::string model = info.model.empty() ? "gpt-4o-mini" : info.model;
    const std::string retry = std::to_string(info.retry_after_s);
    ojson body;
    switch (outcome) {
    case SimOutcome::rate_limited:
        response.headers.emplace_back("retry-after", retry);
        response.headers.emplace_back("retry-after-ms", std::to_string(info.retry_after_s * 1000));
        response.headers.emplace_back("x-ratelimit-limit-requests", "500");
        response.headers.emplace_back("x-ratelimit-limit-tokens", "150000");
        response.headers.emplace_back("x-ratelimit-remaining-requests", "0");
        response.headers.emplace_back("x-ratelimit-remaining-tokens", "149984");
        response.headers.emplace_back("x-ratelimit-reset-requests", retry + "s");
        response.headers.emplace_back("x-ratelimit-reset-tokens", "6m0s");
        [[fallthrough]];
    case SimOutcome::rate_limited_no_header:
        response.status = 429;
        body = error_body("Rate limit reached for " + model
                              + " in organization org-simulator on requests per min (RPM): "
                                "Limit 500, Used 500, Requested 1. Please try again in "
                              + retry
                              + "s. Visit https://platform.openai.com/account/rate-limits to "
                                "learn more.",
                          "requests", nullptr, "rate_limit_exceeded");
        break;
    case SimOutcome::insufficient_quota:
        response.status = 429;
        body = error_body("You exceeded your current quota, please check your plan and billing "
                          "details. For more information on this error, read the docs: "
                          "https://platform.openai.com/docs/guides/error-codes/api-errors.",
                          "insufficient_quota", nullptr, "insufficient_quota");
        break;
    case SimOutcome::auth:
        response.status = 401;
        body = info.key_missing
            ? error_body("You didn't provide an API key. You need to provide your API key in an "
                         "Authorization header using Bearer auth (i.e. Authorization: Bearer "
                         "YOUR_KEY).",
                         "invalid_request_error", nullptr, nullptr)
            : error_body("Incorrect API key provided: sk-sim***************************key. "
                         "You can find your API key at "
                         "https://platform.openai.com/account/api-keys.",
                         "invalid_request_error", nullptr, "invalid_api_key");
        break;
    case SimOutcome::permission:
        response.status = 403;
        // The real body has this key order.
        body = ojson{{"error",
                      {{"code", "unsupported_country_region_territory"},
                       {"message", "Country, region, or territory not supported"},
                       {"param", nullptr},
                       {"type", "request_forbidden"}}}};
        break;
    case SimOutcome::not_found:
        response.status = 404;
        body = info.detail.empty()
            ? error_body("The model `" + model
                             + "` does not exist or you do not have access to it.",
                         "invalid_request_error", nullptr, "model_not_found")
            : error_body(info.detail, "invalid_request_error",
                         info.param.empty() ? ojson(nullptr) : ojson(info.param), nullptr);
        break;
    case SimOutcome::context_length:
        response.status = 400;
        body = error_body("This model's maximum context length is 8192 tokens. However, your "
                          "messages resulted in 8227 tokens. Please reduce the length of the "
                          "messages.",
                          "invalid_request_error", "messages", "context_length_exceeded");
        break;
    case SimOutcome::bad_request:
        response.status = 400;
        body = error_body(info.detail, "invalid_request_error",
                          info.param.empty() ? ojson(nullptr) : ojson(info.param), nullptr);
        break;
    case SimOutcome::unavailable:
        response.status = 503;
        body = error_body("The engine is currently overloaded, please try again later",
                          "server_error", nullptr, nullptr);
        break;
    case SimOutcome::overloaded:
        response.status = 503;
        body = error_body("Our servers are currently overloaded. Please try again later.",
                          "service_unavailable_error", nullptr, "server_is_overloaded");
        break;
    default:  // server_error, and stream_error asked of a non-streaming request
        response.status = 500;
        body = error_body("The server had an error while processing your request. Sorry about "
                          "that!",
                          "server_error", nullptr, nullptr);
        break;
    }
    response.body = body.dump();
    return response;
}

SimResponse openai_models(const std::vector<std::string>& models, std::uint64_t entropy)
{
    ojson data = ojson::array();
    for (const auto& id : models) {
        data.push_back(ojson{{"id", id},
                             {"object", "model"},
                             {"created", 1686935002},
                             {"owned_by", "switchboard-simulator"},
                             {"shutdown_date", nullptr}});
    }
    SimResponse response;
    response.endpoint = SimEndpoint::models;
    response.headers.emplace_back("content-type", "application/json");
    sim_openai_headers(response, entropy);
    response.body = ojson{{"object", "list"}, {"data", std::move(data)}}.dump();
    return response;
}

SimResponse openai_json_reply(const ojson& body, std::uint64_t entropy)
{
    SimResponse response;
    response.headers.emplace_back("content-type", "application/json");
    sim_openai_headers(response, entropy);
    response.body = body.dump();
    return response;
}

SimResponse openai_refusal(SimOutcome outcome, std::string message, std::string param, std::uint64_t entropy)
{
    SimErrorInfo info;
    info.entropy = entropy;
    info.detail = std::move(message);
    info.param = std::move(param);
    return openai_error(outcome, info);
}

SimResponse openai_invalid_url(std::string_view method, std::string_view target, std::uint64_t entropy)
{
    return openai_refusal(SimOutcome::not_found,
                          "Invalid URL (" + std::string(method) + " " + std::string(target.substr(0, target.find('?')))
                              + ")",
                          {}, entropy);
}

SimResponse cloudflare_bad_gateway(bool html)
{
    SimResponse response;
    response.status = 502;
    response.outcome = html ? SimOutcome::bad_gateway_html : SimOutcome::bad_gateway_json;
    if (html) {
        response.headers.emplace_back("content-type", "text/html");
        response.headers.emplace_back("server", "cloudflare");
        response.body = "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n"
                        "<center><h1>502 Bad Gateway</h1></center>\n<hr><center>cloudflare"
                        "</center>\n</body>\n</html>\n";
        return response;
    }
    response.headers.emplace_back("content-type", "application/json");
    response.headers.emplace_back("server", "cloudflare");
    response.body = ojson{{"error",
                           {{"code", 502},
                            {"message", "Bad gateway."},
                            {"param", nullptr},
                            {"type", "cf_bad_gateway"}}}}
                        .dump();
    return response;
}

}  // namespace sb
