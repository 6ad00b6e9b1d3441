#include "providers/embeddings_wire.h"

#include <cstring>
#include <string_view>
#include <vector>

#include "model/base64.h"
#include "providers/json_fields.h"

namespace sb {
namespace {

using wire::field;
using wire::string_or_empty;

constexpr std::size_t kMaxEmbeddingInputs = 2048;  // OpenAI's limit per request

std::unexpected<Error> refuse_embeddings_field(const std::string& path, std::string_view problem) {
    return std::unexpected(wire::bad_request(path, problem));
}

// A token-id input as text for the history and the cache's rules; nullopt when it is not one.
std::optional<std::string> token_ids_text(const nlohmann::json& input) {
    if (!input.is_array() || input.empty()) return std::nullopt;
    std::string text = "[token ids:";
    for (const auto& id : input) {
        if (!id.is_number_integer() || id.get<std::int64_t>() < 0) return std::nullopt;
        text += " " + std::to_string(id.get<std::int64_t>());
    }
    return text + "]";
}

// The inputs as texts: a string, an array of strings, one token-id array, or an array of them.
std::expected<std::vector<std::string>, Error> embedding_inputs(const nlohmann::json& input) {
    if (input.is_string()) {
        if (input.get_ref<const std::string&>().empty())
            return refuse_embeddings_field("input", "must not be an empty string");
        return std::vector<std::string>{input.get<std::string>()};
    }
    if (!input.is_array() || input.empty() || input.size() > kMaxEmbeddingInputs)
        return refuse_embeddings_field("input", "must be a string or an array of 1 to 2048 strings or token-id arrays");
    if (input.front().is_number()) {
        auto ids = token_ids_text(input);
        if (!ids) return refuse_embeddings_field("input", "a token-id array must hold non-negative integers only");
        return std::vector<std::string>{std::move(*ids)};
    }
    std::vector<std::string> texts;
    texts.reserve(input.size());
    for (std::size_t i = 0; i < input.size(); ++i) {
        const auto& item = input[i];
        const std::string path = "input[" + std::to_string(i) + "]";
        if (item.is_string()) {
            if (item.get_ref<const std::string&>().empty()) return refuse_embeddings_field(path, "must not be an empty string");
            texts.push_back(item.get<std::string>());
        } else if (auto ids = token_ids_text(item)) {
            texts.push_back(std::move(*ids));
        } else {
            return refuse_embeddings_field(path, "must be a non-empty string or an array of non-negative token ids");
        }
    }
    return texts;
}

Error malformed_embeddings_answer(std::string_view problem, int http_status) {
    auto error = wire::make_error(ErrorClass::MalformedResponse, "the embeddings answer " + std::string(problem));
    error.http_status = http_status;
    return error;
}

// What the engine needs of an embeddings answer, read as the parser goes instead of from a
// tree: 2,048 inputs of 3,072 dimensions are tens of MB of numbers, which as a JSON tree would
// take ten times that in memory on the transport thread. Counts the items of `data`, the
// dimensions of their embeddings (numbers, or base64 bytes), and reads `model` and
// `usage.prompt_tokens`.
class EmbeddingsAnswerScan final : public nlohmann::json_sax<nlohmann::json> {
public:
    bool root_object = false;
    bool data_array = false;
    bool item_without_embedding = false;
    std::size_t items = 0, dimensions = 0;
    bool base64 = false;
    std::string model;
    std::int64_t prompt_tokens = 0;

    bool null() override { return scalar(); }
    bool boolean(bool) override { return scalar(); }
    bool number_integer(number_integer_t n) override { return number(static_cast<double>(n)); }
    bool number_unsigned(number_unsigned_t n) override { return number(static_cast<double>(n)); }
    bool number_float(number_float_t n, const string_t&) override { return number(n); }
    bool binary(binary_t&) override { return scalar(); }
    bool string(string_t& text) override {
        if (at_root_key("model")) model = text;
        if (in_item_key("embedding")) {
            base64 = true;
            dimensions = text.size() * 3 / 4 / sizeof(float);  // little-endian float32s, 4/3 encoded
        }
        return scalar();
    }
    bool start_object(std::size_t) override {
        if (m_frames.empty()) root_object = true;
        if (in_item_key("embedding")) m_item_has_embedding = true;
        if (in_data_array()) {
            ++items;
            m_item_has_embedding = false;
        }
        m_frames.push_back({false, {}});
        return true;
    }
    bool end_object() override {
        m_frames.pop_back();
        if (in_data_array() && !m_item_has_embedding) item_without_embedding = true;
        return true;
    }
    bool key(string_t& name) override {
        m_frames.back().key = name;
        return true;
    }
    bool start_array(std::size_t) override {
        if (at_root_key("data")) {  // a repeated key: the last one counts, as in a JSON tree
            data_array = true;
            items = 0;
            item_without_embedding = false;
        }
        if (in_data_array()) item_without_embedding = true;  // an item that is not an object
        if (in_item_key("embedding")) {
            m_item_has_embedding = true;
            m_in_embedding = true;
            m_numbers = 0;
        }
        m_frames.push_back({true, {}});
        return true;
    }
    bool end_array() override {
        m_frames.pop_back();
        if (m_in_embedding && in_item_key("embedding")) {
            m_in_embedding = false;
            base64 = false;
            dimensions = m_numbers;
        }
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

private:
    struct Frame {
        bool array = false;
        std::string key;  // an object's current key
    };

    bool at_root_key(std::string_view name) const {
        return m_frames.size() == 1 && !m_frames[0].array && m_frames[0].key == name;
    }
    bool in_data_array() const {
        return m_frames.size() == 2 && m_frames[1].array && m_frames[0].key == "data";
    }
    bool in_item_key(std::string_view name) const {
        return m_frames.size() == 3 && m_frames[0].key == "data" && m_frames[1].array && !m_frames[2].array &&
               m_frames[2].key == name;
    }
    bool number(double n) {
        if (m_in_embedding && m_frames.size() == 4) ++m_numbers;
        if (m_frames.size() == 2 && m_frames[0].key == "usage" && !m_frames[1].array &&
            m_frames[1].key == "prompt_tokens")
            prompt_tokens = static_cast<std::int64_t>(n);
        return scalar();
    }
    // A scalar directly in `data` is an item without an embedding; one under an item's
    // `embedding` key is its embedding, whatever it holds.
    bool scalar() {
        if (in_data_array()) item_without_embedding = true;
        if (in_item_key("embedding")) m_item_has_embedding = true;
        return true;
    }

    std::vector<Frame> m_frames;
    bool m_item_has_embedding = false;
    bool m_in_embedding = false;
    std::size_t m_numbers = 0;
};

}  // namespace

std::expected<ChatRequest, Error> chat_request_from_embeddings(const nlohmann::json& body) {
    if (!body.is_object()) return refuse_embeddings_field("body", "must be a JSON object");
    ChatRequest request;
    request.wire = WireApi::OpenAIEmbeddings;
    const auto* model = field(body, "model");
    if (!model || !model->is_string() || model->get_ref<const std::string&>().empty())
        return refuse_embeddings_field("model", "required: the embedding model, e.g. \"text-embedding-3-small\"");
    request.model = model->get<std::string>();
    const auto* input = field(body, "input");
    if (!input) return refuse_embeddings_field("input", "required: the text, or an array of texts, to embed");
    auto texts = embedding_inputs(*input);
    if (!texts) return std::unexpected(std::move(texts.error()));
    for (auto& text : *texts) request.messages.push_back(Message{.role = Role::User, .content = std::move(text)});
    if (const auto* format = field(body, "encoding_format"))
        if (!format->is_string() || (*format != "float" && *format != "base64"))
            return refuse_embeddings_field("encoding_format", "must be \"float\" or \"base64\"");
    if (const auto* dimensions = field(body, "dimensions"))
        if (!dimensions->is_number_integer() || dimensions->get<std::int64_t>() < 1)
            return refuse_embeddings_field("dimensions", "must be a positive integer");
    if (const auto* user = field(body, "user"); user && !user->is_string())
        return refuse_embeddings_field("user", "must be a string");
    request.passthrough_body = body;
    return request;
}

std::expected<ChatResponse, Error> chat_response_from_embeddings(std::string_view body, int http_status) {
    EmbeddingsAnswerScan scan;
    const bool parsed = nlohmann::json::sax_parse(body.begin(), body.end(), &scan);
    if (!parsed || !scan.root_object)
        return std::unexpected(malformed_embeddings_answer(
            "is not a JSON object (HTTP " + std::to_string(http_status) + ", " + std::to_string(body.size()) + " bytes)",
            http_status));
    if (!scan.data_array) return std::unexpected(malformed_embeddings_answer("has no data array", http_status));
    if (scan.item_without_embedding)
        return std::unexpected(malformed_embeddings_answer("has an item without an embedding", http_status));
    ChatResponse answer;
    answer.model = std::move(scan.model);
    answer.finish_reason = "stop";
    answer.usage.input_tokens = scan.prompt_tokens;
    answer.content = std::to_string(scan.items) + (scan.items == 1 ? " embedding × " : " embeddings × ") +
                     std::to_string(scan.dimensions) + " dimensions, " + (scan.base64 ? "base64" : "float");
    answer.passthrough_body = std::string(body);
    return answer;
}

std::expected<ChatRequest, Error> embedding_request_for(const std::string& model, const std::string& text) {
    return chat_request_from_embeddings({{"model", model}, {"input", text}, {"encoding_format", "float"}});
}

std::expected<std::vector<float>, std::string> first_embedding(const ChatResponse& answer) {
    const auto json = nlohmann::json::parse(answer.passthrough_body, nullptr, false);
    const auto* data = json.is_object() ? field(json, "data") : nullptr;
    if (!data || !data->is_array() || data->empty()) return std::unexpected(std::string("the answer has no embedding"));
    const auto* vector = field(data->front(), "embedding");
    if (vector && vector->is_string()) {
        const std::string bytes = base64_decode(vector->get_ref<const std::string&>());
        if (bytes.empty() || bytes.size() % sizeof(float) != 0)
            return std::unexpected(std::string("the base64 embedding is not a whole number of float32s"));
        std::vector<float> floats(bytes.size() / sizeof(float));
        std::memcpy(floats.data(), bytes.data(), bytes.size());  // little-endian, as OpenAI sends them
        return floats;
    }
    if (!vector || !vector->is_array() || vector->empty()) return std::unexpected(std::string("the answer has no embedding"));
    std::vector<float> floats;
    floats.reserve(vector->size());
    for (const auto& value : *vector) {
        if (!value.is_number()) return std::unexpected(std::string("the embedding holds something other than numbers"));
        floats.push_back(value.get<float>());
    }
    return floats;
}

}  // namespace sb
