#pragma once
// Response bodies and headers in each provider's wire format (tests/data/wire holds the samples
// they follow). Key order matters to strict clients and to the tests, hence ordered_json.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "simulator/sim_chat.h"
#include "simulator/sim_response.h"

namespace sb {

struct SimErrorInfo {
    std::uint64_t entropy = 0;
    int retry_after_s = 1;
    std::string model;   // echoed in messages when known
    std::string detail;  // bad_request: the problem; not_found: the message (else the model's)
    std::string param;   // bad_request, not_found: the field at fault, OpenAI's error.param (empty: null)
    bool key_missing = false;  // auth: no key sent at all (else a wrong one)
};

// The reply in the format of the request it answers (request.wire).
SimResponse sim_wire_reply(const SimChatRequest& request, const SimReply& reply, std::uint64_t entropy,
                           bool stream_error);

// OpenAI chat completions (also the shape OpenAI-compatible local servers are read with).
SimResponse openai_chat_reply(const SimChatRequest& request, const SimReply& reply,
                              std::uint64_t entropy, bool stream_error);
SimResponse openai_error(SimOutcome outcome, const SimErrorInfo& info);
// The headers every OpenAI answer carries (version, processing time, request id).
void sim_openai_headers(SimResponse& response, std::uint64_t entropy);
SimResponse openai_models(const std::vector<std::string>& models, std::uint64_t entropy);
// A 200 JSON answer with OpenAI's headers.
SimResponse openai_json_reply(const nlohmann::ordered_json& body, std::uint64_t entropy);
// openai_error with `message` (and `param`, null when empty) as its detail.
SimResponse openai_refusal(SimOutcome outcome, std::string message, std::string param, std::uint64_t entropy);
// The 404 OpenAI answers a method and path it does not serve.
SimResponse openai_invalid_url(std::string_view method, std::string_view target, std::uint64_t entropy);

// OpenAI Responses API (POST /v1/responses); errors are openai_error's.
SimResponse openai_responses_reply(const SimChatRequest& request, const SimReply& reply,
                                   std::uint64_t entropy, bool stream_error);

// Anthropic messages.
SimResponse anthropic_messages_reply(const SimChatRequest& request, const SimReply& reply,
                                     std::uint64_t entropy, bool stream_error);
SimResponse anthropic_error(SimOutcome outcome, const SimErrorInfo& info);
// The request-id header every Anthropic answer carries.
void sim_anthropic_headers(SimResponse& response, std::uint64_t entropy);
// A 200 JSON answer with Anthropic's headers.
SimResponse anthropic_json_reply(const nlohmann::ordered_json& body, std::uint64_t entropy);
// anthropic_error with `message` as its text (bad_request, not_found).
SimResponse anthropic_refusal(SimOutcome outcome, std::string message, std::uint64_t entropy);
// 413 request_too_large: a body over the endpoint's limit, refused unread.
SimResponse anthropic_request_too_large(std::uint64_t entropy);

// A gateway in front of either API: Cloudflare's HTML page or its JSON with integer code 502.
SimResponse cloudflare_bad_gateway(bool html);

}  // namespace sb
