#include <nlohmann/json.hpp>

#include "model/clock.h"
#include "simulator/sim_wire.h"

namespace sb {

namespace {

using ojson = nlohmann::ordered_json;

std::string openai_request_id(std::uint64_t entropy)
{
    return "req_" + sim_random_chars(entropy ^ 0x5eedULL, 32, true);
}

void add_common_headers(SimResponse& response, std::uint64_t entropy)
{
    response.headers.emplace_back("openai-version", "2020-10-01");
    response.headers.emplace_back("openai-processing-ms", "37");
    response.headers.emplace_back("x-request-id", openai_request_id(entropy));
}

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

    // A chunk with one choice; `finish` is null until the last one.
    std::string choice(ojson delta, ojson finish)
    {
        ojson chunk = m_head;
        chunk["choices"] = ojson::array(
            {ojson{{"index", 0}, {"delta", std::move(delta)}, {"logprobs", nullptr},
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

}  // namespace

SimResponse openai_chat_reply(const SimChatRequest& request, const SimReply& reply,
                              std::uint64_t entropy, bool stream_error)
{
    SimResponse response;
    response.endpoint = SimEndpoint::chat_completions;
    const char* finish = reply.truncated ? "length" : "stop";
    if (!request.stream) {
        const ojson body{
            {"id", "chatcmpl-" + sim_random_chars(entropy, 29, false)},
            {"object", "chat.completion"},
            {"created", unix_seconds_now()},
            {"model", request.model},
            {"choices",
             ojson::array({ojson{
                 {"index", 0},
                 {"message",
                  {{"role", "assistant"},
                   {"content", reply.text},
                   {"refusal", nullptr},
                   {"annotations", ojson::array()}}},
                 {"logprobs", nullptr},
                 {"finish_reason", finish},
             }})},
            {"usage", usage_json(reply)},
            {"service_tier", "default"},
            {"system_fingerprint", "fp_" + sim_random_chars(entropy ^ 0xf00dULL, 10, true)},
        };
        response.headers.emplace_back("content-type", "application/json");
        add_common_headers(response, entropy);
        response.body = body.dump();
        return response;
    }

    response.action = SimResponse::Action::stream;
    response.headers.emplace_back("content-type", "text/event-stream; charset=utf-8");
    add_common_headers(response, entropy);
    ChunkWriter writer(request, entropy);
    auto& events = response.events;
    events.push_back({writer.choice({{"role", "assistant"}, {"content", ""}, {"refusal", nullptr}},
                                    nullptr),
                      false});
    // A mid-stream error comes after some content, as an error payload without an event line.
    const std::size_t pieces = stream_error ? std::min<std::size_t>(2, reply.pieces.size())
                                            : reply.pieces.size();
    for (std::size_t i = 0; i < pieces; ++i)
        events.push_back({writer.choice({{"content", reply.pieces[i]}}, nullptr), true});
    if (stream_error) {
        const ojson error = error_body(
            "The server had an error while processing your request. Sorry about that!",
            "server_error", nullptr, nullptr);
        events.push_back({"data: " + error.dump() + "\n\n", true});
        return response;
    }
    events.push_back({writer.choice(ojson::object(), finish), true});
    if (request.include_usage)
        events.push_back({writer.usage(reply), false});
    events.push_back({"data: [DONE]\n\n", false});
    return response;
}

SimResponse openai_error(SimOutcome outcome, const SimErrorInfo& info)
{
    if (outcome == SimOutcome::bad_gateway_html || outcome == SimOutcome::bad_gateway_json)
        return cloudflare_bad_gateway(outcome == SimOutcome::bad_gateway_html);

    SimResponse response;
    response.outcome = outcome;
    response.headers.emplace_back("content-type", "application/json");
    add_common_headers(response, info.entropy);
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
            : error_body(info.detail, "invalid_request_error", nullptr, nullptr);
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
        body = error_body(info.detail, "invalid_request_error", nullptr, nullptr);
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
    add_common_headers(response, entropy);
    response.body = ojson{{"object", "list"}, {"data", std::move(data)}}.dump();
    return response;
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
