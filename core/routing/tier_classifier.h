#pragma once
// Picks a tier for a request: the caller's tier if it names one, else the first enabled
// rule that matches (header, model alias, keywords, regex, token and turn thresholds),
// else the default tier. Built once per routing config — regexes compile here, not per
// request. Immutable after construction, so concurrent classify() calls are safe.
#include <optional>
#include <boost/regex.hpp>
#include <string>
#include <vector>

#include "config/routing_config.h"
#include "model/chat.h"
#include "routing/router.h"

namespace sb {

class TierClassifier {
public:
    explicit TierClassifier(const RoutingConfig& config);
    Classification classify(const ChatRequest& request) const;

private:
    struct Rule {
        ClassifierRule config;
        std::optional<boost::regex> regex;  // empty when the pattern does not compile: never matches
    };
    const std::string* find_tier(std::string_view name) const;  // case-insensitive

    std::vector<std::string> m_tiers;
    std::vector<Rule> m_rules;
    std::string m_default_tier;
};

// One-shot form (compiles the rules on every call): for tests and previews, not hot paths.
Classification classify_request(const RoutingConfig& config, const ChatRequest& request);

}  // namespace sb
