#pragma once
// Cache rules, evaluated in order, first match wins: what may be stored and for how long.
//   never  — matching conversations are never cached (sensitive topics; personal data);
//   pin    — matching answers never expire until purged (price lists, opening hours…);
//   ttl    — matching answers live `ttl`.
// A rule matches on keywords or a regex over the last user message, or on personal data
// anywhere in the conversation (find_pii). No rule matched: stored for the default TTL.
// Only complete, successful answers are stored — the engine's side of this contract.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <boost/regex.hpp>

#include "model/chat.h"

namespace sb {

enum class CacheAction { Never, Pin, Ttl };
enum class CacheMatch { Keywords, Regex, PersonalData };

struct CacheRule {
    std::string name;
    CacheAction action = CacheAction::Ttl;
    CacheMatch match = CacheMatch::Keywords;
    std::vector<std::string> keywords;
    std::string pattern;
    std::chrono::seconds ttl{3600};  // for Ttl rules
    bool enabled = true;
};

struct CacheDecision {
    bool store = true;
    std::optional<std::chrono::seconds> ttl;  // nullopt with store = pinned
    std::string rule;    // empty: the default
    std::string reason;  // "personal data (email) → never cached (rule pii)"
};

class CacheRules {
public:
    explicit CacheRules(std::vector<CacheRule> rules = {}, std::chrono::seconds default_ttl = std::chrono::seconds(3600));
    CacheDecision decide(const ChatRequest& request) const;
    const std::vector<CacheRule>& rules() const { return m_rules; }

private:
    std::vector<CacheRule> m_rules;
    std::vector<std::optional<boost::regex>> m_regexes;  // per rule, compiled once
    std::chrono::seconds m_default_ttl;
};

}  // namespace sb
