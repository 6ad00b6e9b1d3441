#pragma once
// The deterministic reply to a chat request: text made from the question, a call of an offered
// tool, an answer quoting the tool results it was sent, or JSON matching the schema it asked
// for; n choices of it.
#include <cstdint>
#include <string>
#include <vector>

#include "simulator/sim_request.h"

namespace sb {

struct SimToolCall {
    std::string name;
    std::string arguments;                     // JSON text
    std::vector<std::string> argument_pieces;  // stream fragments; joined they are `arguments`
};

struct SimChoice {
    std::vector<std::string> pieces;      // stream deltas; one piece = one completion token
    std::string text;                     // the pieces joined
    bool truncated = false;               // cut by max_tokens
    std::vector<SimToolCall> tool_calls;  // non-empty: the turn ends in tool calls
};

struct SimReply {
    std::vector<SimChoice> choices;  // request.n of them, at least one
    std::int64_t prompt_tokens = 0;
    std::int64_t completion_tokens = 0;  // all choices together
};

SimReply make_sim_reply(const SimChatRequest& request, int reply_words);
// The reply to a request sent with x-sim-echo: the transcript itself, so a test can see
// every turn that arrived in this provider's format (tools are never called).
SimReply make_echo_reply(const SimChatRequest& request);
// Completion tokens of a choice: its pieces plus its call arguments' fragments.
std::int64_t sim_choice_tokens(const SimChoice& choice);

// Ids in each provider's style, drawn from `entropy`.
std::string sim_random_chars(std::uint64_t entropy, std::size_t count, bool hex_only);

}  // namespace sb
