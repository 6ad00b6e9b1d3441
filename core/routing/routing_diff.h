#pragma once
// One line for people saying what a routing change does — the summary stored with a config
// version and shown before Apply: "standard: openai/gpt-4o-mini weight 60 → 30;
// anthropic/claude-haiku-4-5 disabled; rule "code-work" added; default tier standard → simple".
#include <string>

#include "config/routing_config.h"

namespace sb {

// "no change" when the two are equal.
std::string describe_routing_change(const RoutingConfig& before, const RoutingConfig& after);

}  // namespace sb
