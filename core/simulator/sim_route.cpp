#include "simulator/sim_route.h"

namespace sb {

std::optional<std::string_view> SimRoute::param(std::string_view name) const
{
    std::string_view rest = query;
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        const auto equals = pair.find('=');
        if (pair.substr(0, equals) == name)
            return equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
    }
    return std::nullopt;
}

SimRoute sim_route(std::string_view target)
{
    SimRoute route;
    const auto question = target.find('?');
    if (question != std::string_view::npos)
        route.query = target.substr(question + 1);
    std::string_view path = target.substr(0, question);
    while (!path.empty()) {
        const auto slash = path.find('/');
        if (slash != 0)
            route.segments.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos)
            break;
        path.remove_prefix(slash + 1);
    }
    return route;
}

}  // namespace sb
