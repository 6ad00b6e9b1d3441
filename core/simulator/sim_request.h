#pragma once
// The parts of a request the simulator needs, read from each wire format it speaks and
// validated the way that provider validates it, so a gateway that sends a wrong shape gets the
// provider's own 400.
#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sb {

enum class SimWire { openai_chat, anthropic_messages, openai_responses };

// A function the request offers the model.
struct SimTool {
    std::string name;
    nlohmann::json parameters;  // its JSON Schema; null when none was given
};

// tool_choice, whatever the format said it in.
struct SimToolChoice {
    enum class Mode { automatic, none, required, named };
    Mode mode = Mode::automatic;
    std::string name;  // Mode::named
};

struct SimChatRequest {
    SimWire wire = SimWire::openai_chat;
    std::string model;
    bool stream = false;
    bool include_usage = false;       // OpenAI stream_options.include_usage
    bool include_obfuscation = true;  // OpenAI stream_options.include_obfuscation
    std::optional<std::int64_t> max_tokens;
    int n = 1;  // OpenAI chat's choices; 1 elsewhere
    std::string last_user_text;
    std::size_t prompt_chars = 0;  // all text: turns, system, tool calls and results, tools
    std::int64_t part_tokens = 0;  // images, audio and files (sim_part_tokens)
    // "system: …\nuser: …\nassistant: …", every turn as received; non-text parts, tool calls and
    // tool results appear as bracketed descriptions in the format's own terms.
    std::string transcript;
    std::vector<SimTool> tools;  // callable functions offered (built-in tools left out)
    SimToolChoice tool_choice;
    bool ends_with_user = false;            // the last turn is the user's (not tool results)
    std::vector<std::string> tool_results;  // the last turn's tool results, when it is one
    // Structured output asked for (OpenAI response_format, Responses text.format, Anthropic
    // output_config.format): the JSON Schema the answer must match; null for free text.
    nlohmann::json answer_schema;
    // Responses API: the request settings its response object repeats (instructions, tools, …).
    nlohmann::json responses_settings = nlohmann::json::object();
};

// A request refused as the provider would: `message` names the field; `param` is the path
// OpenAI reports in error.param (empty: null).
struct SimBadRequest {
    std::string message;
    std::string param;
};

std::expected<SimChatRequest, SimBadRequest> parse_openai_chat(const nlohmann::json& body);
std::expected<SimChatRequest, SimBadRequest> parse_anthropic_messages(const nlohmann::json& body);
std::expected<SimChatRequest, SimBadRequest> parse_openai_responses(const nlohmann::json& body);
// The reader of `wire`'s requests, one of the three above.
std::expected<SimChatRequest, SimBadRequest> parse_sim_chat(SimWire wire, const nlohmann::json& body);

}  // namespace sb
