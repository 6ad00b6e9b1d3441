#include "simulator/sim_embeddings.h"

#include <cctype>
#include <cmath>
#include <cstring>

#include "model/base64.h"
#include "simulator/sim_request_common.h"
#include "simulator/sim_wire.h"

namespace sb {
namespace {

using ojson = nlohmann::ordered_json;

constexpr int kSimEmbeddingMaxDimensions = 3072;  // text-embedding-3-large's
constexpr std::size_t kSimEmbeddingMaxInputs = 2048;  // OpenAI's limit per request

std::uint64_t sim_word_hash(std::string_view word)
{
    std::uint64_t hash = 1469598103934665603ULL;  // FNV-1a
    for (const char c : word) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ULL;
    }
    return hash;
}

std::string sim_embedding_base64(const std::vector<float>& vector)
{
    std::string bytes(vector.size() * sizeof(float), '\0');
    std::memcpy(bytes.data(), vector.data(), bytes.size());  // little-endian hosts, as OpenAI sends it
    return base64_encode(bytes);
}

}  // namespace

std::expected<SimEmbeddingsRequest, SimBadRequest> parse_openai_embeddings(const nlohmann::json& body)
{
    if (!body.is_object())
        return sim_refuse("The body must be a JSON object.");
    SimEmbeddingsRequest out;
    const auto* model = sim_string_field(body, "model");
    if (!model)
        return sim_refuse(sim_openai_missing("model"), "model");
    out.model = *model;
    const auto* input = sim_field(body, "input");
    if (!input)
        return sim_refuse(sim_openai_missing("input"), "input");
    if (input->is_string()) {
        out.inputs.push_back(input->get<std::string>());
    } else if (input->is_array() && !input->empty() && input->size() <= kSimEmbeddingMaxInputs) {
        for (std::size_t i = 0; i < input->size(); ++i) {
            if (!(*input)[i].is_string())
                return sim_refuse(sim_openai_invalid_type("input[" + std::to_string(i) + "]", "a string", (*input)[i]),
                                  "input[" + std::to_string(i) + "]");
            out.inputs.push_back((*input)[i].get<std::string>());
        }
    } else {
        return sim_refuse("Invalid 'input': expected a string or an array of 1 to 2048 strings.", "input");
    }
    for (std::size_t i = 0; i < out.inputs.size(); ++i)
        if (out.inputs[i].empty())
            return sim_refuse("Invalid 'input[" + std::to_string(i) + "]': string too short. Expected a string with "
                              "minimum length 1, but got an empty string instead.",
                              "input[" + std::to_string(i) + "]");
    if (const auto* format = sim_field(body, "encoding_format")) {
        const auto* text = sim_string_field(body, "encoding_format");
        if (!text || (*text != "float" && *text != "base64"))
            return sim_refuse(sim_openai_invalid_value("encoding_format", format->dump(), "'float' and 'base64'"),
                              "encoding_format");
        out.base64 = *text == "base64";
    }
    if (const auto* dimensions = sim_field(body, "dimensions")) {
        if (!dimensions->is_number_integer() || dimensions->get<std::int64_t>() < 1 ||
            dimensions->get<std::int64_t>() > kSimEmbeddingMaxDimensions)
            return sim_refuse("Invalid 'dimensions': expected an integer from 1 to 3072.", "dimensions");
        out.dimensions = static_cast<int>(dimensions->get<std::int64_t>());
    }
    return out;
}

std::vector<float> sim_embedding(std::string_view text, int dimensions)
{
    std::vector<float> vector(static_cast<std::size_t>(dimensions), 0.0f);
    std::string word;
    auto add_word = [&] {
        if (word.empty())
            return;
        // Each word adds ±1 in four of the dimensions, chosen and signed by its hash.
        const std::uint64_t hash = sim_word_hash(word);
        for (int k = 0; k < 4; ++k) {
            const std::uint64_t slice = hash >> (k * 16);
            vector[slice % vector.size()] += (slice & 0x8000) ? -1.0f : 1.0f;
        }
        word.clear();
    };
    for (const char c : text) {
        if (std::isalnum(static_cast<unsigned char>(c)) || (static_cast<unsigned char>(c) & 0x80))
            word.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        else
            add_word();
    }
    add_word();
    double norm = 0;
    for (const float value : vector)
        norm += static_cast<double>(value) * value;
    if (norm == 0) {
        vector[0] = 1.0f;  // no words: a unit vector all the same
        return vector;
    }
    const auto scale = static_cast<float>(1.0 / std::sqrt(norm));
    for (float& value : vector)
        value *= scale;
    return vector;
}

SimResponse openai_embeddings_reply(const SimEmbeddingsRequest& request, std::uint64_t entropy)
{
    ojson data = ojson::array();
    std::int64_t tokens = 0;
    for (std::size_t i = 0; i < request.inputs.size(); ++i) {
        const auto vector = sim_embedding(request.inputs[i], request.dimensions);
        ojson item = {{"object", "embedding"}, {"index", i}};
        if (request.base64)
            item["embedding"] = sim_embedding_base64(vector);
        else
            item["embedding"] = vector;
        data.push_back(std::move(item));
        tokens += static_cast<std::int64_t>((request.inputs[i].size() + 3) / 4);
    }
    SimResponse response;
    response.endpoint = SimEndpoint::embeddings;
    response.headers.emplace_back("content-type", "application/json");
    sim_openai_headers(response, entropy);
    response.body = ojson{{"object", "list"},
                          {"data", std::move(data)},
                          {"model", request.model},
                          {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}}
                        .dump();
    return response;
}

}  // namespace sb
