#pragma once
// What GET /v1/models lists and which request models the gateway accepts: "auto", the tier
// names, and every concrete model of the routing targets and the enabled providers.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

namespace sb {

class Engine;

// OpenAI's list format; tiers are owned by "switchboard", models by their provider. No duplicates.
nlohmann::json model_list(const Engine& engine, std::int64_t created);

// Listed models, plus model-alias rule values. Any name is known when the default provider is
// a local OpenAI-compatible server: the engine passes unknown names to it, and such servers
// name their models freely.
bool is_known_model(const Engine& engine, std::string_view model);

}  // namespace sb
