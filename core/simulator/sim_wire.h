#pragma once
// Response bodies and headers in each provider's wire format (tests/data/wire holds the samples
// they follow). Key order matters to strict clients and to the tests, hence ordered_json.
#include <cstdint>
#include <string>
#include <vector>

#include "simulator/sim_chat.h"
#include "simulator/sim_response.h"

namespace sb {

struct SimErrorInfo {
    std::uint64_t entropy = 0;
    int retry_after_s = 1;
    std::string model;   // echoed in messages when known
    std::string detail;  // bad_request: the problem; not_found without a model: the route
    std::string param;   // bad_request: the field at fault, OpenAI's error.param (empty: null)
    bool key_missing = false;  // auth: no key sent at all (else a wrong one)
};

// OpenAI chat completions (also the shape OpenAI-compatible local servers are read with).
SimResponse openai_chat_reply(const SimChatRequest& request, const SimReply& reply,
                              std::uint64_t entropy, bool stream_error);
SimResponse openai_error(SimOutcome outcome, const SimErrorInfo& info);
// The headers every OpenAI answer carries (version, processing time, request id).
void sim_openai_headers(SimResponse& response, std::uint64_t entropy);
SimResponse openai_models(const std::vector<std::string>& models, std::uint64_t entropy);

// OpenAI Responses API (POST /v1/responses); errors are openai_error's.
SimResponse openai_responses_reply(const SimChatRequest& request, const SimReply& reply,
                                   std::uint64_t entropy, bool stream_error);

// Anthropic messages.
SimResponse anthropic_messages_reply(const SimChatRequest& request, const SimReply& reply,
                                     std::uint64_t entropy, bool stream_error);
SimResponse anthropic_error(SimOutcome outcome, const SimErrorInfo& info);

// A gateway in front of either API: Cloudflare's HTML page or its JSON with integer code 502.
SimResponse cloudflare_bad_gateway(bool html);

}  // namespace sb
