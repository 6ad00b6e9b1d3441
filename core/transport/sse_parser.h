#pragma once
// Incremental parser for the WHATWG Server-Sent Events stream format.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "transport/sse_event.h"

namespace sb {

class SseParser final {
public:
    using EventCallback = std::function<void(SseEvent&&)>;

    static constexpr std::size_t kDefaultMaxEventBytes = 16u * 1024u * 1024u;

    // max_event_bytes bounds one event (its fields plus the line being read), so a stream that
    // never sends a blank line cannot grow memory without limit.
    explicit SseParser(std::size_t max_event_bytes = kDefaultMaxEventBytes);

    // Feeds the next bytes of the stream; the split into chunks does not matter. Complete events
    // are passed to on_event before feed returns. After a failure, further bytes are ignored.
    void feed(std::string_view bytes, const EventCallback& on_event);

    // Ends the stream. Returns true when a partial event (an unterminated line, or fields with
    // no closing blank line) was left pending, i.e. the stream was truncated. Pending data is
    // discarded, as the spec requires.
    bool finish();

    // Back to the initial state, for a new stream.
    void reset();

    bool failed() const { return !m_error.empty(); }
    const std::string& error() const { return m_error; }

    // The last valid `retry:` value the stream sent, in milliseconds.
    std::optional<long long> retry_ms() const { return m_retry_ms; }

private:
    void consume(std::string_view bytes, const EventCallback& on_event);
    void process_line(std::string_view line, const EventCallback& on_event);
    void process_field(std::string_view name, std::string_view value);
    void dispatch(const EventCallback& on_event);
    bool within_limit(std::size_t extra_line_bytes);

    std::size_t m_max_event_bytes;
    std::string m_line;        // a line that has not ended yet
    std::string m_data;        // data lines, each followed by '\n'
    std::string m_event_type;
    std::string m_last_id;     // persists across events, per spec
    std::string m_bom_prefix;  // the first bytes while a leading BOM is still possible
    std::optional<long long> m_retry_ms;
    std::string m_error;
    bool m_checking_bom = true;
    bool m_after_cr = false;   // the previous byte was a CR, so a following LF is part of it
};

}  // namespace sb
