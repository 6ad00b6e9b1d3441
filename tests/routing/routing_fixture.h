#pragma once
// A realistic routing table shared by the routing tests and bench_routing: three tiers and
// the default-like classifier rules (header, aliases, hard-work regex, CJK keywords, token
// and turn thresholds).
#include <string>
#include <vector>

#include "config/routing_config.h"
#include "model/chat.h"

namespace sb::test {

inline ClassifierRule rule(std::string name, RuleKind kind, std::string tier,
                           std::vector<std::string> values = {}, std::string pattern = {},
                           std::int64_t threshold = 0) {
    ClassifierRule r;
    r.name = std::move(name);
    r.kind = kind;
    r.tier = std::move(tier);
    r.values = std::move(values);
    r.pattern = std::move(pattern);
    r.threshold = threshold;
    return r;
}

inline std::vector<ClassifierRule> default_rules() {
    ClassifierRule header = rule("tier-header", RuleKind::Header, "");
    header.header = "x-switchboard-tier";
    return {
        header,
        rule("fast-alias", RuleKind::ModelAlias, "simple", {"fast", "cheap"}),
        rule("smart-alias", RuleKind::ModelAlias, "advanced", {"smart", "strong"}),
        rule("balanced-alias", RuleKind::ModelAlias, "standard", {"balanced"}),
        rule("hard-work", RuleKind::Regex, "advanced", {},
             R"(\b(refactor|debug|prove|algorithm|architecture|step by step|analy[sz]e)\b)"),
        rule("cjk-work", RuleKind::Keywords, "advanced", {"代码", "分析", "证明"}),
        rule("long-prompt", RuleKind::TokensAtLeast, "advanced", {}, {}, 1500),
        rule("long-conversation", RuleKind::TurnsAtLeast, "standard", {}, {}, 8),
        rule("short-question", RuleKind::TokensAtMost, "simple", {}, {}, 40),
    };
}

inline RouteTarget target(std::string provider, std::string model, double weight, bool enabled = true) {
    return RouteTarget{std::move(provider), std::move(model), weight, enabled};
}

inline RoutingConfig default_routing() {
    RoutingConfig config;
    config.tiers = {
        TierConfig{
            "simple", "short questions", Balancing::Weighted, false, {target("openai", "gpt-4o-mini", 1)}},
        TierConfig{"standard",
                   "everyday work",
                   Balancing::Weighted,
                   false,
                   {target("openai", "gpt-4o-mini", 60), target("anthropic", "claude-haiku-4-5", 30),
                    target("local", "llama3.1:8b", 10)}},
        TierConfig{"advanced",
                   "hard tasks",
                   Balancing::Weighted,
                   false,
                   {target("openai", "gpt-4o", 50), target("anthropic", "claude-sonnet-4-5", 50)}},
    };
    config.rules = default_rules();
    config.default_tier = "standard";
    return config;
}

inline ChatRequest ask(std::string text) {
    ChatRequest request;
    request.messages = {{Role::System, "You are a helpful assistant."}, {Role::User, std::move(text)}};
    return request;
}

}  // namespace sb::test
