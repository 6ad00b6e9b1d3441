#pragma once
// Helpers shared by the libFuzzer targets (tests/fuzz/fuzz_*.cpp).
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "model/headers.h"

// A violated invariant aborts, which libFuzzer reports as a crash and saves the input for.
#define SB_FUZZ_CHECK(condition)                                                                           \
    do {                                                                                                   \
        if (!(condition)) {                                                                                \
            std::fprintf(stderr, "fuzz invariant violated: %s (%s:%d)\n", #condition, __FILE__, __LINE__); \
            std::abort();                                                                                  \
        }                                                                                                  \
    } while (false)

namespace sb::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// An HTTP response as a fuzz input: the body alone (status 200), or, when the input starts
// with '#', a first line "#STATUS|name: value|name: value" giving the status and headers,
// then the body: "#429|retry-after: 2\n{\"error\":…}". Corpus files stay readable this way.
struct HttpInput {
    int status = 200;
    Headers headers;
    std::string_view body;
};

inline HttpInput split_http_input(std::string_view input) {
    HttpInput out;
    out.body = input;
    if (!input.starts_with('#')) return out;
    const auto end = input.find('\n');
    std::string_view head = input.substr(1, end == std::string_view::npos ? input.size() - 1 : end - 1);
    out.body = end == std::string_view::npos ? std::string_view{} : input.substr(end + 1);
    auto take = [&head] {
        const auto bar = head.find('|');
        const auto piece = head.substr(0, bar);
        head = bar == std::string_view::npos ? std::string_view{} : head.substr(bar + 1);
        return piece;
    };
    const auto digits = take();
    int status = 0;
    std::from_chars(digits.data(), digits.data() + digits.size(), status);
    // Only final statuses (200-599) reach a parser; any other number reads as one of them.
    out.status = status >= 200 && status <= 599
                     ? status
                     : 200 + static_cast<int>(static_cast<unsigned>(status) % 400u);
    while (!head.empty()) {
        const auto field = take();
        const auto colon = field.find(':');
        if (colon == std::string_view::npos) continue;
        auto value = field.substr(colon + 1);
        while (value.starts_with(' ')) value.remove_prefix(1);
        out.headers.emplace_back(to_lower(field.substr(0, colon)), std::string(value));
    }
    return out;
}

}  // namespace sb::fuzz
