#pragma once
// Reads an upstream chat.completion body straight into a ChatResponse, without building a
// JSON tree first: on the gateway's path every answer passes through here, and a tree of
// a typical answer (ids, usage details, annotations) cost more than the rest of the answer's
// handling put together.
#include <expected>
#include <string_view>

#include "model/chat.h"
#include "model/error.h"

namespace sb {

// An upstream 2xx body (valid UTF-8; see model/utf8.h). Errors are MalformedResponse, carry
// `http_status`, and name what is missing ("OpenAI response has no choices[0].message").
// As in any JSON object, a key given twice counts with its last value.
std::expected<ChatResponse, Error> chat_response_from_openai(std::string_view body, int http_status = 200);

}  // namespace sb
