#include "gateway/response_head.h"

#include <ostream>  // before Beast: its string_view needs it

#include <boost/beast/http/status.hpp>
#include <charconv>

namespace sb {
namespace {

bool is_framing(std::string_view name) {
    return iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
           iequals(name, "connection");
}

}  // namespace

void append_header_line(std::string& out, std::string_view name, std::string_view value) {
    out.append(name).append(": ");
    for (char c : value) out.push_back(c == '\r' || c == '\n' ? ' ' : c);
    out.append("\r\n");
}

std::string response_head(int status, const Headers& headers, bool keep_alive,
                          std::optional<std::size_t> content_length) {
    namespace http = boost::beast::http;
    std::string out;
    out.reserve(160 + headers.size() * 48);
    char number[24];
    out.append("HTTP/1.1 ").append(number, std::to_chars(number, number + sizeof number, status).ptr);
    out.push_back(' ');
    const auto reason = http::obsolete_reason(http::int_to_status(static_cast<unsigned>(status)));
    out.append(reason.data(), reason.size()).append("\r\n");
    for (std::size_t i = 0; i < headers.size(); ++i) {
        const auto& [name, value] = headers[i];
        if (is_framing(name)) continue;
        bool replaced = false;
        for (std::size_t later = i + 1; later < headers.size() && !replaced; ++later)
            replaced = iequals(headers[later].first, name);
        if (!replaced) append_header_line(out, name, value);
    }
    if (!keep_alive) out.append("Connection: close\r\n");
    if (content_length)
        out.append("Content-Length: ")
            .append(number, std::to_chars(number, number + sizeof number, *content_length).ptr)
            .append("\r\n");
    else
        out.append("Transfer-Encoding: chunked\r\n");
    out.append("\r\n");
    return out;
}

}  // namespace sb
