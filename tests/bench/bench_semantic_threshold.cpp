// Where the semantic cache's similarity threshold stands on hand-labelled question pairs
// (resources/semantic_cache/labelled_pairs.jsonl: English and Chinese; paraphrase, near_miss,
// related, unrelated; `same_answer` says whether one stored answer is right for both). Every
// question is embedded through the engine as a caller's POST /v1/embeddings is (Engine::submit
// of chat_request_from_embeddings; the vectors read from the passed-through answer), then each
// pair's cosine similarity is compared with a ladder of thresholds:
//   false hits  pairs needing different answers at or above it: a wrong answer served
//               (all of them, and the near misses alone: the pairs that share most words)
//   recall      pairs with the same answer at or above it: upstream calls saved
// per language and overall, with counts. Target: false hits ≤ 1% overall at the shipped
// threshold (kDefaultSemanticThreshold, core/config/cache_config.h).
//
// The embedder is the built-in simulator unless told otherwise; its vectors are feature-hashed
// bags of words, so its figures say how word overlap alone fares, not how a model does.
//
// Usage: bench_semantic_threshold [--pairs FILE] [--base-url URL --model NAME]
//   --base-url, --model: a real OpenAI-compatible embeddings endpoint (…/v1) and its model;
//                        the key, when it needs one, in $SB_EMBEDDING_KEY
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_results.h"
#include "config/cache_config.h"
#include "engine/engine.h"
#include "providers/embeddings_wire.h"
#include "simulator/simulator.h"

using namespace sb;

namespace {

constexpr const char* kSimulatorKey = "sk-bench-semantic";
constexpr const char* kSimulatorModel = "text-embedding-3-small";
constexpr std::size_t kInputsPerRequest = 64;
constexpr int kTargetFalseHitPercent = 1;

struct LabelledPair {
    std::string id;
    std::string lang;
    std::string kind;
    bool same_answer = false;
    std::string a;
    std::string b;
    double similarity = 0;
};

struct Arguments {
    std::string pairs = SB_RESOURCES_DIR "/semantic_cache/labelled_pairs.jsonl";
    std::string base_url;  // empty: the built-in simulator
    std::string model;
};

struct Embedder {
    std::string description;  // for the report
    std::string short_name;   // for the summary table
    std::string model;
    std::unique_ptr<Simulator> simulator;  // the upstream, when it is the built-in one
    std::unique_ptr<Engine> engine;
};

struct Tally {
    int served = 0;  // at or above the threshold
    int total = 0;
    double percent() const { return total ? 100.0 * served / total : 0; }
    bool within(int percent_limit) const { return served * 100 <= total * percent_limit; }
};

std::optional<Arguments> parse_arguments(int argc, char** argv) {
    Arguments arguments;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (i + 1 >= argc) return std::nullopt;
        if (flag == "--pairs") arguments.pairs = argv[++i];
        else if (flag == "--base-url") arguments.base_url = argv[++i];
        else if (flag == "--model") arguments.model = argv[++i];
        else return std::nullopt;
    }
    if (!arguments.base_url.empty() && arguments.model.empty()) return std::nullopt;
    return arguments;
}

std::expected<std::vector<LabelledPair>, std::string> load_pairs(const std::string& path) {
    std::ifstream in(path);
    if (!in) return std::unexpected("cannot read " + path);
    std::vector<LabelledPair> pairs;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        if (line.empty()) continue;
        const auto row = nlohmann::json::parse(line, nullptr, false);
        try {
            pairs.push_back({row.at("id").get<std::string>(), row.at("lang").get<std::string>(),
                             row.at("kind").get<std::string>(), row.at("same_answer").get<bool>(),
                             row.at("a").get<std::string>(), row.at("b").get<std::string>()});
        } catch (const nlohmann::json::exception& e) {
            return std::unexpected(path + ":" + std::to_string(number) + ": " + e.what());
        }
    }
    if (pairs.empty()) return std::unexpected(path + " holds no pairs");
    return pairs;
}

std::expected<std::unique_ptr<Engine>, std::string> embedding_engine(const std::string& base_url,
                                                                     const std::string& key,
                                                                     const std::string& model) {
    ProviderConfig provider;
    provider.name = "embeddings";
    provider.kind = ProviderKind::OpenAICompatible;
    provider.base_url = base_url;
    provider.api_key = key;
    provider.default_model = model;
    provider.models = {model};  // embeddings are routed only to providers listing their model
    EngineOptions options;
    options.config.providers = {provider};
    options.config.default_provider = provider.name;
    options.config.cache.enabled = false;  // every question embedded anew
    options.history = false;
    return Engine::create(std::move(options));
}

std::expected<Embedder, std::string> make_embedder(const Arguments& arguments) {
    Embedder embedder;
    std::string base_url = arguments.base_url;
    std::string key;
    if (base_url.empty()) {
        SimulatorOptions options;
        options.api_key = kSimulatorKey;
        embedder.simulator = std::make_unique<Simulator>(SimulatorProfile{}, options);
        const auto port = embedder.simulator->start(0);
        if (!port) return std::unexpected("the simulator did not start: " + port.error());
        base_url = "http://127.0.0.1:" + std::to_string(*port) + "/v1";
        key = kSimulatorKey;
        embedder.model = arguments.model.empty() ? kSimulatorModel : arguments.model;
        embedder.description = "the built-in simulator (feature-hashed bags of words), model name " + embedder.model;
        embedder.short_name = "simulator";
    } else {
        if (const char* from_environment = std::getenv("SB_EMBEDDING_KEY"); from_environment && *from_environment)
            key = from_environment;
        else
            std::fprintf(stderr, "bench_semantic_threshold: $SB_EMBEDDING_KEY is not set; no key is sent\n");
        embedder.model = arguments.model;
        embedder.description = base_url + ", model " + arguments.model;
        embedder.short_name = arguments.model;
    }
    auto engine = embedding_engine(base_url, key, embedder.model);
    if (!engine) return std::unexpected("the engine did not start: " + engine.error());
    embedder.engine = std::move(*engine);
    return embedder;
}

// One embeddings request through the engine: the vectors of `texts`, in their order.
std::expected<std::vector<std::vector<float>>, std::string> embed(Embedder& embedder,
                                                                  const std::vector<std::string>& texts) {
    auto request = chat_request_from_embeddings({{"model", embedder.model}, {"input", texts}});
    if (!request) return std::unexpected("the request is refused: " + request.error().message);
    request->source = "bench";
    const auto result = embedder.engine->submit(std::move(*request)).get();
    if (!result.ok()) return std::unexpected("the embeddings request failed: " + result.outcome.error().message);
    const auto answer = nlohmann::json::parse(result.outcome->passthrough_body, nullptr, false);
    std::vector<std::vector<float>> vectors(texts.size());
    try {
        for (const auto& item : answer.at("data")) {
            const auto index = item.at("index").get<std::size_t>();
            if (index >= vectors.size()) return std::unexpected("the answer has an embedding at index " + std::to_string(index));
            vectors[index] = item.at("embedding").get<std::vector<float>>();
        }
    } catch (const nlohmann::json::exception& e) {
        return std::unexpected(std::string("the answer is not an embeddings list: ") + e.what());
    }
    for (const auto& vector : vectors)
        if (vector.empty()) return std::unexpected(std::string("the answer lacks an embedding"));
    return vectors;
}

// Of two vectors of the same dimensions; 0 when one of them is zero.
double cosine(const std::vector<float>& a, const std::vector<float>& b) {
    double dot = 0, aa = 0, bb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        dot += double(a[i]) * b[i];
        aa += double(a[i]) * a[i];
        bb += double(b[i]) * b[i];
    }
    return aa > 0 && bb > 0 ? dot / std::sqrt(aa * bb) : 0;
}

// Fills in every pair's similarity. Returns the vectors' dimensions.
std::expected<std::size_t, std::string> measure_similarities(Embedder& embedder, std::vector<LabelledPair>& pairs,
                                                            int& requests) {
    std::set<std::string> distinct;
    for (const auto& pair : pairs) distinct.insert({pair.a, pair.b});
    const std::vector<std::string> texts(distinct.begin(), distinct.end());
    std::map<std::string, std::vector<float>> vectors;
    for (std::size_t from = 0; from < texts.size(); from += kInputsPerRequest) {
        const std::vector<std::string> batch(texts.begin() + from,
                                             texts.begin() + std::min(texts.size(), from + kInputsPerRequest));
        auto embedded = embed(embedder, batch);
        if (!embedded) return std::unexpected(embedded.error());
        ++requests;
        for (std::size_t i = 0; i < batch.size(); ++i) vectors[batch[i]] = std::move((*embedded)[i]);
    }
    const std::size_t dimensions = vectors.begin()->second.size();
    for (const auto& [text, vector] : vectors)
        if (vector.size() != dimensions) return std::unexpected(std::string("the embeddings differ in dimensions"));
    for (auto& pair : pairs) pair.similarity = cosine(vectors[pair.a], vectors[pair.b]);
    return dimensions;
}

// Pairs of `lang` (empty: all) picked by `wanted`, and how many reach `threshold`.
template <typename Wanted>
Tally tally(const std::vector<LabelledPair>& pairs, const std::string& lang, double threshold, Wanted wanted) {
    Tally t;
    for (const auto& pair : pairs) {
        if ((!lang.empty() && pair.lang != lang) || !wanted(pair)) continue;
        ++t.total;
        if (pair.similarity >= threshold) ++t.served;
    }
    return t;
}

bool different_answer(const LabelledPair& pair) { return !pair.same_answer; }
bool near_miss(const LabelledPair& pair) { return pair.kind == "near_miss"; }
bool same_answer(const LabelledPair& pair) { return pair.same_answer; }

struct Figures {
    Tally false_hits, near_misses, recall;  // overall
};

Figures figures_at(const std::vector<LabelledPair>& pairs, double threshold) {
    return {tally(pairs, "", threshold, different_answer), tally(pairs, "", threshold, near_miss),
            tally(pairs, "", threshold, same_answer)};
}

std::string share(const Tally& t) { return bench::fmt("%.1f%% (", t.percent()) + std::to_string(t.served) + ")"; }

std::string share_of(const Tally& t) {
    return bench::fmt("%.1f%% (", t.percent()) + std::to_string(t.served) + "/" + std::to_string(t.total) + ")";
}

const std::vector<std::string> kLanguages = {"en", "zh", ""};

void print_table(const std::vector<LabelledPair>& pairs, const std::vector<double>& thresholds) {
    using Picker = bool (*)(const LabelledPair&);
    const std::vector<std::pair<const char*, Picker>> groups = {
        {"false hits (different answer served)", different_answer},
        {"near-miss pairs only", near_miss},
        {"recall (same answer served)", same_answer}};
    std::printf("%-9s", "");
    for (const auto& [title, picker] : groups) std::printf(" | %-38s", title);
    std::printf("\n%-9s", "threshold");
    for (std::size_t g = 0; g < groups.size(); ++g) {
        std::printf(" |");
        for (const auto& lang : kLanguages) {
            const auto total = tally(pairs, lang, 0, groups[g].second).total;
            std::printf(" %-12s", ((lang.empty() ? "all" : lang) + " of " + std::to_string(total)).c_str());
        }
    }
    std::printf("\n");
    for (const double threshold : thresholds) {
        std::printf("%-9.2f", threshold);
        for (const auto& [title, picker] : groups) {
            std::printf(" |");
            for (const auto& lang : kLanguages) std::printf(" %-12s", share(tally(pairs, lang, threshold, picker)).c_str());
        }
        std::printf("\n");
    }
}

// Where each kind of pair lies: the median similarity and the range, per language.
void print_similarities(const std::vector<LabelledPair>& pairs) {
    std::printf("similarity by kind: median [min, max]\n");
    for (const char* kind : {"paraphrase", "near_miss", "related", "unrelated"}) {
        std::printf("  %-11s", kind);
        for (const auto& lang : kLanguages) {
            std::vector<double> values;
            for (const auto& pair : pairs)
                if (pair.kind == kind && (lang.empty() || pair.lang == lang)) values.push_back(pair.similarity);
            std::sort(values.begin(), values.end());
            if (values.empty()) continue;
            std::printf("  %-3s %.2f [%.2f, %.2f]", lang.empty() ? "all" : lang.c_str(), values[values.size() / 2],
                        values.front(), values.back());
        }
        std::printf("\n");
    }
}

// The pairs needing different answers that `threshold` would serve one answer to: what a
// false hit looks like with this embedder.
void print_false_hits(const std::vector<LabelledPair>& pairs, double threshold) {
    constexpr int kShown = 10;
    int shown = 0;
    for (const auto& pair : pairs) {
        if (pair.same_answer || pair.similarity < threshold) continue;
        if (shown++ == kShown) {
            std::printf("  … and more\n");
            break;
        }
        std::printf("  false hit %s (%s, %.3f): \"%s\" / \"%s\"\n", pair.id.c_str(), pair.kind.c_str(),
                    pair.similarity, pair.a.c_str(), pair.b.c_str());
    }
}

}  // namespace

int main(int argc, char** argv) {
    const auto arguments = parse_arguments(argc, argv);
    if (!arguments) {
        std::fprintf(stderr, "usage: bench_semantic_threshold [--pairs FILE] [--base-url URL --model NAME]\n"
                             "       (a real endpoint's key in $SB_EMBEDDING_KEY)\n");
        return 2;
    }
    auto pairs = load_pairs(arguments->pairs);
    if (!pairs) {
        std::fprintf(stderr, "bench_semantic_threshold: %s\n", pairs.error().c_str());
        return 1;
    }
    auto embedder = make_embedder(*arguments);
    if (!embedder) {
        std::fprintf(stderr, "bench_semantic_threshold: %s\n", embedder.error().c_str());
        return 1;
    }
    const auto started = std::chrono::steady_clock::now();
    int requests = 0;
    const auto dimensions = measure_similarities(*embedder, *pairs, requests);
    if (!dimensions) {
        std::fprintf(stderr, "bench_semantic_threshold: %s\n", dimensions.error().c_str());
        return 1;
    }
    const double took_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();

    const auto count_lang = [&](const char* lang) {
        return std::count_if(pairs->begin(), pairs->end(), [&](const auto& pair) { return pair.lang == lang; });
    };
    std::printf("bench_semantic_threshold: %zu labelled pairs (en %td, zh %td) from %s\n", pairs->size(),
                count_lang("en"), count_lang("zh"), arguments->pairs.c_str());
    std::printf("embedder: %s; %zu dimensions; embedded through Engine::submit in %d requests, %.0f ms\n\n",
                embedder->description.c_str(), *dimensions, requests, took_ms);

    std::vector<double> thresholds;
    for (int percent = 50; percent <= 95; percent += 5) thresholds.push_back(percent / 100.0);
    thresholds.insert(thresholds.end(), {0.97, 0.99});
    print_table(*pairs, thresholds);
    std::printf("\n");
    print_similarities(*pairs);
    std::printf("\n");

    const auto lowest = std::find_if(thresholds.begin(), thresholds.end(), [&](double threshold) {
        return figures_at(*pairs, threshold).false_hits.within(kTargetFalseHitPercent);
    });
    std::string lowest_text = "none of the table's thresholds";
    if (lowest != thresholds.end()) {
        const auto at_lowest = figures_at(*pairs, *lowest);
        lowest_text = bench::fmt("%.2f", *lowest) + ", recall " + share_of(at_lowest.recall);
        std::printf("lowest threshold with false hits ≤ %d%% overall: %.2f; false hits %s, recall %s\n",
                    kTargetFalseHitPercent, *lowest, share_of(at_lowest.false_hits).c_str(),
                    share_of(at_lowest.recall).c_str());
    } else {
        std::printf("lowest threshold with false hits ≤ %d%% overall: none of the table's\n", kTargetFalseHitPercent);
    }

    const auto shipped = figures_at(*pairs, kDefaultSemanticThreshold);
    const bool pass = shipped.false_hits.within(kTargetFalseHitPercent);
    std::printf("shipped threshold (kDefaultSemanticThreshold) %.2f: false hits %s, near-miss %s, recall %s\n",
                kDefaultSemanticThreshold, share_of(shipped.false_hits).c_str(), share_of(shipped.near_misses).c_str(),
                share_of(shipped.recall).c_str());
    print_false_hits(*pairs, kDefaultSemanticThreshold);
    std::printf("%s: false hits ≤ %d%% at the shipped threshold, %s embedder\n", pass ? "PASS" : "FAIL",
                kTargetFalseHitPercent, embedder->short_name.c_str());

    const std::string at = bench::fmt("%.2f", kDefaultSemanticThreshold) + " (" + embedder->short_name + ")";
    bench::summary_row("semantic", "false hits at shipped threshold " + at, share_of(shipped.false_hits),
                       "≤ " + std::to_string(kTargetFalseHitPercent) + "%", pass,
                       "near-miss pairs " + share_of(shipped.near_misses));
    bench::summary_row("semantic", "recall at shipped threshold " + at, share_of(shipped.recall), "-", std::nullopt,
                       "lowest threshold with ≤ 1% false hits: " + lowest_text);
    return pass ? 0 : 1;
}
