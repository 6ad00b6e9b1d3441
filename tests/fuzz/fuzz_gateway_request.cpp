// The gateway's reading of a client's POST /v1/chat/completions body, as ChatCompletions::handle
// does it (core/gateway/chat_completions.cpp): JSON, chat_request_from_openai, validate_request;
// then what the engine sends upstream, to either kind of provider. Invariants:
// - a refusal is a BadRequest value (never an exception or a crash);
// - what is accepted nests no deeper than kMaxJsonDepth: the engine copies and dumps the fields
//   it passes through, recursively (a deep one overflowed the stack);
// - the request sent to an OpenAI upstream (chat_request_to_openai) reads back
//   as the request the client sent: nothing is lost or changed on the way through;
// - the Anthropic translation of any accepted request can be built and sent.
#include <cstdint>
#include <nlohmann/json.hpp>

#include "engine/request_validation.h"
#include "fuzz_common.h"
#include "model/json_depth.h"
#include "model/json_string.h"
#include "providers/anthropic_translation.h"
#include "providers/openai_translation.h"

namespace {

bool same_request(const sb::ChatRequest& a, const sb::ChatRequest& b) {
    return a.model == b.model && a.messages == b.messages && a.temperature == b.temperature &&
           a.top_p == b.top_p && a.max_tokens == b.max_tokens && a.stop == b.stop && a.stream == b.stream &&
           a.extra == b.extra;
}


}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    const auto body = nlohmann::json::parse(sb::fuzz::as_text(bytes, size), nullptr, false);
    if (body.is_discarded() || !body.is_object()) return 0;  // the gateway answers 400 itself
    const auto parsed = sb::chat_request_from_openai(body);
    if (!parsed) {
        SB_FUZZ_CHECK(parsed.error().cls == sb::ErrorClass::BadRequest);
        return 0;
    }
    const sb::ChatRequest& request = *parsed;
    SB_FUZZ_CHECK(!sb::json_deeper_than(request.extra));
    if (const auto invalid = sb::validate_request(request))
        SB_FUZZ_CHECK(invalid->cls == sb::ErrorClass::BadRequest);

    const auto back = sb::chat_request_from_openai(
        nlohmann::json::parse(sb::chat_request_to_openai(request), nullptr, false));
    SB_FUZZ_CHECK(back.has_value());
    SB_FUZZ_CHECK(same_request(*back, request));
    SB_FUZZ_CHECK(!sb::json_text(sb::chat_request_to_anthropic(request, "claude")).empty());
    return 0;
}
