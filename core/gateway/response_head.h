#pragma once
// The status line and headers of an HTTP/1.1 response, written directly: for a small answer
// Beast's serializer cost more than the rest of the response's handling.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "model/headers.h"

namespace sb {

// `content_length` empty: a chunked body follows. A header given twice (in any case) is
// written once, with its last value. The framing headers (Content-Length, Transfer-Encoding,
// Connection) are this function's alone; callers' copies are dropped.
std::string response_head(int status, const Headers& headers, bool keep_alive,
                          std::optional<std::size_t> content_length);

// "name: value\r\n". Line breaks in the value become spaces: a value can carry text from
// upstream (a model name), and must not be able to start a header of its own.
void append_header_line(std::string& out, std::string_view name, std::string_view value);

}  // namespace sb
