#include "engine/batch_runner.h"

#include <condition_variable>
#include <deque>
#include <fstream>
#include <mutex>
#include <sstream>
#include <unordered_set>

#include <algorithm>

#include "engine/batch_line.h"
#include "engine/engine.h"
#include "model/digest.h"
#include "model/request_id.h"
#include "security/stored_text.h"
#include "store/batch_store.h"
#include "store/history_record.h"
#include "store/history_writer.h"
#include "model/clock.h"

namespace sb {

namespace {

using Clock = std::chrono::steady_clock;

std::expected<std::string, std::string> read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::unexpected("cannot read " + path.string());
    std::stringstream text;
    text << in.rdbuf();
    if (in.bad()) return std::unexpected("error while reading " + path.string());
    return text.str();
}

// Input lines without their terminators; a final newline does not make an extra line.
std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const auto end = text.find('\n');
        auto line = text.substr(0, end);
        if (line.ends_with('\r')) line.remove_suffix(1);
        lines.push_back(line);
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return lines;
}

struct Completion {
    std::int64_t line_no = 0;
    std::string custom_id;
    ChatRequest request;
    RequestResult result;
};

// Completions arrive on engine threads; the runner's own thread does every blocking step.
class CompletionQueue {
public:
    void push(Completion&& completion) {
        {
            std::lock_guard lock(m_mutex);
            m_items.push_back(std::move(completion));
        }
        m_cv.notify_one();
    }
    std::deque<Completion> take(std::chrono::milliseconds wait) {
        std::unique_lock lock(m_mutex);
        m_cv.wait_for(lock, wait, [this] { return !m_items.empty(); });
        return std::exchange(m_items, {});
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<Completion> m_items;
};

// Batch rows must never be dropped: they decide what a re-run skips.
std::expected<void, std::string> store_row(HistoryWriter& writer, HistoryRecord&& record) {
    switch (writer.enqueue(std::move(record), Overflow::Block)) {
    case EnqueueResult::Queued: return {};
    case EnqueueResult::TimedOut:
        return std::unexpected("the history writer made no progress: " + writer.stats().last_error);
    case EnqueueResult::Dropped:
    case EnqueueResult::Closed: return std::unexpected("the history writer is closed");
    }
    return {};
}

std::expected<void, std::string> write_output(const std::filesystem::path& output,
                                              const std::vector<BatchResultRow>& rows) {
    // Written beside the target and renamed, so a crash never leaves half an output file.
    const auto temporary = std::filesystem::path(output.string() + ".partial");
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out) return std::unexpected("cannot write " + temporary.string());
        for (const auto& row : rows) out << row.output_json << '\n';
        out.flush();
        if (!out) return std::unexpected("error while writing " + temporary.string() + " (disk full?)");
    }
    std::error_code error;
    std::filesystem::rename(temporary, output, error);
    if (error) return std::unexpected("cannot move " + temporary.string() + " to " + output.string() + ": " + error.message());
    return {};
}

}  // namespace

std::expected<BatchSummary, std::string> run_batch(Engine& engine, const BatchOptions& options) {
    HistoryWriter* writer = engine.history();
    if (!writer) return std::unexpected("batch runs need the history database (it is what makes them resumable)");
    const auto input = read_file(options.input);
    if (!input) return std::unexpected(input.error());
    const auto lines = split_lines(*input);

    auto store = BatchStore::open(engine.database_path());
    if (!store) return std::unexpected(store.error().message);

    BatchSummary summary;
    const std::string input_sha = sha256_hex(*input);
    summary.batch_id = "batch_" + input_sha.substr(0, 24);
    if (options.restart) summary.batch_id += "_" + std::to_string(unix_ms_now());
    summary.total = static_cast<std::int64_t>(lines.size());

    BatchInfo info{summary.batch_id, std::filesystem::absolute(options.input).string(), input_sha, summary.total,
                   unix_ms_now(), std::nullopt};
    auto registered = store->create_or_get_batch(info);
    if (!registered) return std::unexpected(registered.error().message);
    const StoredTextPolicy text_policy = engine.history_text_policy().stored();
    if (registered->finished_ms) {
        const auto masked = store->outputs_masked(summary.batch_id);
        if (!masked) return std::unexpected(masked.error().message);
        if (*masked)
            return std::unexpected("batch " + summary.batch_id + " already finished and its output was written; the stored " +
                                   "copies are masked (privacy.redact_history), so it cannot be written again: " +
                                   "run it again with --restart");
    }
    const auto done_lines = store->batch_done_lines(summary.batch_id);
    if (!done_lines) return std::unexpected(done_lines.error().message);
    std::vector<bool> done(lines.size() + 1, false);
    for (const auto line : *done_lines)
        if (line >= 1 && line <= summary.total) done[static_cast<std::size_t>(line)] = true;
    summary.resumed = static_cast<std::int64_t>(done_lines->size());

    BatchProgress progress;
    progress.total = summary.total;
    progress.resumed = summary.resumed;
    const auto started = Clock::now();
    auto last_report = Clock::time_point{};
    auto report = [&](bool force) {
        if (!options.on_progress) return;
        const auto now = Clock::now();
        if (!force && now - last_report < std::chrono::milliseconds(100)) return;
        last_report = now;
        progress.elapsed_s = std::chrono::duration<double>(now - started).count();
        options.on_progress(progress);
    };

    auto batch_record = [&](HistoryRecord record, std::int64_t line_no, std::string custom_id, std::string output) {
        record.source = "batch";
        record.batch_id = summary.batch_id;
        record.batch_line = line_no;
        record.custom_id = std::move(custom_id);
        // Sealed only: the output file is made from these rows, so they are masked after it is written.
        record.output_json = protect_text(std::move(output), {false, text_policy.cipher});
        return record;
    };

    CompletionQueue completions;
    std::unordered_set<std::string> in_flight_ids;
    std::expected<void, std::string> failure;
    auto drain = [&](std::chrono::milliseconds wait) {
        for (auto& completion : completions.take(wait)) {
            --progress.in_flight;
            in_flight_ids.erase(completion.result.request_id);
            const auto& result = completion.result;
            if (!result.ok() && result.outcome.error().cls == ErrorClass::Cancelled) continue;  // re-run does it
            std::string output = result.ok() ? batch_output_for_response(completion.custom_id, result.request_id, *result.outcome)
                                             : batch_output_for_error(completion.custom_id, result.request_id,
                                                                      result.outcome.error());
            if (!result.ok()) ++progress.failed;
            ++progress.done;
            auto record = batch_record(history_record(completion.request, result, engine.history_text_policy()),
                                       completion.line_no, completion.custom_id, std::move(output));
            if (auto stored = store_row(*writer, std::move(record)); !stored && failure) failure = stored;
        }
        report(false);
    };
    auto stopping = [&] { return (options.stop && options.stop->load()) || !failure; };

    // Sent through the engine now, at most max_concurrency in flight.
    auto submit_now = [&](std::int64_t line_no, std::string custom_id, ChatRequest request) {
        while (progress.in_flight >= options.max_concurrency && !stopping()) drain(std::chrono::milliseconds(100));
        if (stopping()) return;
        ++progress.in_flight;
        request.id = new_request_id();  // the history row needs it, and it is set before the copy
        auto copy = request;
        in_flight_ids.insert(engine.submit(
            std::move(request),
            [&completions, line_no, custom_id = std::move(custom_id), copy = std::move(copy)](RequestResult&& result) {
                completions.push(Completion{line_no, custom_id, copy, std::move(result)});
            },
            {}, SubmitOptions{.record_history = false}));
        drain(std::chrono::milliseconds(0));
    };
    std::vector<DeferredLine> deferred_lines;

    for (std::size_t index = 0; index < lines.size() && !stopping(); ++index) {
        const auto line_no = static_cast<std::int64_t>(index + 1);
        if (done[index + 1]) continue;
        auto parsed = parse_batch_line(lines[index], line_no);
        if (!parsed) {
            const std::string request_id = new_request_id();
            HistoryRecord record;
            record.ts_ms = unix_ms_now();
            record.request_id = request_id;
            record.status = RequestStatus::Error;
            record.error_class = std::string(to_string(ErrorClass::BadRequest));
            record.error_message = parsed.error().message;
            std::string output = batch_output_for_invalid_line(parsed.error(), request_id);
            if (auto stored = store_row(*writer, batch_record(std::move(record), line_no, parsed.error().custom_id,
                                                              std::move(output)));
                !stored)
                failure = stored;
            ++summary.invalid;
            ++progress.failed;
            ++progress.done;
            continue;
        }
        if (options.deferred) {
            parsed->request.id = new_request_id();
            deferred_lines.push_back({line_no, std::move(parsed->custom_id), std::move(parsed->request)});
            continue;
        }
        submit_now(line_no, std::move(parsed->custom_id), std::move(parsed->request));
    }

    if (!deferred_lines.empty() && !stopping()) {
        DeferredOptions deferred;
        deferred.stop = options.stop;
        deferred.first_poll = options.first_poll;
        deferred.on_progress = [&](const DeferredProgress& now) {
            progress.deferred = now;
            report(true);
        };
        std::vector<DeferredLine> run_now;
        auto ran = run_deferred(engine, *store, summary.batch_id, std::move(deferred_lines), deferred,
                                [&](DeferredResult&& done) {
                                    if (!done.result.ok() && options.retry_failed_now) {
                                        run_now.push_back(std::move(done.line));
                                        return;
                                    }
                                    ++progress.in_flight;
                                    completions.push(Completion{done.line.line_no, std::move(done.line.custom_id),
                                                                std::move(done.line.request), std::move(done.result)});
                                    drain(std::chrono::milliseconds(0));
                                });
        if (!ran) {
            failure = std::unexpected(ran.error());
        } else {
            run_now.insert(run_now.end(), std::make_move_iterator(ran->not_deferred.begin()),
                           std::make_move_iterator(ran->not_deferred.end()));
            std::sort(run_now.begin(), run_now.end(),
                      [](const DeferredLine& a, const DeferredLine& b) { return a.line_no < b.line_no; });
            for (auto& line : run_now) submit_now(line.line_no, std::move(line.custom_id), std::move(line.request));
        }
    }

    if (stopping()) {
        // Cancelled lines are not recorded, so the next run picks them up.
        const std::vector<std::string> ids(in_flight_ids.begin(), in_flight_ids.end());
        for (const auto& id : ids) engine.cancel(id);
    }
    while (progress.in_flight > 0) drain(std::chrono::milliseconds(100));
    report(true);

    if (auto flushed = writer->flush(std::chrono::minutes(2)); !flushed)
        return std::unexpected("the history could not be written: " + flushed.error().message +
                               " (run the same command again to resume)");
    if (!failure) return std::unexpected(failure.error());

    auto rows = store->batch_results(summary.batch_id);
    if (!rows) return std::unexpected(rows.error().message);
    for (auto& row : *rows) {
        auto opened = reveal_text(row.output_json, text_policy.cipher);
        if (!opened)
            return std::unexpected("batch " + summary.batch_id + " line " + std::to_string(row.line_no) +
                                   ": the stored output cannot be read: " + opened.error());
        row.output_json = std::move(*opened);
    }
    const bool incomplete = static_cast<std::int64_t>(rows->size()) < summary.total;
    const bool stop_requested = options.stop && options.stop->load();
    if (incomplete && !stop_requested) {
        const auto stats = writer->stats();
        return std::unexpected(std::to_string(summary.total - static_cast<std::int64_t>(rows->size())) +
                               " lines have no stored result (history writer: " + std::to_string(stats.rejected) +
                               " rows rejected, " + std::to_string(stats.duplicates) + " duplicates" +
                               (stats.last_error.empty() ? "" : ", last error: " + stats.last_error) +
                               "); run the same command again to finish them");
    }
    summary.interrupted = incomplete;
    for (const auto& row : *rows) {
        const auto json = nlohmann::json::parse(row.output_json, nullptr, false);
        const bool ok = !json.is_discarded() && json["error"].is_null() && json["response"].is_object() &&
                        json["response"]["status_code"] == 200;
        ok ? ++summary.succeeded : ++summary.failed;
    }
    if (summary.interrupted) return summary;
    if (auto written = write_output(options.output, *rows); !written) return std::unexpected(written.error());
    if (auto finished = store->finish_batch(summary.batch_id, unix_ms_now()); !finished)
        return std::unexpected(finished.error().message);
    if (text_policy.redact) {
        const auto mask = [&](std::string_view stored) -> std::expected<std::string, std::string> {
            auto opened = reveal_text(stored, text_policy.cipher);
            if (!opened) return opened;
            auto sealed = protect_text(redact_json_strings(*opened), {false, text_policy.cipher});
            if (sealed.empty()) return std::unexpected("the masked output could not be encrypted");
            return sealed;
        };
        if (auto masked = store->mask_outputs(summary.batch_id, mask, unix_ms_now()); !masked)
            return std::unexpected("the output was written to " + options.output.string() +
                                   ", but its stored copies could not be masked: " + masked.error().message);
    }
    return summary;
}

}  // namespace sb
