#pragma once
// Pieces shared by the request readers of the three wire formats.
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "simulator/sim_content_parts.h"
#include "simulator/sim_request.h"

namespace sb {

// What OpenAI and Anthropic answer a body that is not JSON (both with this text).
inline constexpr std::string_view kSimUnparsableJson =
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your "
    "HTTP library correctly.)";

inline std::unexpected<SimBadRequest> sim_refuse(std::string message, std::string param = {})
{
    return std::unexpected(SimBadRequest{std::move(message), std::move(param)});
}

// A member of a JSON object; nullptr when absent, null, or `object` is no object.
const nlohmann::json* sim_field(const nlohmann::json& object, std::string_view key);
// A string member, or nullptr when it is absent or not a string.
const std::string* sim_string_field(const nlohmann::json& object, std::string_view key);
// A boolean member, or `fallback` when it is absent or not a boolean.
bool sim_flag(const nlohmann::json& object, std::string_view key, bool fallback);

// The body is an object with a model; `stream`, when given, a boolean.
std::expected<void, SimBadRequest> sim_read_model_and_stream(const nlohmann::json& body, SimChatRequest& out);
// A token limit: absent or an integer >= 1.
std::expected<std::optional<std::int64_t>, SimBadRequest> sim_read_limit(const nlohmann::json& body,
                                                                         const char* key);
// OpenAI's wording of a refused field.
std::string sim_openai_missing(const std::string& path);
std::string sim_openai_invalid_value(const std::string& path, std::string_view value,
                                     std::string_view supported);
std::string sim_openai_invalid_type(const std::string& path, std::string_view expected,
                                    const nlohmann::json& got);
// The `limit` query parameter of an OpenAI list: `fallback` when absent, else 1 to `max`.
std::expected<std::size_t, SimBadRequest> sim_openai_list_limit(std::optional<std::string_view> text,
                                                                std::size_t fallback, std::size_t max);
// "a string", "an object", …: a JSON value's type as error messages name it.
std::string_view sim_json_type_words(const nlohmann::json& value);

// OpenAI's tool_choice (chat and Responses) given as a word: none, auto or required. True when
// it was a word (read into `out`, or refused); false for an object, which each API names apart.
bool sim_openai_tool_choice_word(const nlohmann::json& choice, SimChatRequest& out,
                                 std::expected<void, SimBadRequest>& result);

// The schema of a JSON-mode answer, which names none: one string property, "answer".
nlohmann::json sim_json_mode_schema();

// ^[a-zA-Z0-9_-]{1,max}$, the function names both providers accept.
bool sim_is_tool_name(std::string_view name, std::size_t max);

// One turn of the transcript being built: text, and bracketed notes for what is not text
// (parts, tool calls, tool results), in the order they came, joined by spaces.
class SimTurn {
public:
    // Prompt text of the turn (counted in prompt_chars).
    void text(std::string_view text);
    // A description; `prompt_chars` of what it stands for count as prompt (call arguments,
    // result text), the description itself does not.
    void note(std::string description, std::size_t prompt_chars = 0);
    const std::string& plain_text() const { return m_plain; }
    bool empty() const { return m_segments.empty(); }
    std::size_t prompt_chars() const { return m_prompt_chars; }
    // Every segment, joined by spaces: the turn as its transcript line shows it.
    std::string joined() const;
    // Appends "<who>: <segments>\n" to the transcript and counts the prompt characters.
    void append_to(SimChatRequest& out, std::string_view who) const;

private:
    std::vector<std::string> m_segments;
    std::string m_plain;  // the text segments alone, joined by spaces
    std::size_t m_prompt_chars = 0;
};

// An OpenAI image reference (an http(s) URL, or a base64 data URL of an image type) at `path`:
// notes it on the turn as "[<label> image/png 1234 bytes]" or "[<label> <url>]" (plus
// " detail=<d>" when given) and counts its tokens.
std::expected<void, SimBadRequest> sim_read_openai_image(const std::string& url, const std::string& path,
                                                         std::string_view label, std::string_view detail,
                                                         SimTurn& turn, SimChatRequest& out);
// OpenAI inline file data at `path`: a base64 data URL, or bare base64 (media type unknown).
std::expected<SimDataUrl, SimBadRequest> sim_read_openai_file_data(const std::string& data,
                                                                   const std::string& path);

}  // namespace sb
