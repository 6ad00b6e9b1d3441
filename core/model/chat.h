#pragma once
// Provider-neutral chat types. Adapters in core/providers translate these to and from
// each wire format; everything else in the engine speaks only these.
#include <chrono>
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

struct Message {
    Role role = Role::User;
    std::string content;
    std::string name;                  // optional participant name (OpenAI)
    std::vector<ToolCall> tool_calls;  // assistant turns that call tools
    std::string tool_call_id;          // tool turns: which call this answers
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
    nlohmann::json extra = nlohmann::json::object();  // other wire fields passed through (tools, response_format…)
    Headers extra_headers;       // passed to the upstream as-is (e.g. simulator fault injection)
    std::chrono::milliseconds deadline{0};  // total budget incl. retries; 0 = config default
    CachePolicy cache_policy = CachePolicy::Default;
};

struct ChatResponse {
    std::string id;     // the provider's response id
    std::string model;  // the model that answered, as the provider names it
    std::string content;
    std::vector<ToolCall> tool_calls;
    std::string finish_reason;  // normalised: stop, length, tool_calls, content_filter
    Usage usage;
};

// One piece of a streamed answer. The final delta carries finish_reason and usage.
struct StreamDelta {
    std::string content;
    std::string finish_reason;
    std::optional<Usage> usage;
};

}  // namespace sb
