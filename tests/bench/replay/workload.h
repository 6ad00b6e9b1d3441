#pragma once
// The baseline replay's workload: customer-service conversations generated from a question
// pool (resources/replay/questions.json) and a parameter file (resources/replay/workload-*.json).
// Deterministic from the seed: the same files give the same conversations, turn by turn, on
// any machine, so every mode of the replay sends exactly the same requests at the same times.
//
// The model of the traffic (docs/PERFORMANCE.md justifies the numbers):
//   - conversations start as a Poisson process at `arrival_per_s`;
//   - a conversation has 1 + Geometric user turns (mean `turns.mean`, at most `turns.max`);
//     the next turn is sent `think_time` (exponential) after the previous one was answered;
//   - each turn's difficulty is drawn from `tier_mix`; with probability `one_off_share` it is a
//     one-off (it names a fresh order number, so it never repeats); otherwise it is a pool
//     question of that difficulty — an opener for the first turn, a follow-up of the
//     conversation's topic later — whose popularity follows a Zipf law with exponent `zipf_s`
//     over a seeded random ranking of the pool;
//   - earlier assistant turns are the logged answers (logged_answer), as in a replay of a
//     recorded conversation, so a request does not depend on how an earlier turn fared.
#include <cstdint>
#include <expected>
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "model/chat.h"
#include "replay/question_pool.h"

namespace sb::replay {

struct ClientParams {
    int timeout_ms = 10'000;              // per attempt, the same for every mode
    std::string strong_model = "gpt-4o";  // what a naive client always calls
    int max_tokens = 300;
};

struct WorkloadParams {
    std::string name;  // the file's stem, e.g. "workload-reference-case"
    std::string description;
    std::uint64_t seed = 1;
    std::filesystem::path questions;  // resolved against the workload file's folder
    int conversations = 100;
    int warmup_conversations = 0;  // the first ones: sent, not counted
    double arrival_per_s = 10;
    double turns_mean = 2.0;
    int turns_max = 6;
    double think_time_ms = 1000;
    double zipf_s = 1.0;
    double one_off_share = 0.2;
    double tier_mix[kDifficultyCount] = {0.6, 0.3, 0.1};
    ClientParams client;
};

// Errors read "<json path>: <rule>".
std::expected<WorkloadParams, std::string> parse_workload(const nlohmann::json& json,
                                                          const std::filesystem::path& base_dir);
std::expected<WorkloadParams, std::string> load_workload(const std::filesystem::path& file);

struct Turn {
    std::string user_text;
    Difficulty difficulty = Difficulty::Simple;
    bool one_off = false;
    double think_time_ms = 0;  // before this turn, after the previous one was answered
};

struct Conversation {
    std::string id;
    double start_ms = 0;  // from the start of the run
    bool warmup = false;
    int topic = -1;
    std::vector<Turn> turns;
};

struct Workload {
    WorkloadParams params;
    std::string system_prompt;
    std::vector<Conversation> conversations;  // in start order
    std::size_t request_count() const;
};

Workload generate_workload(const WorkloadParams& params, const QuestionPool& pool);
// Both files read and the workload generated; errors name the file.
std::expected<Workload, std::string> load_and_generate(const std::filesystem::path& workload_file);

// The assistant's logged answer to a user turn, as the history of a later turn carries it.
std::string logged_answer(const std::string& user_text);

// The request of `turn` (0-based) of a conversation: the system prompt, the earlier turns
// with their logged answers, then this turn's question. `model` as the caller wants it.
ChatRequest request_for(const Workload& workload, const Conversation& conversation, std::size_t turn,
                        const std::string& model);

// What the generated traffic looks like, to check it against the parameters.
struct WorkloadStats {
    std::size_t conversations = 0;
    std::size_t requests = 0;
    std::size_t measured_requests = 0;  // outside the warm-up
    double mean_turns = 0;
    double difficulty_share[kDifficultyCount] = {};
    double one_off_share = 0;
    // Share of requests whose whole message list was sent before: the most an exact-match
    // cache could answer (over every request, and over the measured ones with the warm-up seen).
    double repetition = 0;
    double measured_repetition = 0;
    double opener_repetition = 0;  // first turns only
    double top_opener_share = 0;   // the most frequent first question
    double span_s = 0;             // from the first to the last conversation start
};
WorkloadStats describe(const Workload& workload);

// The opener repetition a Zipf draw of these parameters gives in expectation:
// 1 − E[distinct openers] / conversations.
double expected_opener_repetition(const WorkloadParams& params, const QuestionPool& pool);

nlohmann::json to_json(const WorkloadParams& params);
nlohmann::json to_json(const WorkloadStats& stats);

}  // namespace sb::replay
