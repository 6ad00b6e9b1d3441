#pragma once
// Whether two readings of a client's request are the same request, field by field. Numbers are
// compared by sign as well as value: a -0.0 read as 0.0 would change the text sent upstream.
#include <cmath>
#include <optional>

#include "model/chat.h"

namespace sb::test {

inline bool same_number(std::optional<double> a, std::optional<double> b) {
    return a.has_value() == b.has_value() && (!a || (*a == *b && std::signbit(*a) == std::signbit(*b)));
}

// The first field in which the two differ, or nullptr when they are the same request.
inline const char* first_difference(const ChatRequest& a, const ChatRequest& b) {
    if (a.model != b.model) return "model";
    if (!(a.messages == b.messages)) return "messages";
    if (!same_number(a.temperature, b.temperature)) return "temperature";
    if (!same_number(a.top_p, b.top_p)) return "top_p";
    if (a.max_tokens != b.max_tokens) return "max_tokens";
    if (a.stop != b.stop) return "stop";
    if (a.stream != b.stream) return "stream";
    if (a.tools != b.tools) return "tools";
    if (a.tool_choice != b.tool_choice) return "tool_choice";
    if (a.parallel_tool_calls != b.parallel_tool_calls) return "parallel_tool_calls";
    if (a.response_format != b.response_format) return "response_format";
    if (a.n != b.n) return "n";
    if (a.wire != b.wire) return "wire";
    if (a.extra != b.extra) return "extra";
    return nullptr;
}

}  // namespace sb::test
