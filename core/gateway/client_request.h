#pragma once
// A client's POST /v1/chat/completions body read into a request, or the OpenAI-style error
// that refuses it ("messages[0].role: unknown role …").
#include <expected>
#include <string_view>

#include "gateway/gateway_errors.h"
#include "providers/openai_request_reader.h"

namespace sb {

enum class ClientRequestReading {
    Fastest,   // the common shape without a JSON tree (openai_request_reader.h), else the tree
    TreeOnly,  // always through the tree: what the fast reading must agree with
};

std::expected<OpenAIRequestRead, GatewayError> read_client_request(
    std::string_view body, ClientRequestReading reading = ClientRequestReading::Fastest);

}  // namespace sb
