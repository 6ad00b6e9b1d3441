// The gateway's reading of the other ingress formats: a POST /v1/messages body
// (chat_request_from_anthropic), a POST /v1/responses body (chat_request_from_responses) and a
// POST /v1/embeddings body (chat_request_from_embeddings), then validate_request, the capability check of every provider kind, and the upstream body for
// each kind. Invariants:
// - a refusal is a BadRequest value naming the field (never an exception or a crash);
// - what is accepted nests no deeper than kMaxJsonDepth;
// - a valid Anthropic request sent back to Anthropic is read again;
// - every upstream body of an accepted request can be built;
// - an accepted embeddings request has one user turn per input, none empty, and only
//   Anthropic refuses it.
#include <cstdint>
#include <nlohmann/json.hpp>

#include "../support/same_chat_request.h"
#include "engine/request_validation.h"
#include "fuzz_common.h"
#include "model/json_depth.h"
#include "model/json_string.h"
#include "providers/anthropic_translation.h"
#include "providers/embeddings_wire.h"
#include "providers/openai_translation.h"
#include "providers/provider_capabilities.h"
#include "providers/responses_translation.h"

namespace {

void check_accepted(const sb::ChatRequest& request) {
    SB_FUZZ_CHECK(!sb::json_deeper_than(request.extra));
    if (const auto invalid = sb::validate_request(request)) SB_FUZZ_CHECK(invalid->cls == sb::ErrorClass::BadRequest);
    for (const auto kind : {sb::ProviderKind::OpenAI, sb::ProviderKind::Anthropic, sb::ProviderKind::OpenAICompatible})
        if (const auto why = sb::cannot_take(kind, request)) SB_FUZZ_CHECK(!why->empty());
    SB_FUZZ_CHECK(!sb::chat_request_to_openai(request).empty());
    SB_FUZZ_CHECK(!sb::json_text(sb::chat_request_to_anthropic(request, "claude")).empty());
}

void check_refused(const sb::Error& error) {
    SB_FUZZ_CHECK(error.cls == sb::ErrorClass::BadRequest && !error.message.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    const auto body = nlohmann::json::parse(sb::fuzz::as_text(bytes, size), nullptr, false);
    if (body.is_discarded()) return 0;  // the endpoints refuse it before reading

    if (const auto messages = sb::chat_request_from_anthropic(body); !messages) {
        check_refused(messages.error());
    } else {
        check_accepted(*messages);
        if (!sb::validate_request(*messages) && !sb::anthropic_unsupported(*messages)) {
            const auto back = sb::chat_request_from_anthropic(sb::chat_request_to_anthropic(*messages));
            SB_FUZZ_CHECK(back.has_value());
        }
    }

    if (const auto responses = sb::chat_request_from_responses(body); !responses)
        check_refused(responses.error());
    else
        check_accepted(*responses);

    if (const auto embeddings = sb::chat_request_from_embeddings(body); !embeddings) {
        check_refused(embeddings.error());
    } else {
        SB_FUZZ_CHECK(!embeddings->messages.empty() && !sb::validate_request(*embeddings));
        for (const auto& input : embeddings->messages) SB_FUZZ_CHECK(input.role == sb::Role::User && !input.content.empty());
        SB_FUZZ_CHECK(sb::cannot_take(sb::ProviderKind::Anthropic, *embeddings).has_value());
        SB_FUZZ_CHECK(!sb::cannot_take(sb::ProviderKind::OpenAI, *embeddings));
        SB_FUZZ_CHECK(!sb::cannot_take(sb::ProviderKind::OpenAICompatible, *embeddings));
    }
    return 0;
}
