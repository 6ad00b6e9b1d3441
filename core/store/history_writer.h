#pragma once
// The history writer: producers enqueue finished requests; one thread drains the bounded
// queue into SQLite in batched transactions. A full queue is a counted event, a failed write
// is retried with backoff and reported, and shutdown hands back whatever it could not write.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/database.h"
#include "store/history_inserter.h"
#include "store/history_record.h"

namespace sb {

enum class Overflow {
    Drop,   // live traffic: a full queue refuses the row and counts it in stats().dropped
    Block,  // batch jobs: wait for room (up to HistoryWriterOptions::block_timeout)
};

enum class EnqueueResult {
    Queued,
    Dropped,   // queue full under Overflow::Drop
    TimedOut,  // queue stayed full for block_timeout under Overflow::Block
    Closed,    // the writer is shutting down
};

struct HistoryWriterOptions {
    std::size_t queue_capacity = 65'536;
    std::size_t batch_rows = 1'024;  // at most this many rows per transaction
    // Group commit: a batch smaller than batch_rows waits up to this long for more rows, so
    // light traffic commits a few transactions a second instead of one per row (each costs
    // a WAL append and a writer wake-up). A flush() or close() ends the wait at once.
    std::chrono::milliseconds commit_linger{20};
    std::chrono::milliseconds block_timeout{30'000};
    std::chrono::milliseconds retry_initial{50};  // backoff after a failed write, doubling…
    std::chrono::milliseconds retry_max{2'000};   // …up to this
    std::chrono::milliseconds close_timeout{5'000};
    DatabaseOptions database;
    // Called on the writer thread for every failed write and for rows lost at shutdown.
    // Must be short and must not call back into the writer.
    std::function<void(const StoreError&)> on_error;
};

struct HistoryWriterStats {
    std::uint64_t enqueued = 0;        // accepted into the queue
    std::uint64_t written = 0;         // committed
    std::uint64_t commits = 0;         // transactions that committed rows
    std::uint64_t duplicates = 0;      // request_id already stored: skipped, not written twice
    std::uint64_t dropped = 0;         // refused by enqueue (full, timed out or closed)
    std::uint64_t rejected = 0;        // a row SQLite refuses outright (not a disk problem)
    std::uint64_t failed_commits = 0;  // write attempts that failed (each is retried)
    std::uint64_t unwritten = 0;       // accepted but still unwritten when the writer closed
    std::size_t queue_depth = 0;       // queued plus the batch being written
    bool failing = false;              // the latest write attempt failed
    std::string last_error;
};

struct CloseReport {
    std::vector<HistoryRecord> unwritten;  // accepted rows that never reached the file
    std::string error;                     // why, when `unwritten` is not empty
};

class HistoryWriter final {
public:
    static StoreResult<std::unique_ptr<HistoryWriter>> open(const std::filesystem::path& file,
                                                            HistoryWriterOptions options = {});
    ~HistoryWriter();  // close() with options.close_timeout
    HistoryWriter(const HistoryWriter&) = delete;
    HistoryWriter& operator=(const HistoryWriter&) = delete;

    EnqueueResult enqueue(HistoryRecord&& record, Overflow policy = Overflow::Drop);

    // Waits until every row accepted before the call is committed (or was refused by SQLite,
    // which is reported as an error), at most `timeout`.
    StoreResult<void> flush(std::chrono::milliseconds timeout);

    HistoryWriterStats stats() const;

    // Applied by the writer thread before its next write; wakes a retry that is backing off.
    void set_max_page_count(std::int64_t pages);

    // Drains the queue within `timeout` (retrying failed writes meanwhile), stops the thread
    // and returns the rows it could not write. Later calls return an empty report.
    CloseReport close(std::optional<std::chrono::milliseconds> timeout = std::nullopt);

private:
    HistoryWriter(Database db, HistoryWriterOptions options);
    void run();
    bool write_with_retry(std::vector<HistoryRecord>& batch);  // false: gave up at close deadline
    void apply_page_limit();
    void note_failure(const StoreError& error);
    bool wait_before_retry(std::chrono::milliseconds delay);  // false: close deadline reached
    bool past_close_deadline() const;                          // m_mutex held

    const HistoryWriterOptions m_options;
    Database m_db;
    std::optional<HistoryInserter> m_inserter;  // after m_db: its statements finalise first

    mutable std::mutex m_mutex;
    std::condition_variable m_work_cv;   // writer: rows queued, close, retry now
    std::condition_variable m_space_cv;  // blocked producers: room in the queue
    std::condition_variable m_done_cv;   // flush(): rows committed, thread stopped
    std::deque<HistoryRecord> m_queue;
    std::size_t m_in_flight = 0;
    std::uint64_t m_done = 0;  // rows taken off the queue and settled (written, duplicate, rejected)
    HistoryWriterStats m_stats;
    bool m_closing = false;
    bool m_stopped = false;
    bool m_retry_now = false;
    bool m_writer_idle = false;     // the writer waits for rows: the next enqueue wakes it
    std::size_t m_flush_waiters = 0;  // flush() calls waiting: no lingering for them
    std::chrono::steady_clock::time_point m_close_deadline;
    std::optional<std::int64_t> m_pending_page_limit;
    std::vector<HistoryRecord> m_unwritten;
    std::string m_close_error;

    std::thread m_thread;  // last: starts after every member above exists
};

}  // namespace sb
