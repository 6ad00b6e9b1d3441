#include "cache/cache_control.h"

#include "model/text.h"

namespace sb {

CachePolicy cache_policy_from_header(std::string_view cache_control) {
    CachePolicy policy = CachePolicy::Default;
    while (!cache_control.empty()) {
        const auto comma = cache_control.find(',');
        std::string_view directive = trim_blanks(cache_control.substr(0, comma));
        cache_control = comma == std::string_view::npos ? std::string_view{} : cache_control.substr(comma + 1);
        // "no-cache" may carry field names ("no-cache=\"set-cookie\""); the name alone decides here.
        directive = trim_blanks(directive.substr(0, directive.find('=')));
        if (iequals(directive, "no-store")) return CachePolicy::NoStore;
        if (iequals(directive, "no-cache")) policy = CachePolicy::NoCache;
    }
    return policy;
}

}  // namespace sb
