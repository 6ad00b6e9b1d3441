#pragma once
// The lines of a batch sent through the providers' batch APIs (batch --deferred): each line is
// routed as it would be alone; the lines of each provider that has a batch API (OpenAI,
// Anthropic) go there as one batch, at the provider's batch price; the provider's id is stored
// before its answer is awaited, so a re-run after a crash polls that batch instead of sending
// the lines twice. Polling backs off from `first_poll` to `max_poll`. Every line's result comes
// back as a RequestResult, as if the line had been sent alone.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <string>
#include <vector>

#include "engine/request_result.h"
#include "model/chat.h"

namespace sb {

class BatchStore;
class Engine;

struct DeferredLine {
    std::int64_t line_no = 0;
    std::string custom_id;
    ChatRequest request;  // its id set
};

struct DeferredResult {
    DeferredLine line;
    RequestResult result;
};

struct DeferredProgress {
    std::int64_t submitted = 0;    // lines at the providers
    std::int64_t in_progress = 0;  // of those, not finished there yet
    std::int64_t completed = 0;    // answered there
    std::int64_t failed = 0;       // failed there
    std::string status;            // "openai batch_… in_progress; anthropic msgbatch_… ended"
};

struct DeferredOptions {
    const std::atomic<bool>* stop = nullptr;  // set: stop polling (a re-run resumes)
    std::function<void(const DeferredProgress&)> on_progress;
    std::chrono::milliseconds first_poll{1'000};
    std::chrono::milliseconds max_poll{60'000};
};

struct DeferredRun {
    std::vector<DeferredLine> not_deferred;  // no batch API for their provider, or not routable: run them now
    bool interrupted = false;                // stopped before every provider batch ended
};

// Blocks until every provider batch has ended (or `stop`); `on_result` runs on this thread.
// An error names the provider and what failed; lines already handed to on_result stay done.
std::expected<DeferredRun, std::string> run_deferred(Engine& engine, BatchStore& store, const std::string& batch_id,
                                                     std::vector<DeferredLine> lines, const DeferredOptions& options,
                                                     const std::function<void(DeferredResult&&)>& on_result);

}  // namespace sb
