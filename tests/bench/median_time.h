#pragma once
// Microseconds per call of a step, the median over `rounds` runs of `iterations` calls. The
// step returns a size that is summed, so the compiler cannot drop the work; a step that
// produced nothing is reported under `bench`'s name.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <vector>

namespace sb::bench {

template <typename Step>
double median_us(const char* bench, int iterations, int rounds, Step step) {
    std::vector<double> results;
    std::size_t sink = 0;
    for (int r = 0; r < rounds; ++r) {
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < iterations; ++i) sink += step();
        results.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() /
                          iterations);
    }
    if (sink == 0) std::fprintf(stderr, "%s: a step produced nothing\n", bench);
    std::sort(results.begin(), results.end());
    return results[results.size() / 2];
}

}  // namespace sb::bench
