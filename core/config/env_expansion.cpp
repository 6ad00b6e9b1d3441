#include "config/env_expansion.h"

#include <regex>

namespace sb {

namespace {
// libstdc++'s std::regex recurses once per character it matches: a long enough string
// overflows the stack, so none longer than this reaches it.
constexpr std::size_t kMaxText = 4096;

const std::regex& reference_pattern() {
    static const std::regex pattern(R"(\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\})");
    return pattern;
}
}  // namespace

std::expected<std::string, std::string> expand_environment(const std::string& text, const EnvLookup& env) {
    if (text.size() > kMaxText)
        return std::unexpected("must be at most " + std::to_string(kMaxText) + " characters");
    std::string out;
    auto begin = text.cbegin();
    std::smatch match;
    while (std::regex_search(begin, text.cend(), match, reference_pattern())) {
        out.append(begin, match[0].first);
        const std::string name = match[1].str();
        if (auto value = env(name)) out += *value;
        else if (match[2].matched) out += match[3].str();
        else return std::unexpected("environment variable " + name + " is not set");
        begin = match[0].second;
    }
    out.append(begin, text.cend());
    return out;
}

std::optional<std::string> parse_single_reference(const std::string& text) {
    static const std::regex whole(R"(^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$)");
    if (text.size() > kMaxText) return std::nullopt;
    std::smatch match;
    if (!std::regex_match(text, match, whole)) return std::nullopt;
    return match[1].str();
}

}  // namespace sb
