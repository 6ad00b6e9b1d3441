#pragma once
// Reads the history on its own connection. Every call reads its rows fully and resets its
// statement before returning, so no read transaction stays open between calls to stall
// the writer's checkpoints.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "store/database.h"
#include "store/history_record.h"

namespace sb {

struct HistoryFilter {
    std::optional<std::int64_t> since_ms;  // ts_ms >= since_ms
    std::optional<std::int64_t> until_ms;  // ts_ms <  until_ms
    std::string provider;                  // empty = any (same for every text field)
    std::string model;
    std::string source;
    std::optional<RequestStatus> status;
    std::string error_class;
    std::string request_id;
    std::string batch_id;
    std::string text_contains;  // case-sensitive substring of the prompt or the response
    std::optional<double> min_latency_ms;  // total_ms >= this
};

// Position in the newest-first order (ts_ms DESC, id DESC): the last row of a page.
struct HistoryCursor {
    std::int64_t ts_ms = 0;
    std::int64_t id = 0;
    bool operator==(const HistoryCursor&) const = default;
};

struct HistoryPage {
    std::vector<HistoryRecord> rows;
    std::optional<HistoryCursor> next;  // empty: no older rows match
};

enum class RollupGrouping { Total, ByProvider };

struct RollupRow {
    std::int64_t minute_ms = 0;
    std::string provider;  // empty for RollupGrouping::Total
    std::int64_t requests = 0;
    std::int64_t errors = 0;
    std::int64_t tokens_in = 0;
    std::int64_t tokens_out = 0;
    double cost_usd = 0;
    double latency_sum_ms = 0;
    double latency_max_ms = 0;
    std::int64_t cache_hits = 0;
};

struct DailySpend {
    std::int64_t day_start_ms = 0;  // UTC midnight
    std::string provider;
    double cost_usd = 0;
};

class HistoryReader final {
public:
    static StoreResult<HistoryReader> open(const std::filesystem::path& file, const DatabaseOptions& options = {});

    // Newest first. Rows inserted while paging never appear twice, and no row older than
    // the first page is skipped (keyset paging on (ts_ms, id), not OFFSET).
    StoreResult<HistoryPage> page(const HistoryFilter& filter, std::optional<HistoryCursor> after, int limit);
    StoreResult<std::int64_t> count(const HistoryFilter& filter);
    // Minutes with minute_ms in [since_ms, until_ms), oldest first.
    StoreResult<std::vector<RollupRow>> rollups(std::int64_t since_ms, std::int64_t until_ms,
                                                RollupGrouping grouping = RollupGrouping::Total);

    // Spend per UTC day and provider since `since_ms` (from the rollups), oldest first:
    // what budgets and the month-end forecast start from after a restart.
    StoreResult<std::vector<DailySpend>> spend_by_day(std::int64_t since_ms);

    Database& database() { return m_db; }

private:
    explicit HistoryReader(Database db) : m_db(std::move(db)) {}

    Database m_db;
};

}  // namespace sb
