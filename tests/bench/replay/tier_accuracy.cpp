// The routing's tiers against a person's judgement of difficulty (see tier_accuracy.h).
#include "replay/tier_accuracy.h"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "routing/tier_classifier.h"

namespace sb::replay {

namespace {

constexpr const char* kDefaultSystemPrompt = "You are a helpful support assistant. Answer briefly and politely.";

std::optional<Difficulty> parse_difficulty(const nlohmann::json& value) {
    if (!value.is_string()) return std::nullopt;
    for (const Difficulty d : {Difficulty::Simple, Difficulty::Medium, Difficulty::Hard})
        if (value.get<std::string>() == to_string(d)) return d;
    return std::nullopt;
}

// The file's JSON and a set named after it, with the file's system prompt or a neutral one.
std::expected<std::pair<nlohmann::json, JudgedSet>, std::string> open_set(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) return std::unexpected(file.string() + ": cannot be read");
    auto json = nlohmann::json::parse(in, nullptr, false);
    if (json.is_discarded() || !json.is_object()) return std::unexpected(file.string() + ": is not a JSON object");
    JudgedSet set;
    set.name = file.stem().string();
    set.system_prompt = json.value("system_prompt", std::string(kDefaultSystemPrompt));
    return std::pair{std::move(json), std::move(set)};
}

// Each {name} replaced by the placeholder's first value; {order} by an order number.
std::string filled(std::string text, const nlohmann::json& placeholders) {
    std::size_t at = 0;
    while ((at = text.find('{', at)) != std::string::npos) {
        const auto end = text.find('}', at);
        if (end == std::string::npos) break;
        const std::string name = text.substr(at + 1, end - at - 1);
        std::string value = "88231";
        if (name != "order" && placeholders.contains(name) && placeholders[name].is_array() &&
            !placeholders[name].empty() && placeholders[name][0].is_string())
            value = placeholders[name][0].get<std::string>();
        text.replace(at, end - at + 1, value);
        at += value.size();
    }
    return text;
}

}  // namespace

std::expected<JudgedSet, std::string> load_judged_set(const std::filesystem::path& file) {
    auto opened = open_set(file);
    if (!opened) return std::unexpected(opened.error());
    auto& [root, set] = *opened;
    const nlohmann::json* json = &root;
    const auto questions = json->find("questions");
    if (questions == json->end() || !questions->is_array() || questions->empty())
        return std::unexpected(file.string() + ": questions: must be a non-empty array");
    for (std::size_t i = 0; i < questions->size(); ++i) {
        const auto& item = (*questions)[i];
        const std::string at = file.string() + ": questions[" + std::to_string(i) + "]";
        if (!item.is_object() || !item.contains("text") || !item["text"].is_string() ||
            item["text"].get<std::string>().empty())
            return std::unexpected(at + ".text: must be a non-empty string");
        const auto difficulty = parse_difficulty(item.value("difficulty", nlohmann::json()));
        if (!difficulty) return std::unexpected(at + ".difficulty: must be simple, medium or hard");
        set.questions.push_back({item["text"].get<std::string>(), *difficulty});
    }
    return set;
}

std::expected<JudgedSet, std::string> load_pool_as_judged_set(const std::filesystem::path& file) {
    auto opened = open_set(file);
    if (!opened) return std::unexpected(opened.error());
    auto& [root, set] = *opened;
    const nlohmann::json* json = &root;
    const nlohmann::json placeholders = json->value("placeholders", nlohmann::json::object());
    auto add = [&](const nlohmann::json& items, const std::string& path) -> std::expected<void, std::string> {
        if (!items.is_array()) return std::unexpected(file.string() + ": " + path + ": must be an array");
        for (std::size_t i = 0; i < items.size(); ++i) {
            const auto& item = items[i];
            const auto difficulty = parse_difficulty(item.value("tier", nlohmann::json()));
            if (!item.contains("text") || !item["text"].is_string() || !difficulty)
                return std::unexpected(file.string() + ": " + path + "[" + std::to_string(i) +
                                       "]: needs a text and a tier of simple, medium or hard");
            set.questions.push_back({filled(item["text"].get<std::string>(), placeholders), *difficulty});
        }
        return {};
    };
    const nlohmann::json none = nlohmann::json::array();
    const auto topics = json->value("topics", none);
    for (std::size_t t = 0; t < topics.size(); ++t)
        for (const char* part : {"openers", "follow_ups"})
            if (auto added = add(topics[t].value(part, none), "topics[" + std::to_string(t) + "]." + part); !added)
                return std::unexpected(added.error());
    for (const char* part : {"generic_follow_ups", "one_off"})
        if (auto added = add(json->value(part, none), part); !added) return std::unexpected(added.error());
    if (set.questions.empty()) return std::unexpected(file.string() + ": holds no question");
    return set;
}

TierAccuracy measure_tier_accuracy(const RoutingConfig& routing, const JudgedSet& set) {
    TierAccuracy accuracy;
    accuracy.set = set.name;
    for (const auto& tier : routing.tiers) accuracy.tiers.push_back(tier.name);
    const TierClassifier classifier(routing);
    for (const auto& question : set.questions) {
        ChatRequest request;
        request.model = "auto";
        request.messages = {{Role::System, set.system_prompt}, {Role::User, question.text}};
        const std::string tier = classifier.classify(request).tier;
        ++accuracy.questions;
        ++accuracy.matrix[to_string(question.difficulty)][tier];
        const auto expected = static_cast<std::size_t>(question.difficulty);
        if (expected < accuracy.tiers.size() && accuracy.tiers[expected] == tier) ++accuracy.agreed;
    }
    return accuracy;
}

std::string format_tier_accuracy(const TierAccuracy& accuracy) {
    std::string out;
    char line[256];
    std::snprintf(line, sizeof line, "  %-12s", "judged \\ tier");
    out += line;
    for (const auto& tier : accuracy.tiers) {
        std::snprintf(line, sizeof line, " %10s", tier.c_str());
        out += line;
    }
    out += "\n";
    for (const Difficulty d : {Difficulty::Simple, Difficulty::Medium, Difficulty::Hard}) {
        const auto row = accuracy.matrix.find(to_string(d));
        std::snprintf(line, sizeof line, "  %-12s", to_string(d));
        out += line;
        for (const auto& tier : accuracy.tiers) {
            std::size_t count = 0;
            if (row != accuracy.matrix.end())
                if (const auto cell = row->second.find(tier); cell != row->second.end()) count = cell->second;
            std::snprintf(line, sizeof line, " %10zu", count);
            out += line;
        }
        out += "\n";
    }
    std::snprintf(line, sizeof line, "  agreement %zu of %zu (%.1f%%)\n", accuracy.agreed, accuracy.questions,
                  accuracy.accuracy() * 100.0);
    return out + line;
}

}  // namespace sb::replay
