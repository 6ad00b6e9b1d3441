#pragma once
// Wall-clock time as the history, the cache, the metrics and the wire formats store it: Unix
// milliseconds or seconds. Durations and deadlines use steady_clock instead.
#include <chrono>
#include <cstdint>

namespace sb {

inline std::int64_t unix_ms(std::chrono::system_clock::time_point at) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

inline std::chrono::system_clock::time_point from_unix_ms(std::int64_t ms) {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

inline std::int64_t unix_ms_now() { return unix_ms(std::chrono::system_clock::now()); }

inline std::int64_t unix_seconds_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace sb
