#include "replay/workload.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

namespace sb::replay {

std::size_t Workload::request_count() const {
    std::size_t n = 0;
    for (const auto& conversation : conversations) n += conversation.turns.size();
    return n;
}

namespace {

using Error = std::unexpected<std::string>;

// splitmix64: one independent stream per purpose, so changing one parameter (the one-off
// share, say) leaves every other draw of the workload where it was.
class Stream {
public:
    Stream(std::uint64_t seed, std::uint64_t purpose)
        : m_state(seed * 0x9e3779b97f4a7c15ULL ^ (purpose + 1) * 0xbf58476d1ce4e5b9ULL) {}
    std::uint64_t next() {
        std::uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
    double exponential(double mean) { return -std::log(1.0 - uniform()) * mean; }

private:
    std::uint64_t m_state;
};

enum Purpose : std::uint64_t {
    kArrivals,
    kLengths,
    kDifficulty,
    kOneOff,
    kQuestion,
    kTemplate,
    kThink,
    kRanking
};

// ---- parameters ------------------------------------------------------------------------

struct Reader {
    const nlohmann::json& object;
    std::string prefix;
    std::string error;

    bool number(const char* key, double min, double max, double& out) {
        if (!error.empty() || !object.contains(key)) return error.empty();
        const auto& value = object.at(key);
        if (!value.is_number() || value.get<double>() < min || value.get<double>() > max) {
            error = prefix + key + ": must be a number in [" + trim(min) + ", " + trim(max) + "]";
            return false;
        }
        out = value.get<double>();
        return true;
    }
    bool integer(const char* key, long long min, long long max, int& out) {
        if (!error.empty() || !object.contains(key)) return error.empty();
        const auto& value = object.at(key);
        if (!value.is_number_integer() || value.get<long long>() < min || value.get<long long>() > max) {
            error = prefix + key + ": must be an integer in [" + std::to_string(min) + ", " +
                    std::to_string(max) + "]";
            return false;
        }
        out = static_cast<int>(value.get<long long>());
        return true;
    }
    bool text(const char* key, std::string& out) {
        if (!error.empty() || !object.contains(key)) return error.empty();
        if (!object.at(key).is_string()) {
            error = prefix + key + ": must be a string";
            return false;
        }
        out = object.at(key).get<std::string>();
        return true;
    }
    bool only(std::initializer_list<std::string_view> keys) {
        for (const auto& [key, value] : object.items())
            if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
                error = prefix + key + ": unknown key";
                return false;
            }
        return true;
    }
    static std::string trim(double v) {
        std::string s = std::to_string(v);
        s.erase(s.find_last_not_of('0') + 1);
        if (s.back() == '.') s.pop_back();
        return s;
    }
};

}  // namespace

std::expected<WorkloadParams, std::string> parse_workload(const nlohmann::json& json,
                                                          const std::filesystem::path& base_dir) {
    if (!json.is_object()) return Error("$: must be an object");
    WorkloadParams p;
    Reader r{json, ""};
    r.only({"description", "seed", "questions", "conversations", "warmup_conversations", "arrival_per_s",
            "turns", "think_time_ms", "zipf_s", "one_off_share", "tier_mix", "client"});
    r.text("description", p.description);
    if (r.error.empty() && json.contains("seed")) {
        if (!json.at("seed").is_number_unsigned()) return Error("seed: must be a non-negative integer");
        p.seed = json.at("seed").get<std::uint64_t>();
    }
    std::string questions = "questions.json";
    r.text("questions", questions);
    r.integer("conversations", 1, 1'000'000, p.conversations);
    r.integer("warmup_conversations", 0, 1'000'000, p.warmup_conversations);
    r.number("arrival_per_s", 0.001, 100'000, p.arrival_per_s);
    r.number("think_time_ms", 0, 3'600'000, p.think_time_ms);
    r.number("zipf_s", 0, 10, p.zipf_s);
    r.number("one_off_share", 0, 1, p.one_off_share);
    if (!r.error.empty()) return Error(r.error);
    if (p.warmup_conversations >= p.conversations)
        return Error("warmup_conversations: must be less than conversations");
    if (json.contains("turns")) {
        const auto& turns = json.at("turns");
        if (!turns.is_object()) return Error("turns: must be an object");
        Reader t{turns, "turns."};
        t.only({"mean", "max"});
        t.number("mean", 1, 100, p.turns_mean);
        t.integer("max", 1, 100, p.turns_max);
        if (!t.error.empty()) return Error(t.error);
        if (p.turns_mean > p.turns_max) return Error("turns.mean: must not exceed turns.max");
    }
    if (json.contains("tier_mix")) {
        const auto& mix = json.at("tier_mix");
        if (!mix.is_object()) return Error("tier_mix: must be an object");
        Reader m{mix, "tier_mix."};
        m.only({"simple", "medium", "hard"});
        for (int d = 0; d < kDifficultyCount; ++d) {
            p.tier_mix[d] = 0;
            m.number(to_string(static_cast<Difficulty>(d)), 0, 1, p.tier_mix[d]);
        }
        if (!m.error.empty()) return Error(m.error);
        const double sum = p.tier_mix[0] + p.tier_mix[1] + p.tier_mix[2];
        if (std::abs(sum - 1.0) > 1e-6) return Error("tier_mix: shares must sum to 1");
    }
    if (json.contains("client")) {
        const auto& client = json.at("client");
        if (!client.is_object()) return Error("client: must be an object");
        Reader c{client, "client."};
        c.only({"timeout_ms", "strong_model", "max_tokens"});
        c.integer("timeout_ms", 1, 3'600'000, p.client.timeout_ms);
        c.text("strong_model", p.client.strong_model);
        c.integer("max_tokens", 1, 1'000'000, p.client.max_tokens);
        if (!c.error.empty()) return Error(c.error);
        if (p.client.strong_model.empty()) return Error("client.strong_model: must not be empty");
    }
    p.questions = std::filesystem::path(questions).is_absolute() ? std::filesystem::path(questions)
                                                                 : base_dir / questions;
    return p;
}

std::expected<WorkloadParams, std::string> load_workload(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) return Error(file.string() + ": cannot open file");
    const auto json = nlohmann::json::parse(in, nullptr, false);
    if (json.is_discarded()) return Error(file.string() + ": not valid JSON");
    auto params = parse_workload(json, file.parent_path());
    if (!params) return Error(file.string() + ": " + params.error());
    params->name = file.stem().string();
    return params;
}

// ---- generation ----------------------------------------------------------------------------

namespace {

// Zipf over ranks 1..n: P(rank r) ∝ r^−s.
std::vector<double> zipf_weights(std::size_t n, double s) {
    std::vector<double> weights(n);
    double sum = 0;
    for (std::size_t r = 0; r < n; ++r) sum += weights[r] = std::pow(double(r + 1), -s);
    for (auto& w : weights) w /= sum;
    return weights;
}

// A list of candidates with a seeded random popularity ranking, drawn by Zipf.
class ZipfList {
public:
    ZipfList(std::vector<const PoolQuestion*> items, double s, Stream& ranking) : m_items(std::move(items)) {
        for (std::size_t i = m_items.size(); i > 1; --i)
            std::swap(m_items[i - 1], m_items[ranking.next() % i]);
        const auto weights = zipf_weights(m_items.size(), s);
        m_cdf.resize(weights.size());
        std::partial_sum(weights.begin(), weights.end(), m_cdf.begin());
    }
    const PoolQuestion& draw(double u) const {
        const auto at = std::upper_bound(m_cdf.begin(), m_cdf.end(), u) - m_cdf.begin();
        return *m_items[std::min<std::size_t>(std::size_t(at), m_items.size() - 1)];
    }
    bool empty() const { return m_items.empty(); }

private:
    std::vector<const PoolQuestion*> m_items;
    std::vector<double> m_cdf;
};

std::vector<const PoolQuestion*> of(const std::vector<PoolQuestion>& list, Difficulty d, int topic = -2) {
    std::vector<const PoolQuestion*> out;
    for (const auto& q : list)
        if (q.difficulty == d && (topic == -2 || q.topic == topic)) out.push_back(&q);
    return out;
}

Difficulty draw_difficulty(const double (&mix)[kDifficultyCount], double u) {
    double edge = 0;
    for (int d = 0; d < kDifficultyCount; ++d) {
        edge += mix[d];
        if (u < edge) return static_cast<Difficulty>(d);
    }
    return Difficulty::Hard;
}

std::string fill_order(const std::string& text, long number) {
    std::string out = text;
    const auto at = out.find("{order}");
    if (at != std::string::npos) out.replace(at, 7, "#" + std::to_string(number));
    return out;
}

std::uint64_t fnv1a(std::string_view text) {
    std::uint64_t hash = 1469598103934665603ULL;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ULL;
    }
    return hash;
}

}  // namespace

Workload generate_workload(const WorkloadParams& params, const QuestionPool& pool) {
    Workload workload;
    workload.params = params;
    workload.system_prompt = pool.system_prompt;

    Stream arrivals(params.seed, kArrivals), lengths(params.seed, kLengths),
        difficulty(params.seed, kDifficulty), one_off(params.seed, kOneOff), question(params.seed, kQuestion),
        templates(params.seed, kTemplate), think(params.seed, kThink), ranking(params.seed, kRanking);

    // Rankings first, in a fixed order, so they do not depend on the traffic parameters.
    std::vector<ZipfList> openers, one_offs;
    for (int d = 0; d < kDifficultyCount; ++d) {
        openers.emplace_back(of(pool.openers, static_cast<Difficulty>(d)), params.zipf_s, ranking);
        one_offs.emplace_back(of(pool.one_offs, static_cast<Difficulty>(d)), 0.0, ranking);  // uniform
    }
    std::vector<std::vector<ZipfList>> follow_ups(pool.topics.size());  // [topic][difficulty]
    for (std::size_t t = 0; t < pool.topics.size(); ++t)
        for (int d = 0; d < kDifficultyCount; ++d) {
            auto items = of(pool.follow_ups, static_cast<Difficulty>(d), static_cast<int>(t));
            for (const auto* generic : of(pool.generic_follow_ups, static_cast<Difficulty>(d)))
                items.push_back(generic);
            follow_ups[t].emplace_back(std::move(items), params.zipf_s, ranking);
        }

    // 1 + Geometric(p) user turns, mean 1 + (1 − p)/p = turns_mean before the cap.
    const double p_stop = 1.0 / params.turns_mean;
    long order_number = 2'400'000;
    double clock_ms = 0;
    for (int c = 0; c < params.conversations; ++c) {
        Conversation conversation;
        conversation.id = params.name + "-c" + std::to_string(c);
        clock_ms += arrivals.exponential(1000.0 / params.arrival_per_s);
        conversation.start_ms = clock_ms;
        conversation.warmup = c < params.warmup_conversations;
        int turns = 1;
        while (turns < params.turns_max && lengths.uniform() >= p_stop) ++turns;
        for (int k = 0; k < turns; ++k) {
            // Every stream is drawn on every turn, used or not, so the draws stay aligned.
            const Difficulty d = draw_difficulty(params.tier_mix, difficulty.uniform());
            const bool is_one_off = one_off.uniform() < params.one_off_share;
            const double u_question = question.uniform();
            const double u_template = templates.uniform();
            const double think_ms = think.exponential(params.think_time_ms);
            Turn turn;
            turn.difficulty = d;
            turn.one_off = is_one_off;
            turn.think_time_ms = k == 0 ? 0 : think_ms;
            const auto di = static_cast<std::size_t>(d);
            if (is_one_off) {
                const PoolQuestion& q = one_offs[di].draw(u_template);
                turn.user_text = fill_order(q.text, ++order_number);
                if (k == 0) conversation.topic = q.topic;
            } else if (k == 0) {
                const PoolQuestion& q = openers[di].draw(u_question);
                turn.user_text = q.text;
                conversation.topic = q.topic;
            } else {
                turn.user_text =
                    follow_ups[static_cast<std::size_t>(conversation.topic)][di].draw(u_question).text;
            }
            conversation.turns.push_back(std::move(turn));
        }
        workload.conversations.push_back(std::move(conversation));
    }
    return workload;
}

std::expected<Workload, std::string> load_and_generate(const std::filesystem::path& workload_file) {
    auto params = load_workload(workload_file);
    if (!params) return Error(params.error());
    auto pool = load_question_pool(params->questions);
    if (!pool) return Error(pool.error());
    return generate_workload(*params, *pool);
}

std::string logged_answer(const std::string& user_text) {
    static const char* const kAnswers[] = {
        "Thanks for asking. You will find the details on our help page; in short, yes, and it takes a few "
        "business days. Is there anything else I can help with?",
        "Good question. Our policy covers this case: please follow the steps in your account under Orders, "
        "and "
        "contact us again if anything is unclear.",
        "I understand. Here is what applies in your case: the standard rules on our website, with the "
        "exceptions listed there. Let me know if you need more detail.",
        "Thank you for your message. I have checked our guidelines, and this is possible; the confirmation "
        "will come by email once it is done.",
    };
    const auto hash = fnv1a(user_text);
    return std::string(kAnswers[hash % std::size(kAnswers)]);
}

ChatRequest request_for(const Workload& workload, const Conversation& conversation, std::size_t turn,
                        const std::string& model) {
    ChatRequest request;
    request.model = model;
    request.source = "replay";
    request.conversation_id = conversation.id;
    request.max_tokens = workload.params.client.max_tokens;
    request.messages.push_back({Role::System, workload.system_prompt});
    for (std::size_t k = 0; k < turn; ++k) {
        request.messages.push_back({Role::User, conversation.turns[k].user_text});
        request.messages.push_back({Role::Assistant, logged_answer(conversation.turns[k].user_text)});
    }
    request.messages.push_back({Role::User, conversation.turns[turn].user_text});
    return request;
}

// ---- description ----------------------------------------------------------------------------

WorkloadStats describe(const Workload& workload) {
    WorkloadStats stats;
    stats.conversations = workload.conversations.size();
    // Requests in the order they would be sent with a nominal one-second answer.
    struct Sent {
        double at_ms;
        std::string text;
        bool measured;
    };
    std::vector<Sent> sent;
    std::unordered_map<std::string, std::size_t> openers;
    std::unordered_set<std::string> opener_seen;
    std::size_t opener_repeats = 0;
    std::size_t one_offs = 0;
    std::size_t by_difficulty[kDifficultyCount] = {};
    for (const auto& conversation : workload.conversations) {
        double at = conversation.start_ms;
        std::string transcript;
        for (std::size_t k = 0; k < conversation.turns.size(); ++k) {
            const Turn& turn = conversation.turns[k];
            at += turn.think_time_ms + (k == 0 ? 0 : 1000.0);
            transcript += "\x1fu:" + turn.user_text;
            sent.push_back({at, transcript, !conversation.warmup});
            transcript +=
                "\x1f"
                "a:" +
                logged_answer(turn.user_text);
            ++by_difficulty[static_cast<int>(turn.difficulty)];
            one_offs += turn.one_off;
        }
        const std::string& first = conversation.turns.front().user_text;
        ++openers[first];
        if (!opener_seen.insert(first).second) ++opener_repeats;
    }
    std::stable_sort(sent.begin(), sent.end(),
                     [](const Sent& a, const Sent& b) { return a.at_ms < b.at_ms; });
    std::unordered_set<std::string> seen;
    std::size_t repeats = 0, measured = 0, measured_repeats = 0;
    for (const auto& s : sent) {
        const bool repeat = !seen.insert(s.text).second;
        repeats += repeat;
        if (s.measured) {
            ++measured;
            measured_repeats += repeat;
        }
    }
    stats.requests = sent.size();
    stats.measured_requests = measured;
    const double n = double(std::max<std::size_t>(1, stats.requests));
    stats.mean_turns = double(stats.requests) / double(std::max<std::size_t>(1, stats.conversations));
    for (int d = 0; d < kDifficultyCount; ++d) stats.difficulty_share[d] = double(by_difficulty[d]) / n;
    stats.one_off_share = double(one_offs) / n;
    stats.repetition = double(repeats) / n;
    stats.measured_repetition = double(measured_repeats) / double(std::max<std::size_t>(1, measured));
    stats.opener_repetition = double(opener_repeats) / double(std::max<std::size_t>(1, stats.conversations));
    std::size_t top = 0;
    for (const auto& [text, count] : openers) top = std::max(top, count);
    stats.top_opener_share = double(top) / double(std::max<std::size_t>(1, stats.conversations));
    if (!workload.conversations.empty())
        stats.span_s =
            (workload.conversations.back().start_ms - workload.conversations.front().start_ms) / 1000.0;
    return stats;
}

double expected_opener_repetition(const WorkloadParams& params, const QuestionPool& pool) {
    const double n = params.conversations;
    double distinct = params.one_off_share * n;  // one-offs never repeat
    for (int d = 0; d < kDifficultyCount; ++d) {
        const auto count = of(pool.openers, static_cast<Difficulty>(d)).size();
        for (const double w : zipf_weights(count, params.zipf_s)) {
            const double p = (1.0 - params.one_off_share) * params.tier_mix[d] * w;
            distinct += 1.0 - std::pow(1.0 - p, n);
        }
    }
    return 1.0 - distinct / n;
}

nlohmann::json to_json(const WorkloadParams& p) {
    return {{"name", p.name},
            {"description", p.description},
            {"seed", p.seed},
            {"questions", p.questions.filename().string()},
            {"conversations", p.conversations},
            {"warmup_conversations", p.warmup_conversations},
            {"arrival_per_s", p.arrival_per_s},
            {"turns", {{"mean", p.turns_mean}, {"max", p.turns_max}}},
            {"think_time_ms", p.think_time_ms},
            {"zipf_s", p.zipf_s},
            {"one_off_share", p.one_off_share},
            {"tier_mix", {{"simple", p.tier_mix[0]}, {"medium", p.tier_mix[1]}, {"hard", p.tier_mix[2]}}},
            {"client",
             {{"timeout_ms", p.client.timeout_ms},
              {"strong_model", p.client.strong_model},
              {"max_tokens", p.client.max_tokens}}}};
}

nlohmann::json to_json(const WorkloadStats& s) {
    return {{"conversations", s.conversations},
            {"requests", s.requests},
            {"measured_requests", s.measured_requests},
            {"mean_turns", s.mean_turns},
            {"difficulty_share",
             {{"simple", s.difficulty_share[0]},
              {"medium", s.difficulty_share[1]},
              {"hard", s.difficulty_share[2]}}},
            {"one_off_share", s.one_off_share},
            {"repetition", s.repetition},
            {"measured_repetition", s.measured_repetition},
            {"opener_repetition", s.opener_repetition},
            {"top_opener_share", s.top_opener_share},
            {"span_s", s.span_s}};
}

}  // namespace sb::replay
