// SseParser (core/transport/sse_parser.h) against a whole-buffer reference reading of the
// WHATWG event-stream rules. Invariants:
// - the events, retry value, failure and finish() result do not depend on how the bytes are
//   split into feed() calls (in one piece, byte by byte, or in uneven chunks);
// - they are those of the reference;
// - with a small max_event_bytes, the events are a prefix of the reference's, each within
//   the bound, and the parser fails exactly when it stops short;
// - reset() gives a parser that reads the same stream the same way again.
#include <algorithm>
#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.h"
#include "transport/sse_parser.h"

namespace {

using sb::SseEvent;
using sb::SseParser;

struct Outcome {
    std::vector<SseEvent> events;
    bool failed = false;
    std::optional<long long> retry_ms;
    bool pending = false;
};

bool same_event(const SseEvent& a, const SseEvent& b) {
    return a.event == b.event && a.data == b.data && a.id == b.id;
}

bool same_events(const std::vector<SseEvent>& a, const std::vector<SseEvent>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), same_event);
}

bool same_outcome(const Outcome& a, const Outcome& b) {
    return same_events(a.events, b.events) && a.failed == b.failed && a.retry_ms == b.retry_ms &&
           a.pending == b.pending;
}

// Feeds `input` in pieces that end at `cuts` (ascending offsets), then finishes.
Outcome run(SseParser& parser, std::string_view input, const std::vector<std::size_t>& cuts) {
    Outcome out;
    auto collect = [&out](SseEvent&& event) { out.events.push_back(std::move(event)); };
    std::size_t from = 0;
    for (std::size_t cut : cuts) {
        parser.feed(input.substr(from, cut - from), collect);
        from = cut;
    }
    parser.feed(input.substr(from), collect);
    out.failed = parser.failed();
    out.retry_ms = parser.retry_ms();
    out.pending = parser.finish();
    return out;
}

// The same rules read off the whole buffer at once, with no size bound.
Outcome reference(std::string_view input) {
    Outcome out;
    if (input.starts_with("\xEF\xBB\xBF")) input.remove_prefix(3);
    std::string data, type, last_id;
    std::size_t pos = 0;
    while (pos < input.size()) {
        const auto end = input.find_first_of("\r\n", pos);
        if (end == std::string_view::npos) {
            out.pending = true;  // an unterminated last line
            break;
        }
        const auto line = input.substr(pos, end - pos);
        pos = end + (input.substr(end, 2) == "\r\n" ? 2 : 1);
        if (line.empty()) {
            if (!data.empty()) {
                data.pop_back();
                out.events.push_back({type, data, last_id});
            }
            data.clear();
            type.clear();
            continue;
        }
        if (line.front() == ':') continue;
        const auto colon = line.find(':');
        const auto name = line.substr(0, colon);
        auto value = colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
        if (value.starts_with(' ')) value.remove_prefix(1);
        if (name == "data") {
            data.append(value);
            data.push_back('\n');
        } else if (name == "event") {
            type.assign(value);
        } else if (name == "id") {
            if (value.find('\0') == std::string_view::npos) last_id.assign(value);
        } else if (name == "retry" && !value.empty() &&
                   std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            // Digits beyond what fits are not a value (the parser's from_chars says so too).
            long long ms = 0;
            bool fits = true;
            for (char c : value) {
                if (ms > (LLONG_MAX - (c - '0')) / 10)
                    fits = false;
                else
                    ms = ms * 10 + (c - '0');
            }
            if (fits) out.retry_ms = ms;
        }
    }
    out.pending = out.pending || !data.empty() || !type.empty();
    return out;
}

std::uint64_t fnv1a(std::string_view text) {
    std::uint64_t hash = 1469598103934665603ull;
    for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
    return hash;
}

std::vector<std::size_t> every_byte(std::size_t size) {
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < size; ++i) cuts.push_back(i);
    return cuts;
}

// Uneven chunks of 1-16 bytes, chosen by the input's own hash.
std::vector<std::size_t> uneven(std::size_t size, std::uint64_t seed) {
    std::vector<std::size_t> cuts;
    for (std::size_t at = 0;;) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        at += 1 + (seed >> 60);
        if (at >= size) return cuts;
        cuts.push_back(at);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    const std::string_view input = sb::fuzz::as_text(bytes, size);
    const std::uint64_t hash = fnv1a(input);
    const Outcome expected = reference(input);

    SseParser parser;
    const Outcome whole = run(parser, input, {});
    SB_FUZZ_CHECK(!whole.failed);
    SB_FUZZ_CHECK(same_outcome(whole, expected));
    SseParser by_byte;
    SB_FUZZ_CHECK(same_outcome(run(by_byte, input, every_byte(size)), whole));
    SseParser chunked;
    SB_FUZZ_CHECK(same_outcome(run(chunked, input, uneven(size, hash)), whole));
    parser.reset();
    SB_FUZZ_CHECK(same_outcome(run(parser, input, uneven(size, ~hash)), whole));

    for (const auto& event : whole.events) {
        SB_FUZZ_CHECK(event.data.find('\r') == std::string::npos);
        SB_FUZZ_CHECK(event.event.find_first_of("\r\n") == std::string::npos);
        SB_FUZZ_CHECK(event.id.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos);
    }

    // A bound small enough to be hit: what comes out is a prefix of the unbounded reading.
    const std::size_t limit = 1 + hash % 96;
    SseParser bounded(limit);
    const Outcome small = run(bounded, input, {});
    SB_FUZZ_CHECK(small.events.size() <= expected.events.size());
    SB_FUZZ_CHECK(std::equal(small.events.begin(), small.events.end(), expected.events.begin(), same_event));
    for (const auto& event : small.events) SB_FUZZ_CHECK(event.data.size() + event.event.size() <= limit);
    if (!small.failed) SB_FUZZ_CHECK(same_outcome(small, expected));
    SseParser bounded_by_byte(limit);
    SB_FUZZ_CHECK(same_outcome(run(bounded_by_byte, input, every_byte(size)), small));
    return 0;
}
