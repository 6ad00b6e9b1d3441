#include "store/history_writer.h"

#include <algorithm>
#include <span>
#include <utility>

namespace sb {

using Clock = std::chrono::steady_clock;

StoreResult<std::unique_ptr<HistoryWriter>> HistoryWriter::open(const std::filesystem::path& file,
                                                                HistoryWriterOptions options) {
    options.queue_capacity = std::max<std::size_t>(options.queue_capacity, 1);
    options.batch_rows = std::max<std::size_t>(options.batch_rows, 1);
    auto db = Database::open(file, OpenMode::ReadWrite, options.database);
    if (!db)
        return std::unexpected(db.error());
    std::unique_ptr<HistoryWriter> writer(new HistoryWriter(std::move(*db), std::move(options)));
    // The inserter points at the writer's own Database, so it is prepared once that has
    // its final address.
    auto inserter = HistoryInserter::prepare(writer->m_db);
    if (!inserter)
        return std::unexpected(inserter.error());
    writer->m_inserter.emplace(std::move(*inserter));
    writer->m_thread = std::thread([w = writer.get()] { w->run(); });
    return writer;
}

HistoryWriter::HistoryWriter(Database db, HistoryWriterOptions options)
    : m_options(std::move(options)), m_db(std::move(db)) {}

HistoryWriter::~HistoryWriter() { close(); }

EnqueueResult HistoryWriter::enqueue(HistoryRecord&& record, Overflow policy) {
    std::unique_lock lock(m_mutex);
    if (m_closing) {
        ++m_stats.dropped;
        return EnqueueResult::Closed;
    }
    if (m_queue.size() >= m_options.queue_capacity) {
        if (policy == Overflow::Drop) {
            ++m_stats.dropped;
            return EnqueueResult::Dropped;
        }
        const bool room = m_space_cv.wait_for(lock, m_options.block_timeout, [&] {
            return m_queue.size() < m_options.queue_capacity || m_closing;
        });
        if (m_closing) {
            ++m_stats.dropped;
            return EnqueueResult::Closed;
        }
        if (!room) {
            ++m_stats.dropped;
            return EnqueueResult::TimedOut;
        }
    }
    m_queue.push_back(std::move(record));
    ++m_stats.enqueued;
    // Only a waiting writer needs the wake-up (a lingering one also when its batch is full):
    // a busy one takes the row with the next batch.
    const bool wake = std::exchange(m_writer_idle, false) || m_queue.size() >= m_options.batch_rows;
    lock.unlock();
    if (wake) m_work_cv.notify_one();
    return EnqueueResult::Queued;
}

StoreResult<void> HistoryWriter::flush(std::chrono::milliseconds timeout) {
    std::unique_lock lock(m_mutex);
    const std::uint64_t target = m_stats.enqueued;
    const std::uint64_t rejected_before = m_stats.rejected;
    ++m_flush_waiters;
    m_work_cv.notify_one();  // a lingering writer commits now
    m_done_cv.wait_for(lock, timeout, [&] { return m_done >= target || m_stopped; });
    --m_flush_waiters;
    const std::string file = "history database '" + m_db.file().string() + "'";
    if (m_done < target) {
        const std::uint64_t pending = target - m_done;
        std::string message =
            m_stopped ? file + ": writer closed with " + std::to_string(pending) + " rows unwritten"
                      : file + ": flush timed out after " + std::to_string(timeout.count()) + " ms with " +
                            std::to_string(pending) + " rows not yet committed";
        if (!m_stats.last_error.empty())
            message += "; last error: " + m_stats.last_error;
        return std::unexpected(StoreError{std::move(message), 0});
    }
    if (m_stats.rejected > rejected_before)
        return std::unexpected(StoreError{file + ": " + std::to_string(m_stats.rejected - rejected_before) +
                                              " rows were refused; last error: " + m_stats.last_error,
                                          0});
    return {};
}

HistoryWriterStats HistoryWriter::stats() const {
    std::lock_guard lock(m_mutex);
    HistoryWriterStats stats = m_stats;
    stats.queue_depth = m_queue.size() + m_in_flight;
    return stats;
}

void HistoryWriter::set_max_page_count(std::int64_t pages) {
    {
        std::lock_guard lock(m_mutex);
        m_pending_page_limit = pages;
        m_retry_now = true;
    }
    m_work_cv.notify_one();
}

CloseReport HistoryWriter::close(std::optional<std::chrono::milliseconds> timeout) {
    {
        std::lock_guard lock(m_mutex);
        if (m_closing)
            return {};
        m_closing = true;
        m_retry_now = true;
        m_close_deadline = Clock::now() + timeout.value_or(m_options.close_timeout);
    }
    m_work_cv.notify_all();
    m_space_cv.notify_all();
    if (m_thread.joinable())
        m_thread.join();

    std::lock_guard lock(m_mutex);
    CloseReport report;
    report.unwritten = std::move(m_unwritten);
    report.error = m_close_error;
    return report;
}

bool HistoryWriter::past_close_deadline() const { return m_closing && Clock::now() >= m_close_deadline; }

void HistoryWriter::run() {
    std::vector<HistoryRecord> batch;
    batch.reserve(m_options.batch_rows);
    for (;;) {
        {
            std::unique_lock lock(m_mutex);
            while (m_queue.empty() && !m_closing) {
                m_writer_idle = true;
                m_work_cv.wait_for(lock, std::chrono::seconds(1));
            }
            m_writer_idle = false;
            if (m_queue.empty() || past_close_deadline())
                break;
            if (m_options.commit_linger.count() > 0)
                m_work_cv.wait_for(lock, m_options.commit_linger, [&] {
                    return m_queue.size() >= m_options.batch_rows || m_closing || m_flush_waiters > 0;
                });
            const std::size_t take = std::min(m_queue.size(), m_options.batch_rows);
            for (std::size_t i = 0; i < take; ++i) {
                batch.push_back(std::move(m_queue.front()));
                m_queue.pop_front();
            }
            m_in_flight = take;
        }
        m_space_cv.notify_all();
        if (!write_with_retry(batch))
            break;
        batch.clear();
    }

    StoreError lost;
    {
        std::lock_guard lock(m_mutex);
        for (auto& record : m_queue)
            batch.push_back(std::move(record));
        m_queue.clear();
        m_in_flight = 0;
        m_stopped = true;
        m_stats.unwritten = batch.size();
        if (!batch.empty()) {
            m_close_error = "history database '" + m_db.file().string() + "': " + std::to_string(batch.size()) +
                            " rows could not be written before shutdown";
            if (!m_stats.last_error.empty())
                m_close_error += "; last error: " + m_stats.last_error;
            lost = {m_close_error, 0};
        }
        m_unwritten = std::move(batch);
    }
    m_done_cv.notify_all();
    if (!lost.message.empty() && m_options.on_error)
        m_options.on_error(lost);
}

void HistoryWriter::apply_page_limit() {
    std::optional<std::int64_t> pages;
    {
        std::lock_guard lock(m_mutex);
        pages = std::exchange(m_pending_page_limit, std::nullopt);
    }
    if (pages)
        if (auto ok = m_db.set_max_page_count(*pages); !ok)
            note_failure(ok.error());
}

void HistoryWriter::note_failure(const StoreError& error) {
    {
        std::lock_guard lock(m_mutex);
        ++m_stats.failed_commits;
        m_stats.failing = true;
        m_stats.last_error = error.message;
    }
    if (m_options.on_error)
        m_options.on_error(error);
}

bool HistoryWriter::wait_before_retry(std::chrono::milliseconds delay) {
    std::unique_lock lock(m_mutex);
    auto until = Clock::now() + delay;
    if (m_closing)
        until = std::min(until, m_close_deadline);
    m_work_cv.wait_until(lock, until, [&] { return m_retry_now; });
    m_retry_now = false;
    return !past_close_deadline();
}

bool HistoryWriter::write_with_retry(std::vector<HistoryRecord>& batch) {
    std::span<const HistoryRecord> rest(batch);
    // After a failure that is not about the disk, rows go one per transaction so that the
    // one SQLite refuses is set aside and every other row still lands.
    bool one_by_one = false;
    std::chrono::milliseconds delay = m_options.retry_initial;
    while (!rest.empty()) {
        apply_page_limit();
        const auto rows = one_by_one ? rest.first(1) : rest;
        auto outcome = m_inserter->write(rows);
        if (outcome) {
            {
                std::lock_guard lock(m_mutex);
                m_stats.written += outcome->inserted;
                ++m_stats.commits;
                m_stats.duplicates += outcome->duplicates;
                m_stats.failing = false;
                m_done += rows.size();
                m_in_flight -= rows.size();
            }
            m_done_cv.notify_all();
            rest = rest.subspan(rows.size());
            delay = m_options.retry_initial;
            continue;
        }
        note_failure(outcome.error());
        if (!outcome.error().transient()) {
            if (rows.size() > 1) {
                one_by_one = true;
                continue;
            }
            {
                std::lock_guard lock(m_mutex);
                ++m_stats.rejected;
                ++m_done;
                --m_in_flight;
            }
            m_done_cv.notify_all();
            rest = rest.subspan(1);
            continue;
        }
        if (!wait_before_retry(delay)) {
            // Keep only what is still unwritten; run() hands it to close().
            const auto written = static_cast<std::ptrdiff_t>(batch.size() - rest.size());
            batch.erase(batch.begin(), batch.begin() + written);
            return false;
        }
        delay = std::min(delay * 2, m_options.retry_max);
    }
    return true;
}

}  // namespace sb
