#include "transport/sse_parser.h"

#include <algorithm>
#include <charconv>

namespace sb {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

}  // namespace

SseParser::SseParser(std::size_t max_event_bytes) : m_max_event_bytes(max_event_bytes) {}

void SseParser::reset() {
    m_line.clear();
    m_data.clear();
    m_event_type.clear();
    m_last_id.clear();
    m_bom_prefix.clear();
    m_retry_ms.reset();
    m_error.clear();
    m_checking_bom = true;
    m_after_cr = false;
}

void SseParser::feed(std::string_view bytes, const EventCallback& on_event) {
    if (failed()) return;
    // The BOM may itself be split across chunks, so hold its bytes until it is decided.
    while (m_checking_bom && !bytes.empty()) {
        m_bom_prefix.push_back(bytes.front());
        bytes.remove_prefix(1);
        if (m_bom_prefix == kBom) {
            m_checking_bom = false;
            m_bom_prefix.clear();
        } else if (!kBom.starts_with(m_bom_prefix)) {
            m_checking_bom = false;
            std::string held;
            held.swap(m_bom_prefix);
            consume(held, on_event);
        }
    }
    consume(bytes, on_event);
}

void SseParser::consume(std::string_view bytes, const EventCallback& on_event) {
    while (!bytes.empty() && !failed()) {
        if (m_after_cr) {
            m_after_cr = false;
            if (bytes.front() == '\n') {
                bytes.remove_prefix(1);
                continue;
            }
        }
        const std::size_t end = bytes.find_first_of("\r\n");
        if (end == std::string_view::npos) {
            if (!within_limit(bytes.size())) return;
            m_line.append(bytes);
            return;
        }
        const std::string_view piece = bytes.substr(0, end);
        m_after_cr = bytes[end] == '\r';
        bytes.remove_prefix(end + 1);
        if (!within_limit(piece.size())) return;
        if (m_line.empty()) {
            // Fast path: the whole line is inside this chunk, no copy needed.
            process_line(piece, on_event);
        } else {
            m_line.append(piece);
            process_line(m_line, on_event);
            m_line.clear();
        }
    }
}

bool SseParser::within_limit(std::size_t extra_line_bytes) {
    const std::size_t size = m_data.size() + m_event_type.size() + m_line.size() + extra_line_bytes;
    if (size <= m_max_event_bytes) return true;
    m_error = "SSE event larger than " + std::to_string(m_max_event_bytes) + " bytes";
    m_line.clear();
    m_data.clear();
    m_event_type.clear();
    return false;
}

void SseParser::process_line(std::string_view line, const EventCallback& on_event) {
    if (line.empty()) {
        dispatch(on_event);
        return;
    }
    if (line.front() == ':') return;  // comment, e.g. a keep-alive
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
        process_field(line, {});
        return;
    }
    std::string_view value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    process_field(line.substr(0, colon), value);
}

void SseParser::process_field(std::string_view name, std::string_view value) {
    if (name == "data") {
        m_data.append(value);
        m_data.push_back('\n');
    } else if (name == "event") {
        m_event_type.assign(value);
    } else if (name == "id") {
        if (value.find('\0') == std::string_view::npos) m_last_id.assign(value);
    } else if (name == "retry") {
        const bool digits = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
            return c >= '0' && c <= '9';
        });
        long long ms = 0;
        if (digits && std::from_chars(value.data(), value.data() + value.size(), ms).ec == std::errc{})
            m_retry_ms = ms;
    }
    // Other field names are ignored, as the spec requires.
}

void SseParser::dispatch(const EventCallback& on_event) {
    if (m_data.empty()) {
        m_event_type.clear();
        return;
    }
    m_data.pop_back();  // the '\n' after the last data line
    SseEvent event;
    event.event.swap(m_event_type);
    event.data.swap(m_data);
    event.id = m_last_id;
    if (on_event) on_event(std::move(event));
}

bool SseParser::finish() {
    const bool pending =
        !m_line.empty() || !m_data.empty() || !m_event_type.empty() || !m_bom_prefix.empty();
    m_line.clear();
    m_data.clear();
    m_event_type.clear();
    m_bom_prefix.clear();
    m_after_cr = false;
    return pending;
}

}  // namespace sb
