#pragma once
// The chat.completion object our gateway returns, written as text field by field: every
// non-streamed answer passes through here, and building a JSON tree only to print it cost
// several times as much.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/chat.h"

namespace sb {

// `created` is a Unix time in seconds. Keys come in the order OpenAI sends them.
std::string chat_response_to_openai(const ChatResponse& response, std::int64_t created);

// A message's "content" and, when it calls tools, "tool_calls", as OpenAI writes them in
// answers and in the assistant turns of requests.
void append_openai_content(std::string& out, std::string_view content, const std::vector<ToolCall>& calls);

}  // namespace sb
