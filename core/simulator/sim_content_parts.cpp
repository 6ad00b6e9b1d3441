#include "simulator/sim_content_parts.h"

#include <algorithm>

namespace sb {

std::int64_t sim_part_tokens(SimPartKind kind, std::size_t bytes)
{
    const auto size = static_cast<std::int64_t>(std::min<std::size_t>(bytes, 1ull << 40));
    switch (kind) {
        case SimPartKind::image:
            return std::min<std::int64_t>(85 + size / 750, 1'600);
        case SimPartKind::audio:
            return std::min<std::int64_t>(50 + size / 1'000, 10'000);
        case SimPartKind::file:
            break;
    }
    return std::min<std::int64_t>(100 + size / 500, 20'000);
}

std::optional<std::size_t> sim_base64_size(std::string_view text)
{
    auto body = text;
    std::size_t padding = 0;
    while (!body.empty() && body.back() == '=' && padding < 2) {
        body.remove_suffix(1);
        ++padding;
    }
    if (body.empty() || body.size() % 4 == 1)
        return std::nullopt;
    if (padding > 0 && text.size() % 4 != 0)
        return std::nullopt;
    const bool alphabet_only = std::all_of(body.begin(), body.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+'
               || c == '/';
    });
    if (!alphabet_only)
        return std::nullopt;
    return body.size() * 3 / 4;
}

std::optional<SimDataUrl> sim_parse_data_url(std::string_view url)
{
    constexpr std::string_view scheme = "data:";
    constexpr std::string_view marker = ";base64,";
    if (!url.starts_with(scheme))
        return std::nullopt;
    url.remove_prefix(scheme.size());
    const auto at = url.find(marker);
    if (at == std::string_view::npos || at == 0)
        return std::nullopt;
    const auto bytes = sim_base64_size(url.substr(at + marker.size()));
    if (!bytes)
        return std::nullopt;
    return SimDataUrl{std::string(url.substr(0, at)), *bytes};
}

bool sim_is_http_url(std::string_view url)
{
    const auto rest = url.starts_with("https://")  ? url.substr(8)
                      : url.starts_with("http://") ? url.substr(7)
                                                   : std::string_view();
    return !rest.empty() && rest.front() != '/';
}

}  // namespace sb
