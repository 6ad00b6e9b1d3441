#pragma once
// The parts of a chat request the simulator needs, and the deterministic reply it gives.
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace sb {

struct SimChatRequest {
    std::string model;
    bool stream = false;
    bool include_usage = false;        // OpenAI stream_options.include_usage
    bool include_obfuscation = true;   // OpenAI stream_options.include_obfuscation
    std::optional<std::int64_t> max_tokens;
    std::string last_user_text;
    std::size_t prompt_chars = 0;      // all message (and system) text
    std::string transcript;            // "system: …\nuser: …\nassistant: …", every turn as received
};

// Errors name the offending field, worded like the provider's own 400 messages.
std::expected<SimChatRequest, std::string> parse_openai_chat(const nlohmann::json& body);
std::expected<SimChatRequest, std::string> parse_anthropic_messages(const nlohmann::json& body);

struct SimReply {
    std::vector<std::string> pieces;  // stream deltas; one piece = one completion token
    std::string text;                 // the pieces joined
    bool truncated = false;           // cut by max_tokens
    std::int64_t prompt_tokens = 0;
    std::int64_t completion_tokens = 0;
};

SimReply make_sim_reply(const SimChatRequest& request, int reply_words);
// The reply to a request sent with x-sim-echo: the transcript itself, so a test can see
// every turn that arrived in this provider's format.
SimReply make_echo_reply(const SimChatRequest& request);

// Ids in each provider's style, drawn from `entropy`.
std::string sim_random_chars(std::uint64_t entropy, std::size_t count, bool hex_only);

}  // namespace sb
