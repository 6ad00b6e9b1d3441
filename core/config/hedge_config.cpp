#include "config/hedge_config.h"

#include <charconv>

#include "config/config_reader.h"

namespace sb {

namespace {

// "p90" → 0.9; nullopt unless "p" followed by a whole percentage from 50 to 99.
std::optional<double> quantile_from(const std::string& text) {
    if (text.size() != 3 || text[0] != 'p') return std::nullopt;
    int percent = 0;
    const auto [end, ec] = std::from_chars(text.data() + 1, text.data() + text.size(), percent);
    if (ec != std::errc{} || end != text.data() + text.size() || percent < 50 || percent > 99) return std::nullopt;
    return percent / 100.0;
}

}  // namespace

HedgeConfig parse_hedge(const nlohmann::json& json, const std::string& path, std::vector<ConfigError>& errors) {
    HedgeConfig hedge;
    ConfigReader reader(json, path, errors);
    if (!reader.is_object()) return hedge;
    reader.read("enabled", hedge.enabled);
    if (const auto* after = reader.raw("after")) {
        if (after->is_string()) {
            if (const auto quantile = quantile_from(after->get<std::string>())) hedge.quantile = *quantile;
            else reader.fail("after", "must be a latency quantile from \"p50\" to \"p99\", or milliseconds");
        } else if (after->is_number_integer() && after->get<long long>() >= 1 && after->get<long long>() <= 600'000) {
            hedge.quantile = 0;
            hedge.after = std::chrono::milliseconds(after->get<long long>());
        } else {
            reader.fail("after", "must be a latency quantile such as \"p90\", or milliseconds from 1 to 600000");
        }
    }
    reader.read_ms("min_after_ms", hedge.min_after, 0, 600'000);
    reader.read("max_share", hedge.max_share, 0.0, 1.0);
    reader.finish();
    return hedge;
}

nlohmann::json to_json(const HedgeConfig& hedge) {
    nlohmann::json after;
    if (hedge.quantile > 0) after = "p" + std::to_string(static_cast<int>(hedge.quantile * 100.0 + 0.5));
    else after = hedge.after.count();
    return {{"enabled", hedge.enabled},
            {"after", after},
            {"min_after_ms", hedge.min_after.count()},
            {"max_share", hedge.max_share}};
}

}  // namespace sb
