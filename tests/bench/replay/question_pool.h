#pragma once
// The baseline replay's question pool (resources/replay/questions.json): customer-service
// questions by topic — openers, follow-ups, generic follow-ups and one-offs — each tagged with
// the difficulty a person would give it, with every {placeholder} expanded.
#include <expected>
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace sb::replay {

// Difficulty as a person labels it (the engine's router decides its own tier).
enum class Difficulty { Simple, Medium, Hard };
inline constexpr int kDifficultyCount = 3;
const char* to_string(Difficulty difficulty);

struct PoolQuestion {
    std::string text;
    Difficulty difficulty = Difficulty::Simple;
    int topic = -1;  // index into QuestionPool::topics; -1 for generic follow-ups
};

// The pool with every {placeholder} expanded (except {order}, filled at each use).
struct QuestionPool {
    std::string system_prompt;
    std::vector<std::string> topics;
    std::vector<PoolQuestion> openers;
    std::vector<PoolQuestion> follow_ups;  // of a topic
    std::vector<PoolQuestion> generic_follow_ups;
    std::vector<PoolQuestion> one_offs;  // contain {order}
};

std::expected<QuestionPool, std::string> parse_question_pool(const nlohmann::json& json);
std::expected<QuestionPool, std::string> load_question_pool(const std::filesystem::path& file);

}  // namespace sb::replay
