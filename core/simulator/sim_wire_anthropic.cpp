#include <nlohmann/json.hpp>

#include "simulator/sim_fate.h"
#include "simulator/sim_wire.h"

namespace sb {

namespace {

using ojson = nlohmann::ordered_json;

std::string anthropic_request_id(std::uint64_t entropy)
{
    return "req_011C" + sim_random_chars(entropy ^ 0x5eedULL, 20, false);
}

// The real stream pads each data object with spaces before its closing brace; clients must
// accept that, so the simulator sends it too.
std::string event(std::string_view name, const ojson& data, SimRng& rng)
{
    std::string json = data.dump();
    json.insert(json.size() - 1, rng.next() % 16, ' ');
    std::string out;
    out.reserve(json.size() + name.size() + 16);
    out.append("event: ").append(name).append("\ndata: ").append(json).append("\n\n");
    return out;
}

ojson error_body(const char* type, std::string message, std::uint64_t entropy)
{
    return ojson{{"type", "error"},
                 {"error", {{"type", type}, {"message", std::move(message)}}},
                 {"request_id", anthropic_request_id(entropy)}};
}

}  // namespace

SimResponse anthropic_messages_reply(const SimChatRequest& request, const SimReply& reply,
                                     std::uint64_t entropy, bool stream_error)
{
    SimResponse response;
    response.endpoint = SimEndpoint::messages;
    response.headers.emplace_back("request-id", anthropic_request_id(entropy));
    const SimChoice& choice = reply.choices.front();  // Anthropic has no n
    const std::string id = "msg_01" + sim_random_chars(entropy, 22, false);
    const char* stop_reason = !choice.tool_calls.empty() ? "tool_use"
                              : choice.truncated         ? "max_tokens"
                                                         : "end_turn";
    const bool has_text = !choice.pieces.empty() || choice.tool_calls.empty();
    auto tool_use_id = [&](std::size_t k) {
        return "toolu_01" + sim_random_chars(sim_mix(entropy ^ 0x7001ULL, k), 22, false);
    };
    auto usage = [&](std::int64_t output_tokens) {
        return ojson{{"input_tokens", reply.prompt_tokens},
                     {"cache_creation_input_tokens", 0},
                     {"cache_read_input_tokens", 0},
                     {"cache_creation",
                      {{"ephemeral_5m_input_tokens", 0}, {"ephemeral_1h_input_tokens", 0}}},
                     {"output_tokens", output_tokens},
                     {"service_tier", "standard"},
                     {"inference_geo", "not_available"}};
    };
    auto message = [&](ojson content, ojson stop, std::int64_t output_tokens) {
        return ojson{{"model", request.model},         {"id", id},
                     {"type", "message"},              {"role", "assistant"},
                     {"content", std::move(content)},  {"stop_reason", std::move(stop)},
                     {"stop_sequence", nullptr},       {"usage", usage(output_tokens)}};
    };

    if (!request.stream) {
        ojson content = ojson::array();
        if (has_text)
            content.push_back(ojson{{"type", "text"}, {"text", choice.text}});
        for (std::size_t k = 0; k < choice.tool_calls.size(); ++k) {
            const auto& call = choice.tool_calls[k];
            content.push_back(ojson{{"type", "tool_use"},
                                    {"id", tool_use_id(k)},
                                    {"name", call.name},
                                    {"input", ojson::parse(call.arguments)}});
        }
        response.headers.emplace_back("content-type", "application/json");
        response.body = message(std::move(content), stop_reason, reply.completion_tokens).dump();
        return response;
    }

    response.action = SimResponse::Action::stream;
    response.headers.emplace_back("content-type", "text/event-stream; charset=utf-8");
    response.headers.emplace_back("cache-control", "no-cache");
    SimRng rng(entropy);
    auto& events = response.events;
    events.push_back(
        {event("message_start",
               {{"type", "message_start"}, {"message", message(ojson::array(), nullptr, 1)}}, rng),
         false});
    std::size_t index = 0;
    auto start_block = [&](ojson block) {
        events.push_back(
            {event("content_block_start",
                   {{"type", "content_block_start"}, {"index", index}, {"content_block", std::move(block)}},
                   rng),
             false});
        if (index == 0)
            events.push_back({"event: ping\ndata: {\"type\": \"ping\"}\n\n", false});
    };
    // A mid-stream error comes after two deltas of content.
    std::size_t deltas = 0;
    auto delta = [&](ojson body) {
        events.push_back(
            {event("content_block_delta",
                   {{"type", "content_block_delta"}, {"index", index}, {"delta", std::move(body)}}, rng),
             true});
        return stream_error && ++deltas == 2;
    };
    auto stop_block = [&] {
        events.push_back(
            {event("content_block_stop", {{"type", "content_block_stop"}, {"index", index}}, rng), true});
        ++index;
    };
    bool cut = false;
    if (has_text) {
        start_block(ojson{{"type", "text"}, {"text", ""}});
        for (std::size_t i = 0; i < choice.pieces.size() && !cut; ++i)
            cut = delta(ojson{{"type", "text_delta"}, {"text", choice.pieces[i]}});
        if (!cut)
            stop_block();
    }
    for (std::size_t k = 0; k < choice.tool_calls.size() && !cut; ++k) {
        const auto& call = choice.tool_calls[k];
        start_block(ojson{
            {"type", "tool_use"}, {"id", tool_use_id(k)}, {"name", call.name}, {"input", ojson::object()}});
        events.push_back({event("content_block_delta",
                                {{"type", "content_block_delta"},
                                 {"index", index},
                                 {"delta", {{"type", "input_json_delta"}, {"partial_json", ""}}}},
                                rng),
                          false});
        for (std::size_t i = 0; i < call.argument_pieces.size() && !cut; ++i)
            cut = delta(ojson{{"type", "input_json_delta"}, {"partial_json", call.argument_pieces[i]}});
        if (!cut)
            stop_block();
    }
    if (stream_error) {
        // Verbatim from the streaming docs: the same JSON as an HTTP 529 body.
        events.push_back({"event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": "
                          "\"overloaded_error\", \"message\": \"Overloaded\"}}\n\n",
                          true});
        return response;
    }
    events.push_back({event("message_delta",
                            {{"type", "message_delta"},
                             {"delta", {{"stop_reason", stop_reason}, {"stop_sequence", nullptr}}},
                             {"usage",
                              {{"input_tokens", reply.prompt_tokens},
                               {"cache_creation_input_tokens", 0},
                               {"cache_read_input_tokens", 0},
                               {"output_tokens", reply.completion_tokens}}}},
                            rng),
                      false});
    events.push_back({event("message_stop", {{"type", "message_stop"}}, rng), false});
    return response;
}

SimResponse anthropic_error(SimOutcome outcome, const SimErrorInfo& info)
{
    if (outcome == SimOutcome::bad_gateway_html || outcome == SimOutcome::bad_gateway_json)
        return cloudflare_bad_gateway(outcome == SimOutcome::bad_gateway_html);

    SimResponse response;
    response.outcome = outcome;
    response.headers.emplace_back("content-type", "application/json");
    response.headers.emplace_back("request-id", anthropic_request_id(info.entropy));
    const std::string model = info.model.empty() ? "claude-sonnet-4-5" : info.model;
    ojson body;
    auto retryable = [&](bool yes) {
        response.headers.emplace_back("x-should-retry", yes ? "true" : "false");
    };
    switch (outcome) {
    case SimOutcome::rate_limited:
        response.headers.emplace_back("retry-after", std::to_string(info.retry_after_s));
        response.headers.emplace_back("anthropic-ratelimit-requests-limit", "50");
        response.headers.emplace_back("anthropic-ratelimit-requests-remaining", "0");
        response.headers.emplace_back("anthropic-ratelimit-input-tokens-limit", "30000");
        response.headers.emplace_back("anthropic-ratelimit-output-tokens-limit", "8000");
        [[fallthrough]];
    case SimOutcome::rate_limited_no_header:
        response.status = 429;
        retryable(true);
        body = error_body("rate_limit_error",
                          "This request would exceed your organization's rate limit of 50 "
                          "requests per minute (org: 00000000-0000-0000-0000-000000000000, model: "
                              + model
                              + "). For details, refer to: "
                                "https://docs.claude.com/en/api/rate-limits.",
                          info.entropy);
        break;
    case SimOutcome::insufficient_quota:
        response.status = 429;
        body = error_body("rate_limit_error",
                          "You have reached your API usage limits: your organization has crossed "
                          "its monthly API usage threshold, set based on your organization's API "
                          "tier.",
                          info.entropy);
        body["error"]["details"] = {{"error_code", "enforced_spend_limit_reached"}};
        break;
    case SimOutcome::auth:
        response.status = 401;
        body = error_body("authentication_error",
                          info.key_missing ? "x-api-key header is required" : "invalid x-api-key",
                          info.entropy);
        break;
    case SimOutcome::permission:
        response.status = 403;
        body = error_body("permission_error", "Permission denied", info.entropy);
        break;
    case SimOutcome::not_found:
        response.status = 404;
        body = error_body("not_found_error", info.detail.empty() ? "model: " + model : info.detail, info.entropy);
        break;
    case SimOutcome::context_length:
        response.status = 400;
        retryable(false);
        body = error_body("invalid_request_error", "prompt is too long: 208310 tokens > 200000 maximum",
                          info.entropy);
        break;
    case SimOutcome::bad_request:
        response.status = 400;
        retryable(false);
        body = error_body("invalid_request_error", info.detail, info.entropy);
        break;
    case SimOutcome::unavailable:
        response.status = 503;
        retryable(true);
        body = error_body("api_error", "Service unavailable", info.entropy);
        break;
    case SimOutcome::overloaded:
    case SimOutcome::stream_error:  // asked of a non-streaming request: its HTTP equivalent
        response.status = 529;
        retryable(true);
        body = error_body("overloaded_error", "Overloaded", info.entropy);
        break;
    default:  // server_error
        response.status = 500;
        retryable(true);
        body = error_body("api_error", "Internal server error", info.entropy);
        break;
    }
    response.body = body.dump();
    return response;
}

void sim_anthropic_headers(SimResponse& response, std::uint64_t entropy)
{
    response.headers.emplace_back("request-id", anthropic_request_id(entropy));
}

SimResponse anthropic_json_reply(const ojson& body, std::uint64_t entropy)
{
    SimResponse response;
    response.headers.emplace_back("content-type", "application/json");
    sim_anthropic_headers(response, entropy);
    response.body = body.dump();
    return response;
}

SimResponse anthropic_refusal(SimOutcome outcome, std::string message, std::uint64_t entropy)
{
    SimErrorInfo info;
    info.entropy = entropy;
    info.detail = std::move(message);
    return anthropic_error(outcome, info);
}

SimResponse anthropic_request_too_large(std::uint64_t entropy)
{
    SimResponse response;
    response.status = 413;
    response.outcome = SimOutcome::bad_request;
    response.headers.emplace_back("content-type", "application/json");
    sim_anthropic_headers(response, entropy);
    response.body =
        error_body("request_too_large", "Request exceeds the maximum allowed number of bytes.", entropy).dump();
    return response;
}

}  // namespace sb
