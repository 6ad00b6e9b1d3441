#pragma once
// Provider-neutral chat types. Adapters in core/providers translate these to and from
// each wire format; everything else in the engine speaks only these.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/headers.h"

namespace sb {

enum class Role { System, User, Assistant, Tool };
std::string_view to_string(Role role);
std::optional<Role> role_from_string(std::string_view text);

struct ToolCall {
    std::string id;
    std::string name;
    std::string arguments_json;  // the JSON text of the arguments, as the model produced it
    bool operator==(const ToolCall&) const = default;
};

// One piece of a turn's content: text, or an image, audio or a file, inline (base64) or by
// reference (an http(s) URL, or a file id the provider stores).
struct ContentPart {
    enum class Kind { Text, Image, Audio, File };
    Kind kind = Kind::Text;
    std::string text;         // Kind::Text
    std::string media_type;   // "image/png", "audio/wav", "application/pdf"; empty when unknown (a URL)
    std::string data_base64;  // inline bytes, base64 without a data: prefix
    std::string url;          // an http(s) URL (images and documents by reference)
    std::string file_id;      // a file the provider stores (OpenAI Files)
    std::string filename;     // files: the name the client gave
    std::string detail;       // images: OpenAI's "low" / "high" / "auto"
    bool operator==(const ContentPart&) const = default;
};
std::string_view to_string(ContentPart::Kind kind);
// The decoded size of inline data (0 for a reference).
std::size_t decoded_size(const ContentPart& part);

struct Message {
    Role role = Role::User;
    std::string content;               // the text (of every text part, joined)
    std::string name;                  // optional participant name (OpenAI)
    std::vector<ToolCall> tool_calls;  // assistant turns that call tools
    std::string tool_call_id;          // tool turns: which call this answers
    // Empty for text alone. Otherwise every part of the turn in order, text parts included.
    std::vector<ContentPart> parts;
    bool operator==(const Message&) const = default;
};

struct Usage {
    std::int64_t input_tokens = 0;
    std::int64_t output_tokens = 0;
    std::int64_t cached_input_tokens = 0;
    std::int64_t reasoning_tokens = 0;
    std::int64_t total() const { return input_tokens + output_tokens; }
    bool operator==(const Usage&) const = default;
};

// Per-request control of the response cache, as HTTP's Cache-Control means it:
// no_cache — do not answer from the cache (a fresh answer may still be stored);
// no_store — neither read nor store.
enum class CachePolicy { Default, NoCache, NoStore };

// The wire format a request arrived in. Its `extra` fields are in that format: they are sent
// only to providers that speak it, and named in the route reason where they are not.
// OpenAIEmbeddings is not a chat: its inputs are the user turns (for routing rules, the cache's
// rules and the history), the body goes to the provider as it came, and the answer comes back so.
enum class WireApi { OpenAIChat, AnthropicMessages, OpenAIResponses, OpenAIEmbeddings };

struct ChatRequest {
    std::string id;        // engine request id (see request_id.h); set by the engine if empty
    std::string provider;  // optional: pin to a configured provider by name
    std::string model;     // model name or alias; empty = the provider's default model
    std::vector<Message> messages;
    std::optional<double> temperature;
    std::optional<double> top_p;
    std::optional<int> max_tokens;
    std::vector<std::string> stop;
    bool stream = false;
    std::string source = "api";  // ingress tag: gui, gateway, batch, cli
    std::string tier;            // routing tier, if already known
    std::string conversation_id; // keeps a conversation on one target while it is healthy (sticky routing)
    // Tools in OpenAI chat's shape ([{type:function, function:{name, description, parameters}}]),
    // whatever format the request came in; null when none. Each adapter translates them.
    nlohmann::json tools;
    nlohmann::json tool_choice;  // OpenAI chat's shape: "auto" / "none" / "required" / {type:function,…}
    std::optional<bool> parallel_tool_calls;
    nlohmann::json response_format;  // OpenAI chat's shape ({type:json_schema, json_schema:{…}}); null = text
    int n = 1;                       // choices wanted
    WireApi wire = WireApi::OpenAIChat;
    // A request to be passed through as it came (the whole body): a Responses API request, for
    // providers that speak it (the fields above hold its translation), or an embeddings
    // request. Null otherwise.
    nlohmann::json passthrough_body;
    nlohmann::json extra = nlohmann::json::object();  // other wire fields of `wire`'s format, passed through
    Headers extra_headers;       // passed to the upstream as-is (e.g. simulator fault injection)
    std::chrono::milliseconds deadline{0};  // total budget incl. retries; 0 = config default
    CachePolicy cache_policy = CachePolicy::Default;
};

// Choices after the first when a request asked for n > 1.
struct ChatChoice {
    std::string content;
    std::vector<ToolCall> tool_calls;
    std::string finish_reason;
    bool operator==(const ChatChoice&) const = default;
};

struct ChatResponse {
    std::string id;     // the provider's response id
    std::string model;  // the model that answered, as the provider names it
    std::string content;
    std::vector<ToolCall> tool_calls;
    std::string finish_reason;  // normalised: stop, length, tool_calls, content_filter
    Usage usage;
    std::vector<ChatChoice> more_choices;  // choices 1…n-1
    // A passed-through answer (Responses API, embeddings): the provider's body as it came.
    // Empty otherwise.
    std::string passthrough_body;
};

// A piece of one streamed tool call: the first carries id and name, later ones argument text.
struct ToolCallDelta {
    int index = 0;  // which call of the turn, from 0
    std::string id;
    std::string name;
    std::string arguments;
};

// One piece of a streamed answer. The final delta carries finish_reason and usage.
struct StreamDelta {
    std::string content;
    std::string finish_reason;
    std::optional<Usage> usage;
    std::vector<ToolCallDelta> tool_calls;
    int choice = 0;  // which choice, when n > 1
    // A passed-through Responses API stream: one upstream event as it came (name and data).
    std::string responses_event;
    std::string responses_data;
};

}  // namespace sb
