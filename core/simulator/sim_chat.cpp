#include "simulator/sim_chat.h"

#include <array>
#include <string_view>

#include <nlohmann/json.hpp>

#include "simulator/sim_fate.h"

namespace sb {

namespace {

// Text of a message `content`: a string, or an array of parts of which the text parts count.
std::expected<std::string, std::string> content_text(const nlohmann::json& content,
                                                     const std::string& path)
{
    if (content.is_string())
        return content.get<std::string>();
    if (!content.is_array())
        return std::unexpected(path + ": must be a string or an array of content parts");
    std::string text;
    for (const auto& part : content) {
        if (part.is_object() && part.contains("text") && part["text"].is_string()) {
            if (!text.empty())
                text += ' ';
            text += part["text"].get<std::string>();
        }
    }
    return text;
}

std::expected<void, std::string> read_messages(const nlohmann::json& body, SimChatRequest& out)
{
    if (!body.contains("messages"))
        return std::unexpected("messages: Field required");
    const auto& messages = body["messages"];
    if (!messages.is_array() || messages.empty())
        return std::unexpected("messages: must be a non-empty array");
    for (std::size_t i = 0; i < messages.size(); ++i) {
        const auto& message = messages[i];
        const std::string path = "messages." + std::to_string(i);
        if (!message.is_object() || !message.contains("role") || !message["role"].is_string())
            return std::unexpected(path + ".role: Field required");
        std::string text;
        if (message.contains("content") && !message["content"].is_null()) {
            auto parsed = content_text(message["content"], path + ".content");
            if (!parsed)
                return std::unexpected(parsed.error());
            text = std::move(*parsed);
        }
        out.prompt_chars += text.size();
        out.transcript += message["role"].get<std::string>() + ": " + text + "\n";
        if (message["role"] == "user")
            out.last_user_text = std::move(text);
    }
    return {};
}

std::expected<void, std::string> read_common(const nlohmann::json& body, SimChatRequest& out)
{
    if (!body.is_object())
        return std::unexpected("body: must be a JSON object");
    if (!body.contains("model") || !body["model"].is_string()
        || body["model"].get<std::string>().empty())
        return std::unexpected("model: Field required");
    out.model = body["model"].get<std::string>();
    if (body.contains("stream") && !body["stream"].is_null()) {
        if (!body["stream"].is_boolean())
            return std::unexpected("stream: must be a boolean");
        out.stream = body["stream"].get<bool>();
    }
    return read_messages(body, out);
}

std::expected<std::optional<std::int64_t>, std::string> read_limit(const nlohmann::json& body,
                                                                   const char* key)
{
    if (!body.contains(key) || body[key].is_null())
        return std::optional<std::int64_t>{};
    if (!body[key].is_number_integer() || body[key].get<std::int64_t>() < 1)
        return std::unexpected(std::string(key) + ": must be an integer >= 1");
    return body[key].get<std::int64_t>();
}

constexpr std::array<std::string_view, 24> kFiller = {
    "latency", "routing", "budget",  "tokens",  "cache",    "replica", "gateway", "request",
    "stream",  "retry",   "weight",  "tier",    "model",    "window",  "signal",  "provider",
    "metric",  "quota",   "failover", "limit",  "response", "trace",   "history", "engine",
};

}  // namespace

std::expected<SimChatRequest, std::string> parse_openai_chat(const nlohmann::json& body)
{
    SimChatRequest request;
    if (auto r = read_common(body, request); !r)
        return std::unexpected(r.error());
    auto limit = read_limit(body, "max_completion_tokens");
    if (!limit)
        return std::unexpected(limit.error());
    if (!*limit) {
        limit = read_limit(body, "max_tokens");
        if (!limit)
            return std::unexpected(limit.error());
    }
    request.max_tokens = *limit;
    if (body.contains("stream_options") && body["stream_options"].is_object()) {
        const auto& options = body["stream_options"];
        request.include_usage = options.value("include_usage", false);
        request.include_obfuscation = options.value("include_obfuscation", true);
    }
    return request;
}

std::expected<SimChatRequest, std::string> parse_anthropic_messages(const nlohmann::json& body)
{
    SimChatRequest request;
    if (auto r = read_common(body, request); !r)
        return std::unexpected(r.error());
    if (!body.contains("max_tokens"))
        return std::unexpected("max_tokens: Field required");
    auto limit = read_limit(body, "max_tokens");
    if (!limit)
        return std::unexpected(limit.error());
    request.max_tokens = *limit;
    if (body.contains("system")) {
        auto system = content_text(body["system"], "system");
        if (!system)
            return std::unexpected(system.error());
        request.prompt_chars += system->size();
        request.transcript = "system: " + *system + "\n" + request.transcript;
    }
    return request;
}

SimReply make_echo_reply(const SimChatRequest& request)
{
    SimReply reply;
    reply.text = request.transcript;
    reply.pieces = {request.transcript};
    reply.prompt_tokens = static_cast<std::int64_t>((request.prompt_chars + 3) / 4);
    reply.completion_tokens = 1;
    return reply;
}

SimReply make_sim_reply(const SimChatRequest& request, int reply_words)
{
    SimReply reply;
    reply.pieces.reserve(static_cast<std::size_t>(reply_words));
    auto add = [&](std::string_view word) {
        if (word.empty() || static_cast<int>(reply.pieces.size()) >= reply_words)
            return;
        std::string piece;
        if (!reply.pieces.empty())
            piece += ' ';
        piece += word;
        reply.pieces.push_back(std::move(piece));
    };
    add("Simulated");
    add("answer");
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
    SimRng rng(sim_hash(request.last_user_text));
    while (static_cast<int>(reply.pieces.size()) < reply_words)
        add(kFiller[rng.next() % kFiller.size()]);

    if (request.max_tokens && static_cast<std::int64_t>(reply.pieces.size()) > *request.max_tokens) {
        reply.pieces.resize(static_cast<std::size_t>(*request.max_tokens));
        reply.truncated = true;
    }
    for (const auto& piece : reply.pieces)
        reply.text += piece;
    reply.prompt_tokens = static_cast<std::int64_t>((request.prompt_chars + 3) / 4);
    reply.completion_tokens = static_cast<std::int64_t>(reply.pieces.size());
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
