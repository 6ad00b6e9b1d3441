// parse_retry_after (declared in error.h): the server-directed delay before a retry.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>

#include "model/error.h"
#include "model/text.h"

namespace sb {
namespace {

// A plain non-negative decimal number ("27", "26.604"); nothing else may follow it.
std::optional<double> parse_number(std::string_view text) {
    text = trim_blanks(text);
    if (text.empty() || text.front() == '-' || text.front() == '+') return std::nullopt;
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
    if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
    return value;
}

std::optional<int> parse_int(std::string_view text) {
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// IMF-fixdate, the only date form HTTP senders may generate: "Sun, 06 Nov 1994 08:49:37 GMT".
// In seconds: the clock's nanoseconds overflow past the year 2262.
std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view text) {
    static constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    text = trim_blanks(text);
    if (text.size() != 29 || text[3] != ',' || text.substr(26) != "GMT") return std::nullopt;
    auto day = parse_int(text.substr(5, 2));
    auto year = parse_int(text.substr(12, 4));
    auto hour = parse_int(text.substr(17, 2));
    auto minute = parse_int(text.substr(20, 2));
    auto second = parse_int(text.substr(23, 2));
    std::size_t month = 0;
    while (month < kMonths.size() && kMonths[month] != text.substr(8, 3)) ++month;
    if (!day || !year || !hour || !minute || !second || month == kMonths.size()) return std::nullopt;
    std::chrono::year_month_day date{std::chrono::year{*year},
                                     std::chrono::month{static_cast<unsigned>(month + 1)},
                                     std::chrono::day{static_cast<unsigned>(*day)}};
    if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
    return std::chrono::sys_days{date} + std::chrono::hours{*hour} + std::chrono::minutes{*minute} +
           std::chrono::seconds{*second};
}

// Absurd values (beyond a year) are treated as garbage rather than overflowing.
std::optional<std::chrono::milliseconds> to_ms(double ms) {
    if (ms > 365.0 * 24 * 3600 * 1000) return std::nullopt;
    return std::chrono::milliseconds{static_cast<std::int64_t>(std::llround(ms))};
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_retry_after(const Headers& headers,
                                                           std::chrono::system_clock::time_point now) {
    // Both providers' SDKs read retry-after-ms first; a garbage value falls through.
    if (auto ms = header_value(headers, "retry-after-ms")) {
        if (auto value = parse_number(*ms); value && to_ms(*value)) return to_ms(*value);
    }
    auto header = header_value(headers, "retry-after");
    if (!header) return std::nullopt;
    if (auto seconds = parse_number(*header)) return to_ms(*seconds * 1000.0);
    if (auto when = parse_http_date(*header)) {
        // In milliseconds, not the clock's nanoseconds, for the same reason.
        using std::chrono::milliseconds, std::chrono::time_point_cast;
        const auto delta = time_point_cast<milliseconds>(*when) - time_point_cast<milliseconds>(now);
        // A past date means "now".
        return to_ms(static_cast<double>(std::max(delta.count(), std::int64_t{0})));
    }
    return std::nullopt;
}

}  // namespace sb
