#include "cache/cache_rules.h"

#include <algorithm>

#include "security/pii_scan.h"

namespace sb {

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool icontains(std::string_view haystack, std::string_view needle) {
    return !needle.empty() && std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                                          [](char h, char n) { return lower(h) == lower(n); }) != haystack.end();
}

std::string outcome(const CacheRule& rule) {
    switch (rule.action) {
    case CacheAction::Never: return "never cached";
    case CacheAction::Pin: return "pinned until purged";
    case CacheAction::Ttl: return "cached for " + std::to_string(rule.ttl.count()) + " s";
    }
    return {};
}

}  // namespace

std::string_view last_user_text(const ChatRequest& request) {
    for (auto it = request.messages.rbegin(); it != request.messages.rend(); ++it)
        if (it->role == Role::User) return it->content;
    return {};
}

std::string question_for_display(std::string_view text) {
    constexpr std::size_t kChars = 160;
    std::string out(text.substr(0, kChars));
    // Do not cut a UTF-8 sequence in half.
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
    if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
    return out;
}

CacheRules::CacheRules(std::vector<CacheRule> rules, std::chrono::seconds default_ttl)
    : m_rules(std::move(rules)), m_default_ttl(default_ttl) {
    for (const auto& rule : m_rules) {
        std::optional<boost::regex> compiled;
        if (rule.match == CacheMatch::Regex && !rule.pattern.empty()) {
            try {
                compiled.emplace(rule.pattern, boost::regex::ECMAScript | boost::regex::icase);
            } catch (const boost::regex_error&) {
                // Config validation reports it; here the rule never matches.
            }
        }
        m_regexes.push_back(std::move(compiled));
    }
}

CacheDecision CacheRules::decide(const ChatRequest& request) const {
    const std::string_view question = last_user_text(request);
    for (std::size_t i = 0; i < m_rules.size(); ++i) {
        const CacheRule& rule = m_rules[i];
        if (!rule.enabled) continue;
        std::string why;
        switch (rule.match) {
        case CacheMatch::Keywords:
            for (const auto& keyword : rule.keywords)
                if (icontains(question, keyword)) {
                    why = "keyword \"" + keyword + "\"";
                    break;
                }
            break;
        case CacheMatch::Regex:
            if (m_regexes[i] && boost::regex_search(question.begin(), question.end(), *m_regexes[i]))
                why = "pattern " + rule.pattern;
            break;
        case CacheMatch::PersonalData:
            for (const auto& message : request.messages)
                if (const auto spans = find_pii(message.content); !spans.empty()) {
                    why = "personal data (" + std::string(to_string(spans.front().kind)) + ")";
                    break;
                }
            break;
        }
        if (why.empty()) continue;
        CacheDecision decision;
        decision.rule = rule.name;
        decision.store = rule.action != CacheAction::Never;
        decision.semantic = decision.store && rule.semantic;
        if (rule.action == CacheAction::Ttl) decision.ttl = rule.ttl;
        decision.reason = why + " → " + outcome(rule) + " (rule " + rule.name + ")";
        return decision;
    }
    CacheDecision decision;
    decision.ttl = m_default_ttl;
    decision.reason = "no rule matched → cached for " + std::to_string(m_default_ttl.count()) + " s";
    return decision;
}

}  // namespace sb
