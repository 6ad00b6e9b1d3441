#include "simulator/sim_chat.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "simulator/sim_fate.h"
#include "simulator/sim_tools.h"

namespace sb {

namespace {

constexpr std::array<std::string_view, 24> kFiller = {
    "latency", "routing", "budget",  "tokens",  "cache",    "replica", "gateway", "request",
    "stream",  "retry",   "weight",  "tier",    "model",    "window",  "signal",  "provider",
    "metric",  "quota",   "failover", "limit",  "response", "trace",   "history", "engine",
};

std::int64_t sim_prompt_tokens(const SimChatRequest& request)
{
    return static_cast<std::int64_t>((request.prompt_chars + 3) / 4) + request.part_tokens;
}

// A text as stream pieces: each word with the space before it.
std::vector<std::string> sim_word_pieces(std::string_view text)
{
    std::vector<std::string> pieces;
    std::size_t start = 0;
    for (std::size_t i = 1; i < text.size(); ++i) {
        if (text[i] == ' ' && text[i - 1] != ' ') {
            pieces.emplace_back(text.substr(start, i - start));
            start = i;
        }
    }
    if (start < text.size())
        pieces.emplace_back(text.substr(start));
    return pieces;
}

void sim_apply_limit(SimChoice& choice, const std::optional<std::int64_t>& max_tokens)
{
    if (max_tokens && static_cast<std::int64_t>(choice.pieces.size()) > *max_tokens) {
        choice.pieces.resize(static_cast<std::size_t>(*max_tokens));
        choice.truncated = true;
    }
    choice.text.clear();
    for (const auto& piece : choice.pieces)
        choice.text += piece;
}

// "Simulated answer to: <the question's first words> <filler>"; choices after the first say
// their number ("Simulated answer #2 to: …") and draw other filler, so each choice differs.
SimChoice sim_text_choice(const SimChatRequest& request, int reply_words, int index)
{
    SimChoice choice;
    choice.pieces.reserve(static_cast<std::size_t>(reply_words));
    auto add = [&](std::string_view word) {
        if (word.empty() || static_cast<int>(choice.pieces.size()) >= reply_words)
            return;
        std::string piece;
        if (!choice.pieces.empty())
            piece += ' ';
        piece += word;
        choice.pieces.push_back(std::move(piece));
    };
    add("Simulated");
    add("answer");
    if (index > 0)
        add("#" + std::to_string(index + 1));
    add("to:");
    // The first words of the question, then filler chosen by its hash: same prompt, same reply.
    std::string_view rest = request.last_user_text;
    for (int taken = 0; taken < 8 && !rest.empty(); ++taken) {
        const auto start = rest.find_first_not_of(" \t\r\n");
        if (start == std::string_view::npos)
            break;
        rest.remove_prefix(start);
        const auto end = rest.find_first_of(" \t\r\n");
        add(rest.substr(0, end));
        rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    }
    SimRng rng(sim_hash(request.last_user_text) + static_cast<std::uint64_t>(index));
    while (static_cast<int>(choice.pieces.size()) < reply_words)
        add(kFiller[rng.next() % kFiller.size()]);
    sim_apply_limit(choice, request.max_tokens);
    return choice;
}

// The answer after tool results: it quotes them, so a round trip shows they arrived.
SimChoice sim_tool_result_choice(const SimChatRequest& request)
{
    std::string text = "The tool said:";
    for (std::size_t i = 0; i < request.tool_results.size(); ++i)
        text += (i == 0 ? " " : "; ") + request.tool_results[i];
    SimChoice choice;
    choice.pieces = sim_word_pieces(text);
    sim_apply_limit(choice, request.max_tokens);
    return choice;
}

// The tool the answer calls: the forced one, else the first offered; none unless the user
// spoke last and tool_choice allows a call.
const SimTool* sim_tool_to_call(const SimChatRequest& request)
{
    if (!request.ends_with_user || request.tools.empty()
        || request.tool_choice.mode == SimToolChoice::Mode::none)
        return nullptr;
    if (request.tool_choice.mode != SimToolChoice::Mode::named)
        return &request.tools.front();
    for (const auto& tool : request.tools)
        if (tool.name == request.tool_choice.name)
            return &tool;
    return nullptr;
}

// A structured answer: JSON made from the schema the request asked for, streamed in fragments.
SimChoice sim_structured_choice(const SimChatRequest& request)
{
    SimChoice choice;
    choice.pieces =
        sim_argument_pieces(sim_tool_arguments(request.answer_schema, request.last_user_text).dump());
    sim_apply_limit(choice, request.max_tokens);
    return choice;
}

SimChoice sim_tool_call_choice(const SimChatRequest& request, const SimTool& tool)
{
    SimChoice choice;
    // Claude says a sentence before a call it was not forced to make; GPT models do not.
    if (request.wire == SimWire::anthropic_messages
        && request.tool_choice.mode == SimToolChoice::Mode::automatic) {
        choice.pieces = sim_word_pieces("I'll call " + tool.name + ".");
        sim_apply_limit(choice, std::nullopt);
    }
    const std::string arguments = sim_tool_arguments(tool.parameters, request.last_user_text).dump();
    choice.tool_calls.push_back(SimToolCall{tool.name, arguments, sim_argument_pieces(arguments)});
    return choice;
}

}  // namespace

std::int64_t sim_choice_tokens(const SimChoice& choice)
{
    auto tokens = static_cast<std::int64_t>(choice.pieces.size());
    for (const auto& call : choice.tool_calls)
        tokens += static_cast<std::int64_t>(call.argument_pieces.size()) + 1;  // + the name
    return tokens;
}

SimReply make_echo_reply(const SimChatRequest& request)
{
    SimReply reply;
    SimChoice choice;
    choice.text = request.transcript;
    choice.pieces = {request.transcript};
    reply.choices.assign(static_cast<std::size_t>(std::max(1, request.n)), choice);
    reply.prompt_tokens = sim_prompt_tokens(request);
    reply.completion_tokens = static_cast<std::int64_t>(reply.choices.size());
    return reply;
}

SimReply make_sim_reply(const SimChatRequest& request, int reply_words)
{
    SimReply reply;
    const SimTool* tool = request.tool_results.empty() ? sim_tool_to_call(request) : nullptr;
    for (int index = 0; index < std::max(1, request.n); ++index) {
        if (!request.tool_results.empty())
            reply.choices.push_back(sim_tool_result_choice(request));
        else if (tool)
            reply.choices.push_back(sim_tool_call_choice(request, *tool));
        else if (!request.answer_schema.is_null())
            reply.choices.push_back(sim_structured_choice(request));
        else
            reply.choices.push_back(sim_text_choice(request, reply_words, index));
        reply.completion_tokens += sim_choice_tokens(reply.choices.back());
    }
    reply.prompt_tokens = sim_prompt_tokens(request);
    return reply;
}

std::string sim_random_chars(std::uint64_t entropy, std::size_t count, bool hex_only)
{
    static constexpr std::string_view kAlphabet =
        "0123456789abcdefABCDEFGHIJKLMNOPQRSTUVWXYZghijklmnopqrstuvwxyz";
    const std::size_t size = hex_only ? 16 : kAlphabet.size();
    SimRng rng(entropy);
    std::string out(count, '0');
    for (auto& c : out)
        c = kAlphabet[rng.next() % size];
    return out;
}

}  // namespace sb
