#pragma once
// Reads the common shape of a client's chat.completions body straight into a ChatRequest,
// without building a JSON tree first: on the gateway's path every request passes through here,
// and the tree plus its translation cost more than the rest of the request's handling.
//
// It reads only bodies it can read exactly as the tree's reading does (openai_translation.h
// plus the gateway's checks of the fields it owns), and declines the rest: a field it does
// not own (passed through upstream as it came), a key given twice, anything the tree's
// reading would refuse (its error message names the problem), or unusually deep nesting.
// A declined body goes through the tree; either way the caller gets the same request.
#include <optional>
#include <string_view>

#include "model/chat.h"

namespace sb {

struct OpenAIRequestRead {
    ChatRequest request;
    bool include_usage = false;  // stream_options.include_usage
};

std::optional<OpenAIRequestRead> read_plain_openai_request(std::string_view body);

}  // namespace sb
