#pragma once
// Requests between provider-neutral chat types and OpenAI's chat completions JSON, in both
// directions, and the pieces of an answer the stream decoder shares. The OpenAI adapter, the
// OpenAI-compatible adapter and the gateway (which speaks OpenAI's format to its clients)
// all use these. Whole answers are read and written without a JSON tree, on the gateway's
// path: openai_response_reader.h and openai_response_writer.h.
#include <expected>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

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
// The JSON text sent upstream, written without a tree (it is on the gateway's path). The
// client's extra fields pass through; the fields this translation owns always win.
std::string chat_request_to_openai(const ChatRequest& request, const OpenAIRequestOptions& options = {});

// stop / length / tool_calls / content_filter; anything else passes through unchanged.
std::string normalise_openai_finish_reason(std::string_view reason);
Usage usage_from_openai(const nlohmann::json& usage);
// choices[1…] of an answer to a request with n > 1 (the first is read by chat_response_from_openai).
std::vector<ChatChoice> more_openai_choices(std::string_view body);

}  // namespace sb
