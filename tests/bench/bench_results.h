#pragma once
// Where benchmarks leave their figures for tools/bench: when $SB_BENCH_RESULTS names a folder,
// each benchmark appends its headline rows to summary.tsv there (tools/bench prints them as
// one table) and may write its full results as JSON beside it (bench_plot draws those).
// Without the variable a benchmark only prints, as before.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace sb::bench {

inline std::filesystem::path results_dir() {
    const char* dir = std::getenv("SB_BENCH_RESULTS");
    if (!dir || !*dir) return {};
    std::error_code ignored;
    std::filesystem::create_directories(dir, ignored);
    return dir;
}

// Whether a row so far missed its target.
inline bool& missed_target() {
    static bool missed = false;
    return missed;
}

// What a benchmark's main returns once its rows are out: 2 when a target was missed, so that a
// run outside tools/bench fails as well.
inline int exit_code() { return missed_target() ? 2 : 0; }

// One row: which benchmark, the figure, what was measured, the target (or "-"), the verdict
// (nullopt: no target) and the baseline measured in the same run with the ratio to it.
inline void summary_row(const std::string& bench, const std::string& figure, const std::string& measured,
                        const std::string& target, std::optional<bool> pass, const std::string& baseline) {
    if (pass && !*pass) missed_target() = true;
    const auto dir = results_dir();
    if (dir.empty()) return;
    std::ofstream out(dir / "summary.tsv", std::ios::app);
    auto clean = [](std::string text) {
        for (auto& c : text)
            if (c == '\t' || c == '\n') c = ' ';
        return text.empty() ? std::string("-") : text;
    };
    out << clean(bench) << '\t' << clean(figure) << '\t' << clean(measured) << '\t' << clean(target) << '\t'
        << (pass ? (*pass ? "PASS" : "FAIL") : "-") << '\t' << clean(baseline) << '\n';
}

inline std::string fmt(const char* pattern, double value) {
    char text[96];
    std::snprintf(text, sizeof text, pattern, value);
    return text;
}

inline std::string fmt(const char* pattern, double a, double b) {
    char text[160];
    std::snprintf(text, sizeof text, pattern, a, b);
    return text;
}

}  // namespace sb::bench
