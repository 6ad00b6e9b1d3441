#include "routing/tier_classifier.h"

#include <algorithm>
#include <cstdio>

#include "model/headers.h"
#include "model/token_estimate.h"
#include "model/text.h"

namespace sb {

namespace {

// Moves a cut so that it does not split a UTF-8 sequence.
std::size_t char_boundary(std::string_view text, std::size_t at) {
    while (at > 0 && at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) --at;
    return at;
}

std::string_view last_user_message(const ChatRequest& request) {
    for (auto it = request.messages.rbegin(); it != request.messages.rend(); ++it)
        if (it->role == Role::User) return it->content;
    return {};
}

// Boost.Regex (header-only): about 15× faster than libstdc++'s std::regex on prompts and
// not recursive, so a long prompt cannot overflow the stack. Exceptions (a pattern too
// complex for this input) count as no match.
std::optional<std::string> regex_match(const boost::regex& regex, std::string_view text) {
    try {
        boost::match_results<std::string_view::const_iterator> match;
        if (boost::regex_search(text.begin(), text.end(), match, regex)) return match.str(0);
    } catch (const std::runtime_error&) {
    }
    return std::nullopt;
}

std::string quoted_excerpt(std::string_view text) {
    constexpr std::size_t kMax = 40;
    std::string out = "\"";
    if (text.size() > kMax) {
        out.append(text.substr(0, char_boundary(text, kMax)));
        out.append("…");
    } else {
        out.append(text);
    }
    out.push_back('"');
    return out;
}

std::string because(std::string what, const ClassifierRule& rule, std::string_view tier) {
    what.append(" (rule ").append(rule.name).append(") → ").append(tier);
    return what;
}

}  // namespace

TierClassifier::TierClassifier(const RoutingConfig& config) : m_default_tier(config.default_tier) {
    for (const auto& tier : config.tiers) m_tiers.push_back(tier.name);
    for (const auto& rule : config.rules) {
        if (!rule.enabled) continue;
        Rule compiled{rule, std::nullopt};
        if (rule.kind == RuleKind::Regex && !rule.pattern.empty()) {
            try {
                compiled.regex.emplace(rule.pattern, boost::regex::ECMAScript | boost::regex::icase);
            } catch (const boost::regex_error&) {
                // Not valid: validate_routing reports it; here the rule never matches.
            }
        }
        m_rules.push_back(std::move(compiled));
    }
}

const std::string* TierClassifier::find_tier(std::string_view name) const {
    for (const auto& tier : m_tiers)
        if (iequals(tier, name)) return &tier;
    return nullptr;
}

Classification TierClassifier::classify(const ChatRequest& request) const {
    if (!request.tier.empty())
        if (const auto* tier = find_tier(request.tier)) return {*tier, {}, "set by the caller"};

    const std::string_view last_user = last_user_message(request);
    std::optional<std::int64_t> tokens;  // estimated once, when a token rule is reached
    const auto prompt_tokens = [&] {
        if (!tokens) tokens = estimate_prompt_tokens(request.messages);
        return *tokens;
    };
    const auto number = [](std::int64_t n) {
        char text[24];
        std::snprintf(text, sizeof text, "%lld", static_cast<long long>(n));
        return std::string(text);
    };

    for (const auto& [rule, regex] : m_rules) {
        // A rule that names no configured tier would send requests nowhere: skip it.
        const std::string* target = rule.kind == RuleKind::Header ? nullptr : find_tier(rule.tier);
        if (rule.kind != RuleKind::Header && !target) continue;
        switch (rule.kind) {
        case RuleKind::Header: {
            const auto value = header_value(request.extra_headers, rule.header);
            if (!value) break;
            if (const auto* tier = find_tier(trim_blanks(*value)))
                return {*tier, rule.name,
                        because("header " + rule.header + ": " + std::string(trim_blanks(*value)), rule, *tier)};
            break;
        }
        case RuleKind::ModelAlias:
            for (const auto& alias : rule.values)
                if (!alias.empty() && iequals(request.model, alias))
                    return {*target, rule.name,
                            because("model alias " + quoted_excerpt(request.model), rule, *target)};
            break;
        case RuleKind::Keywords:
            // Bytes above ASCII compare exactly: CJK keywords are plain substrings of the UTF-8 text.
            for (const auto& keyword : rule.values)
                if (!keyword.empty() && ifind(last_user, keyword) != std::string_view::npos)
                    return {*target, rule.name, because("keyword " + quoted_excerpt(keyword), rule, *target)};
            break;
        case RuleKind::Regex:
            if (!regex || last_user.empty()) break;
            if (auto matched = regex_match(*regex, last_user))
                return {*target, rule.name, because("regex matched " + quoted_excerpt(*matched), rule, *target)};
            break;
        case RuleKind::TokensAtMost:
            if (prompt_tokens() <= rule.threshold)
                return {*target, rule.name,
                        because("~" + number(prompt_tokens()) + " tokens ≤ " + number(rule.threshold), rule,
                                *target)};
            break;
        case RuleKind::TokensAtLeast:
            if (prompt_tokens() >= rule.threshold)
                return {*target, rule.name,
                        because("~" + number(prompt_tokens()) + " tokens ≥ " + number(rule.threshold), rule,
                                *target)};
            break;
        case RuleKind::TurnsAtLeast: {
            const auto turns = std::count_if(request.messages.begin(), request.messages.end(),
                                             [](const Message& m) { return m.role == Role::User; });
            if (turns >= rule.threshold)
                return {*target, rule.name,
                        because(number(turns) + " user turns ≥ " + number(rule.threshold), rule, *target)};
            break;
        }
        }
    }
    return {m_default_tier, {}, "no rule matched → default tier " + m_default_tier};
}

Classification classify_request(const RoutingConfig& config, const ChatRequest& request) {
    return TierClassifier(config).classify(request);
}

}  // namespace sb
