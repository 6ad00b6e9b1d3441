#pragma once
// Runs a JSONL batch file through the engine: bounded concurrency on top of the engine's
// adaptive per-provider limits, results in input order, resumable. Deferred, the lines go
// through the providers' batch APIs instead (deferred_batch.h), resumable too. Every answered line is
// committed to the history together with its output line; a re-run of the same input skips
// exactly the committed lines, so a crash loses nothing and duplicates nothing.
#include <atomic>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <string>

#include "engine/deferred_batch.h"

namespace sb {

class Engine;

struct BatchProgress {
    std::int64_t total = 0;      // lines in the input
    std::int64_t resumed = 0;    // already done by an earlier run
    std::int64_t done = 0;       // finished in this run (succeeded + failed + invalid)
    std::int64_t failed = 0;     // answered with an error (invalid lines included)
    std::int64_t in_flight = 0;
    double elapsed_s = 0;
    DeferredProgress deferred;  // with deferred: the providers' batches
};

struct BatchOptions {
    std::filesystem::path input;
    std::filesystem::path output;
    int max_concurrency = 64;
    bool restart = false;  // ignore an earlier run of the same input and start over
    // Through the providers' batch APIs at their batch price (deferred_batch.h); lines whose
    // provider has none run at once. retry_failed_now: lines the provider failed run again at once.
    bool deferred = false;
    bool retry_failed_now = false;
    std::chrono::milliseconds first_poll{1'000};
    const std::atomic<bool>* stop = nullptr;  // set (e.g. by SIGINT) to stop early; a re-run resumes
    std::function<void(const BatchProgress&)> on_progress;  // on the calling thread, ~10 times a second
};

struct BatchSummary {
    std::string batch_id;
    std::int64_t total = 0;
    std::int64_t resumed = 0;
    std::int64_t succeeded = 0;  // over the whole batch, earlier runs included
    std::int64_t failed = 0;     // lines whose output is an error (invalid lines included)
    std::int64_t invalid = 0;    // lines of this run that could not be parsed
    bool interrupted = false;    // stopped early; the output file was not written
};

// Blocks until the batch is done (or stopped). Errors name the file and what failed.
std::expected<BatchSummary, std::string> run_batch(Engine& engine, const BatchOptions& options);

}  // namespace sb
