#pragma once
// OpenAI's embeddings API (POST /v1/embeddings) as the engine carries it. The body goes to an
// OpenAI-kind provider (OpenAI, Ollama, vLLM, llama.cpp server) as it came, and the answer
// comes back as it came; the engine reads what it needs around them:
//   - each input is one user turn, so the cache's rules, personal-data checks and the history
//     see the texts (a token-id input reads as "[token ids: 1 2 3]");
//   - the answer's usage (prompt tokens) prices it, and its content is a one-line summary
//     ("2 embeddings × 1536 dimensions, float") for the history and the console.
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/chat.h"
#include "model/error.h"

namespace sb {

// The request with wire = OpenAIEmbeddings and passthrough_body = `body`. Refusals are
// BadRequest "<field>: <rule>" in OpenAI's terms (model, input, input[3], encoding_format,
// dimensions, user).
std::expected<ChatRequest, Error> chat_request_from_embeddings(const nlohmann::json& body);

// An embeddings answer; MalformedResponse when it is not one.
std::expected<ChatResponse, Error> chat_response_from_embeddings(std::string_view body, int http_status);

// The request the engine makes for itself (the semantic cache): one text, floats back.
std::expected<ChatRequest, Error> embedding_request_for(const std::string& model, const std::string& text);
// The first vector of an embeddings answer (its passed-through body), float or base64.
std::expected<std::vector<float>, std::string> first_embedding(const ChatResponse& answer);

}  // namespace sb
