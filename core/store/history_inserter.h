#pragma once
// Writes a run of history records in ONE transaction: the request rows, their per-minute
// rollups and their batch results commit together or not at all. Statements are prepared
// once and reused. Used only by the HistoryWriter thread.
#include <cstddef>
#include <memory>
#include <span>

#include "store/database.h"
#include "store/history_record.h"

namespace sb {

struct InsertOutcome {
    std::size_t inserted = 0;
    std::size_t duplicates = 0;  // request_id (or batch line) already stored: skipped
};

class HistoryInserter final {
public:
    static StoreResult<HistoryInserter> prepare(Database& db);

    // On error the transaction is rolled back: nothing of `rows` is stored.
    StoreResult<InsertOutcome> write(std::span<const HistoryRecord> rows);

private:
    explicit HistoryInserter(Database& db) : m_db(&db) {}
    StoreResult<InsertOutcome> write_in_transaction(std::span<const HistoryRecord> rows);
    void bind_request(const HistoryRecord& row);

    Database* m_db;
    Statement m_begin;
    Statement m_commit;
    Statement m_rollback;
    Statement m_insert_request;
    Statement m_upsert_rollup;
    Statement m_insert_batch_result;
};

}  // namespace sb
