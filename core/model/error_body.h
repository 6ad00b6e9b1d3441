#pragma once
// Reads the fields of a provider error body, whatever its shape: the OpenAI and Ollama
// `{"error":{…}}` envelope, Anthropic's `{"type":"error","error":{…}}`, vLLM's flat
// `{"object":"error","message":…}`, a bare string, an HTML gateway page or nothing.
// Internal to the error taxonomy.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace sb::detail {

inline constexpr std::size_t kMaxProviderMessage = 400;

struct ErrorBody {
    std::string type;
    std::string code;  // error.details.error_code wins over error.code; numbers as text
    std::string message;
    std::string request_id;
    std::string shape_problem;  // set when the body was not a recognisable error envelope
};

ErrorBody read_error_body(std::string_view body);
ErrorBody read_error_json(const nlohmann::json& json);

// Cuts to at most `limit` bytes on a UTF-8 boundary, collapses whitespace and masks
// anything that looks like an unmasked API key.
std::string clean_message(std::string_view text, std::size_t limit = kMaxProviderMessage);

}  // namespace sb::detail
