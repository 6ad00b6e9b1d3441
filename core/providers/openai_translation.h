#pragma once
// The one translation between provider-neutral chat types and OpenAI's chat completions
// JSON, in both directions. The OpenAI adapter, the OpenAI-compatible adapter and the
// gateway (which speaks OpenAI's format to its clients) all use these.
#include <cstdint>
#include <expected>
#include <nlohmann/json.hpp>
#include <string_view>

#include "model/chat.h"
#include "model/error.h"

namespace sb {

struct OpenAIRequestOptions {
    std::string_view model;  // the upstream model name; empty = request.model
    // Local servers (Ollama, llama.cpp, vLLM) read only `max_tokens`; OpenAI deprecated it
    // for `max_completion_tokens`.
    bool use_legacy_max_tokens = false;
};

// A client's request body. Errors are BadRequest and name the offending field
// ("messages[2].content[0].type: unsupported content part \"image_url\"").
std::expected<ChatRequest, Error> chat_request_from_openai(const nlohmann::json& body);
nlohmann::json chat_request_to_openai(const ChatRequest& request, const OpenAIRequestOptions& options = {});

// An upstream 2xx body. Errors are MalformedResponse and name what is missing.
std::expected<ChatResponse, Error> chat_response_from_openai(const nlohmann::json& body);
// The chat.completion object our gateway returns; `created` is a Unix time in seconds.
nlohmann::json chat_response_to_openai(const ChatResponse& response, std::int64_t created);

// stop / length / tool_calls / content_filter; anything else passes through unchanged.
std::string normalise_openai_finish_reason(std::string_view reason);
Usage usage_from_openai(const nlohmann::json& usage);

}  // namespace sb
