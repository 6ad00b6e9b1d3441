#include "replay/question_pool.h"

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

namespace sb::replay {

const char* to_string(Difficulty difficulty) {
    switch (difficulty) {
        case Difficulty::Simple:
            return "simple";
        case Difficulty::Medium:
            return "medium";
        case Difficulty::Hard:
            return "hard";
    }
    return "?";
}

namespace {

using Error = std::unexpected<std::string>;

std::optional<Difficulty> difficulty_from(const std::string& text) {
    if (text == "simple") return Difficulty::Simple;
    if (text == "medium") return Difficulty::Medium;
    if (text == "hard") return Difficulty::Hard;
    return std::nullopt;
}

// Expands the one {name} of `text` (other than {order}) into one text per value.
std::expected<std::vector<std::string>, std::string> expand(const std::string& text,
                                                            const nlohmann::json& placeholders,
                                                            const std::string& path) {
    std::size_t at = 0;
    while ((at = text.find('{', at)) != std::string::npos) {
        const auto end = text.find('}', at);
        if (end == std::string::npos) return Error(path + ": unclosed {");
        const std::string name = text.substr(at + 1, end - at - 1);
        if (name == "order") {
            at = end + 1;
            continue;
        }
        if (!placeholders.contains(name) || !placeholders[name].is_array() || placeholders[name].empty())
            return Error(path + ": unknown placeholder {" + name + "}");
        std::vector<std::string> out;
        for (const auto& value : placeholders[name]) {
            if (!value.is_string()) return Error("placeholders." + name + ": must hold strings");
            auto rest = expand(text.substr(end + 1), placeholders, path);
            if (!rest) return rest;
            for (const auto& tail : *rest)
                out.push_back(text.substr(0, at) + value.get<std::string>() + tail);
        }
        return out;
    }
    return std::vector<std::string>{text};
}

std::expected<void, std::string> read_question(const nlohmann::json& entry, const std::string& at, int topic,
                                               const nlohmann::json& placeholders,
                                               std::vector<PoolQuestion>& out) {
    if (!entry.is_object() || !entry.contains("text") || !entry["text"].is_string() ||
        entry["text"].get<std::string>().empty())
        return Error(at + ".text: must be a non-empty string");
    const auto difficulty = entry.contains("tier") && entry["tier"].is_string()
                                ? difficulty_from(entry["tier"].get<std::string>())
                                : std::nullopt;
    if (!difficulty) return Error(at + ".tier: must be simple, medium or hard");
    auto texts = expand(entry["text"].get<std::string>(), placeholders, at + ".text");
    if (!texts) return Error(texts.error());
    for (auto& text : *texts) out.push_back({std::move(text), *difficulty, topic});
    return {};
}

std::expected<void, std::string> read_questions(const nlohmann::json& list, const std::string& path,
                                                int topic, const nlohmann::json& placeholders,
                                                std::vector<PoolQuestion>& out) {
    if (!list.is_array()) return Error(path + ": must be an array");
    for (std::size_t i = 0; i < list.size(); ++i)
        if (auto r = read_question(list[i], path + "[" + std::to_string(i) + "]", topic, placeholders, out);
            !r)
            return r;
    return {};
}

}  // namespace

std::expected<QuestionPool, std::string> parse_question_pool(const nlohmann::json& json) {
    if (!json.is_object()) return Error("$: must be an object");
    QuestionPool pool;
    if (!json.contains("system_prompt") || !json["system_prompt"].is_string())
        return Error("system_prompt: must be a string");
    pool.system_prompt = json["system_prompt"].get<std::string>();
    const nlohmann::json placeholders = json.value("placeholders", nlohmann::json::object());
    if (!json.contains("topics") || !json["topics"].is_array() || json["topics"].empty())
        return Error("topics: must be a non-empty array");
    std::map<std::string, int> topic_index;
    for (std::size_t t = 0; t < json["topics"].size(); ++t) {
        const auto& topic = json["topics"][t];
        const std::string path = "topics[" + std::to_string(t) + "]";
        if (!topic.is_object() || !topic.contains("name") || !topic["name"].is_string())
            return Error(path + ".name: must be a string");
        const int index = static_cast<int>(pool.topics.size());
        pool.topics.push_back(topic["name"].get<std::string>());
        topic_index[pool.topics.back()] = index;
        if (auto r = read_questions(topic.value("openers", nlohmann::json::array()), path + ".openers", index,
                                    placeholders, pool.openers);
            !r)
            return Error(r.error());
        if (auto r = read_questions(topic.value("follow_ups", nlohmann::json::array()), path + ".follow_ups",
                                    index, placeholders, pool.follow_ups);
            !r)
            return Error(r.error());
    }
    if (auto r = read_questions(json.value("generic_follow_ups", nlohmann::json::array()),
                                "generic_follow_ups", -1, placeholders, pool.generic_follow_ups);
        !r)
        return Error(r.error());
    // A one-off names its topic, which may be new (its follow-ups then come from the generic list).
    const auto one_offs = json.value("one_off", nlohmann::json::array());
    if (!one_offs.is_array()) return Error("one_off: must be an array");
    for (std::size_t i = 0; i < one_offs.size(); ++i) {
        const std::string topic = one_offs[i].is_object() ? one_offs[i].value("topic", std::string("one-off"))
                                                          : std::string("one-off");
        if (!topic_index.contains(topic)) {
            topic_index[topic] = static_cast<int>(pool.topics.size());
            pool.topics.push_back(topic);
        }
        if (auto r = read_question(one_offs[i], "one_off[" + std::to_string(i) + "]", topic_index[topic],
                                   placeholders, pool.one_offs);
            !r)
            return Error(r.error());
    }
    for (int d = 0; d < kDifficultyCount; ++d) {
        const auto has = [d](const std::vector<PoolQuestion>& list) {
            return std::any_of(list.begin(), list.end(),
                               [d](const PoolQuestion& q) { return static_cast<int>(q.difficulty) == d; });
        };
        const std::string name = to_string(static_cast<Difficulty>(d));
        if (!has(pool.openers)) return Error("topics: no " + name + " opener");
        if (!has(pool.one_offs)) return Error("one_off: no " + name + " question");
        if (!has(pool.generic_follow_ups)) return Error("generic_follow_ups: no " + name + " question");
    }
    return pool;
}

std::expected<QuestionPool, std::string> load_question_pool(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) return Error(file.string() + ": cannot open file");
    const auto json = nlohmann::json::parse(in, nullptr, false);
    if (json.is_discarded()) return Error(file.string() + ": not valid JSON");
    auto pool = parse_question_pool(json);
    if (!pool) return Error(file.string() + ": " + pool.error());
    return pool;
}

}  // namespace sb::replay
