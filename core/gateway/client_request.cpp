#include "gateway/client_request.h"

#include <nlohmann/json.hpp>
#include <optional>

#include "providers/openai_translation.h"

namespace sb {
namespace {

// The OpenAI fields chat_request_from_openai does not check but a client can get wrong.
std::optional<GatewayError> check_owned_fields(const nlohmann::json& body) {
    if (auto it = body.find("model"); it != body.end() && !it->is_string() && !it->is_null())
        return invalid_request("model: must be a string", "model");
    if (auto it = body.find("stream"); it != body.end() && !it->is_boolean() && !it->is_null())
        return invalid_request("stream: must be a boolean", "stream");
    for (const char* name : {"temperature", "top_p", "max_tokens", "max_completion_tokens"})
        if (auto it = body.find(name); it != body.end() && !it->is_null() && !it->is_number())
            return invalid_request(std::string(name) + ": must be a number", name);
    if (auto it = body.find("stream_options"); it != body.end() && !it->is_null() && !it->is_object())
        return invalid_request("stream_options: must be an object", "stream_options");
    return std::nullopt;
}

bool include_usage(const nlohmann::json& body) {
    const auto options = body.find("stream_options");
    if (options == body.end() || !options->is_object()) return false;
    const auto flag = options->find("include_usage");
    return flag != options->end() && flag->is_boolean() && flag->get<bool>();
}

}  // namespace

std::expected<OpenAIRequestRead, GatewayError> read_client_request(std::string_view text,
                                                                   ClientRequestReading reading) {
    if (reading == ClientRequestReading::Fastest)
        if (auto plain = read_plain_openai_request(text)) return std::move(*plain);
    const auto body = nlohmann::json::parse(text, nullptr, false);
    if (body.is_discarded()) return std::unexpected(invalid_request("the body is not valid JSON (UTF-8)"));
    if (!body.is_object()) return std::unexpected(invalid_request("the body must be a JSON object"));
    if (auto problem = check_owned_fields(body)) return std::unexpected(*problem);
    auto parsed = chat_request_from_openai(body);
    if (!parsed) return std::unexpected(gateway_error_for(parsed.error()));
    return OpenAIRequestRead{std::move(*parsed), include_usage(body)};
}

}  // namespace sb
