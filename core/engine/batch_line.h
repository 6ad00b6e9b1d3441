#pragma once
// The JSONL line format of OpenAI's Batch API, so files move between the two unchanged.
//   input:  {"custom_id", "method": "POST", "url": "/v1/chat/completions", "body": {…}}
//   output: {"id", "custom_id", "response": {"status_code", "request_id", "body"} | null,
//            "error": {"code", "message"} | null}
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "model/chat.h"
#include "model/error.h"

namespace sb {

struct BatchInputLine {
    std::string custom_id;
    ChatRequest request;
};

struct BatchLineError {
    std::string custom_id;  // when the line was readable far enough to have one
    std::string message;    // "line 7: body.messages: …"
};

std::expected<BatchInputLine, BatchLineError> parse_batch_line(std::string_view line, std::int64_t line_no);

std::string batch_output_for_response(const std::string& custom_id, const std::string& request_id,
                                      const ChatResponse& response);
std::string batch_output_for_error(const std::string& custom_id, const std::string& request_id, const Error& error);
std::string batch_output_for_invalid_line(const BatchLineError& error, const std::string& request_id);

}  // namespace sb
