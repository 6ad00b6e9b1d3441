#include "providers/rate_limits.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

namespace sb {
namespace {

std::optional<std::int64_t> parse_count(std::optional<std::string_view> text) {
    if (!text) return std::nullopt;
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc{} || end != text->data() + text->size() || value < 0) return std::nullopt;
    return value;
}

std::optional<int> digits(std::string_view text, std::size_t at, std::size_t count) {
    if (at + count > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = at; i < at + count; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

RateLimitWindow openai_window(const Headers& headers, std::string_view kind) {
    auto name = [&](std::string_view what) {
        return "x-ratelimit-" + std::string(what) + "-" + std::string(kind);
    };
    RateLimitWindow window;
    window.limit = parse_count(header_value(headers, name("limit")));
    window.remaining = parse_count(header_value(headers, name("remaining")));
    if (auto reset = header_value(headers, name("reset"))) window.reset_after = parse_go_duration(*reset);
    return window;
}

RateLimitWindow anthropic_window(const Headers& headers, std::string_view kind) {
    auto name = [&](std::string_view what) {
        return "anthropic-ratelimit-" + std::string(kind) + "-" + std::string(what);
    };
    RateLimitWindow window;
    window.limit = parse_count(header_value(headers, name("limit")));
    window.remaining = parse_count(header_value(headers, name("remaining")));
    if (auto reset = header_value(headers, name("reset"))) window.reset_at = parse_rfc3339(*reset);
    return window;
}

// Fills only what the other family left empty; a provider sends one family.
void merge(RateLimitWindow& into, const RateLimitWindow& from) {
    if (!into.limit) into.limit = from.limit;
    if (!into.remaining) into.remaining = from.remaining;
    if (!into.reset_after) into.reset_after = from.reset_after;
    if (!into.reset_at) into.reset_at = from.reset_at;
}

struct GoUnit {
    std::string_view name;
    double ms;
};
// Longest names first, so "ms" is not read as "m" and "us" not as "s".
constexpr std::array<GoUnit, 7> kGoUnits{
    {{"ms", 1}, {"us", 1e-3}, {"µs", 1e-3}, {"ns", 1e-6}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}}};

}  // namespace

std::optional<std::chrono::milliseconds> parse_go_duration(std::string_view text) {
    if (text.empty()) return std::nullopt;
    if (text == "0") return std::chrono::milliseconds{0};
    double total_ms = 0;
    while (!text.empty()) {
        double value = 0;
        auto [end, ec] =
            std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
        if (ec != std::errc{} || value < 0) return std::nullopt;
        text.remove_prefix(static_cast<std::size_t>(end - text.data()));
        auto unit = std::find_if(kGoUnits.begin(), kGoUnits.end(),
                                 [&](const GoUnit& candidate) { return text.starts_with(candidate.name); });
        if (unit == kGoUnits.end()) return std::nullopt;
        text.remove_prefix(unit->name.size());
        total_ms += value * unit->ms;
    }
    if (!std::isfinite(total_ms) || total_ms > 1e15) return std::nullopt;
    return std::chrono::milliseconds{static_cast<std::int64_t>(std::llround(total_ms))};
}

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text) {
    // 2026-02-25T20:02:37[.123][Z|+01:00]
    auto year = digits(text, 0, 4), month = digits(text, 5, 2), day = digits(text, 8, 2);
    auto hour = digits(text, 11, 2), minute = digits(text, 14, 2), second = digits(text, 17, 2);
    if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' || text[7] != '-' ||
        (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || text[13] != ':' || text[16] != ':')
        return std::nullopt;
    std::chrono::year_month_day date{std::chrono::year{*year},
                                     std::chrono::month{static_cast<unsigned>(*month)},
                                     std::chrono::day{static_cast<unsigned>(*day)}};
    if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
    std::chrono::system_clock::time_point when = std::chrono::sys_days{date} + std::chrono::hours{*hour} +
                                                 std::chrono::minutes{*minute} +
                                                 std::chrono::seconds{*second};
    std::size_t at = 19;
    if (at < text.size() && text[at] == '.') {
        double scale = 100.0, fraction_ms = 0;
        for (++at; at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])); ++at, scale /= 10)
            fraction_ms += (text[at] - '0') * scale;
        when += std::chrono::milliseconds{static_cast<std::int64_t>(fraction_ms)};
    }
    if (at < text.size() && (text[at] == 'Z' || text[at] == 'z') && at + 1 == text.size()) return when;
    if (at + 6 == text.size() && (text[at] == '+' || text[at] == '-') && text[at + 3] == ':') {
        auto offset_h = digits(text, at + 1, 2), offset_m = digits(text, at + 4, 2);
        if (!offset_h || !offset_m) return std::nullopt;
        auto offset = std::chrono::hours{*offset_h} + std::chrono::minutes{*offset_m};
        return text[at] == '+' ? when - offset : when + offset;
    }
    return std::nullopt;
}

RateLimitInfo parse_rate_limits(const Headers& headers) {
    RateLimitInfo info;
    info.requests = openai_window(headers, "requests");
    info.tokens = openai_window(headers, "tokens");
    merge(info.requests, anthropic_window(headers, "requests"));
    merge(info.tokens, anthropic_window(headers, "tokens"));
    info.input_tokens = anthropic_window(headers, "input-tokens");
    info.output_tokens = anthropic_window(headers, "output-tokens");
    return info;
}

}  // namespace sb
