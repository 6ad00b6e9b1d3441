// The gateway's reading of a client's POST /v1/chat/completions body, as ChatCompletions::handle
// does it (core/gateway/client_request.cpp), then validate_request; then what the engine sends
// upstream, to either kind of provider. Invariants:
// - the reading without a JSON tree (openai_request_reader.h) gives what the tree's reading
//   gives: the same request, or the same refusal;
// - a refusal is a BadRequest value (never an exception or a crash);
// - what is accepted nests no deeper than kMaxJsonDepth: the engine copies and dumps the fields
//   it passes through, recursively (a deep one overflowed the stack);
// - the request sent to an OpenAI upstream (chat_request_to_openai) reads back
//   as the request the client sent: nothing is lost or changed on the way through;
// - the Anthropic translation of any accepted request can be built and sent.
#include <cstdint>
#include <nlohmann/json.hpp>

#include "../support/same_chat_request.h"
#include "engine/request_validation.h"
#include "fuzz_common.h"
#include "gateway/client_request.h"
#include "model/json_depth.h"
#include "model/json_string.h"
#include "providers/anthropic_translation.h"
#include "providers/openai_translation.h"

namespace {

bool same_request(const sb::ChatRequest& a, const sb::ChatRequest& b) {
    return sb::test::first_difference(a, b) == nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    const auto text = sb::fuzz::as_text(bytes, size);
    const auto fast = sb::read_client_request(text, sb::ClientRequestReading::Fastest);
    const auto tree = sb::read_client_request(text, sb::ClientRequestReading::TreeOnly);
    SB_FUZZ_CHECK(fast.has_value() == tree.has_value());
    if (!tree) {
        SB_FUZZ_CHECK(tree.error().status == 400 && fast.error().message == tree.error().message);
        return 0;
    }
    SB_FUZZ_CHECK(same_request(fast->request, tree->request) && fast->include_usage == tree->include_usage);
    const sb::ChatRequest& request = tree->request;
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
