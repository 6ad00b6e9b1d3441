// Token counting cost: exact o200k_base / cl100k_base BPE and the calibrated estimate, over
// the tokenizer test corpus (English, Chinese, code, mixed…). Prints throughput in MB/s and
// the time to count one 1 kB prompt. One thread; the median of several rounds.
//
// Usage: bench_token_counter [rounds=5]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_results.h"
#include "model/token_estimate.h"
#include "tokenize/token_counter.h"

using namespace sb;
using namespace std::chrono;

namespace {

std::string load_corpus_text() {
    const auto path = std::filesystem::path(SB_RESOURCES_DIR) / ".." / "tests" / "data" / "tokenizer" / "corpus.jsonl";
    std::ifstream in(path);
    std::string text;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        text += nlohmann::json::parse(line).at("text").get<std::string>();
        text += "\n";
    }
    return text;
}

// 1 kB prompts cut on character boundaries (never inside a UTF-8 sequence).
std::vector<std::string> one_kb_prompts(const std::string& text) {
    std::vector<std::string> prompts;
    std::size_t start = 0;
    while (start + 1024 <= text.size()) {
        std::size_t end = start + 1024;
        while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
        prompts.push_back(text.substr(start, end - start));
        start = end;
    }
    return prompts;
}

template <typename Body>
double median_seconds(int rounds, Body body) {
    std::vector<double> results;
    for (int r = 0; r < rounds; ++r) {
        const auto start = steady_clock::now();
        body();
        results.push_back(duration<double>(steady_clock::now() - start).count());
    }
    std::sort(results.begin(), results.end());
    return results[results.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
    const auto dir = TokenCounter::default_tokenizer_dir();
    const auto load_start = steady_clock::now();
    const TokenCounter counter(dir);
    const double load_ms = duration<double, std::milli>(steady_clock::now() - load_start).count();
    if (!counter.notes().empty()) {
        std::fprintf(stderr, "%s\n", counter.notes().c_str());
        return 1;
    }
    std::string text = load_corpus_text();
    if (text.empty()) {
        std::fprintf(stderr, "corpus not found\n");
        return 1;
    }
    std::string big;
    while (big.size() < 4'000'000) big += text;  // ~4 MB so the timing is not noise
    const auto prompts = one_kb_prompts(text);
    std::printf("loaded both rank files in %.0f ms; corpus %zu bytes, %zu prompts of 1 kB\n", load_ms, text.size(),
                prompts.size());

    volatile std::int64_t sink = 0;
    std::vector<double> per_kb_us;
    const auto report = [&](const char* name, auto count_one) {
        const double whole = median_seconds(rounds, [&] { sink = sink + count_one(big); });
        const double per_prompt = median_seconds(rounds, [&] {
            for (const auto& prompt : prompts) sink = sink + count_one(prompt);
        });
        per_kb_us.push_back(per_prompt / static_cast<double>(prompts.size()) * 1e6);
        std::printf("%-22s %8.1f MB/s   %8.2f us per 1 kB prompt\n", name,
                    static_cast<double>(big.size()) / whole / 1e6,
                    per_prompt / static_cast<double>(prompts.size()) * 1e6);
    };
    report("exact o200k_base", [&](const std::string& s) { return counter.count_text("gpt-4o", s).tokens; });
    report("exact cl100k_base", [&](const std::string& s) { return counter.count_text("gpt-4", s).tokens; });
    report("calibrated estimate", [&](const std::string& s) { return counter.count_text("claude-3-5-sonnet", s).tokens; });
    report("raw estimate_tokens", [&](const std::string& s) { return estimate_tokens(s); });
    sb::bench::summary_row("tokens", "exact o200k_base count, 1 kB prompt", sb::bench::fmt("%.2f µs", per_kb_us[0]), "-",
                           std::nullopt, sb::bench::fmt("raw estimate %.2f µs; exact %.1f× it", per_kb_us[3], per_kb_us[0] / per_kb_us[3]));
    return bench::exit_code();
}
