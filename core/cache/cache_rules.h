#pragma once
// Applies the cache rules (config/cache_config.h) to a request: evaluated in order, first
// match wins; personal data is found with find_pii. No rule matched: the default TTL.
// Only complete, successful answers are stored — the engine's side of this contract.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <boost/regex.hpp>

#include "config/cache_config.h"
#include "model/chat.h"

namespace sb {

struct CacheDecision {
    bool store = true;
    std::optional<std::chrono::seconds> ttl;  // nullopt with store = pinned
    std::string rule;    // empty: the default
    std::string reason;  // "personal data (email) → never cached (rule pii)"
    bool semantic = false;  // the matching rule opts the conversation into the semantic cache
};

// The last user message's text ("" when there is none), which the rules match against.
std::string_view last_user_text(const ChatRequest& request);
// A question as the Cache page shows it: the first 160 bytes, never half a UTF-8 character.
std::string question_for_display(std::string_view text);

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
