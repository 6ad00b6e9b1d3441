#pragma once
// How well the routing's tier rules agree with a person's judgement of a question's
// difficulty: each question, sent alone with a system prompt, is classified by the shipped
// rules (classify_request), and the tier chosen is counted against the difficulty judged.
// The routing's tiers, in their order, stand for the difficulties simple, medium and hard
// (shipped: simple, standard, advanced); a question agrees when its tier is its difficulty's.
//
// Two sets are read:
//   - the replay's own pool (questions.json), one question per text as written, placeholders
//     filled with their first value: its labels were written beside the rules, so agreement
//     there proves little;
//   - questions-judged.json: questions written and judged without reference to the rules.
#include <cstddef>
#include <expected>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "config/routing_config.h"
#include "replay/question_pool.h"

namespace sb::replay {

struct JudgedQuestion {
    std::string text;
    Difficulty difficulty = Difficulty::Simple;
};

struct JudgedSet {
    std::string name;  // the file's stem
    std::string system_prompt;
    std::vector<JudgedQuestion> questions;
};

// questions-judged.json: {"questions": [{"text", "difficulty", …}]}; errors name the item.
std::expected<JudgedSet, std::string> load_judged_set(const std::filesystem::path& file);
// questions.json (the replay's pool): one question per text as written.
std::expected<JudgedSet, std::string> load_pool_as_judged_set(const std::filesystem::path& file);

struct TierAccuracy {
    std::string set;
    std::size_t questions = 0;
    std::size_t agreed = 0;
    std::vector<std::string> tiers;  // the routing's, in order (columns)
    // Rows: the judged difficulty ("simple", "medium", "hard"); columns: the tier chosen.
    std::map<std::string, std::map<std::string, std::size_t>> matrix;
    double accuracy() const { return questions ? double(agreed) / double(questions) : 0.0; }
};

TierAccuracy measure_tier_accuracy(const RoutingConfig& routing, const JudgedSet& set);

// The matrix as rows of text, for a benchmark's output.
std::string format_tier_accuracy(const TierAccuracy& accuracy);

}  // namespace sb::replay
