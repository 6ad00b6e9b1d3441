#pragma once
// OpenAI's embeddings endpoint as the simulator answers it: a deterministic vector per input,
// built by hashing its words into the dimensions (feature hashing), so texts that share words
// point the same way and a test can tell near from far.
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "simulator/sim_request.h"
#include "simulator/sim_response.h"

namespace sb {

struct SimEmbeddingsRequest {
    std::string model;
    std::vector<std::string> inputs;  // a string, or an array of strings
    bool base64 = false;              // encoding_format "base64": little-endian float32, base64
    int dimensions = 256;
};

std::expected<SimEmbeddingsRequest, SimBadRequest> parse_openai_embeddings(const nlohmann::json& body);

// Unit length; the same text always gives the same vector.
std::vector<float> sim_embedding(std::string_view text, int dimensions);

SimResponse openai_embeddings_reply(const SimEmbeddingsRequest& request, std::uint64_t entropy);

}  // namespace sb
