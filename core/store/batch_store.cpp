#include "store/batch_store.h"

#include <sqlite3.h>

#include <nlohmann/json.hpp>

namespace sb {

StoreResult<BatchStore> BatchStore::open(const std::filesystem::path& file, const DatabaseOptions& options) {
    auto db = Database::open(file, OpenMode::ReadWrite, options);
    if (!db)
        return std::unexpected(db.error());
    return BatchStore(std::move(*db));
}

StoreResult<std::optional<BatchInfo>> BatchStore::batch(const std::string& batch_id) {
    auto stmt = m_db.prepare(
        "SELECT batch_id, input_path, input_sha256, total_lines, created_ms, finished_ms FROM batches"
        " WHERE batch_id = ?1",
        "prepare batch lookup");
    if (!stmt)
        return std::unexpected(stmt.error());
    stmt->bind(1, std::string_view(batch_id));
    auto row = stmt->step("look up batch '" + batch_id + "'");
    if (!row)
        return std::unexpected(row.error());
    if (!*row)
        return std::optional<BatchInfo>();
    BatchInfo info{stmt->text(0), stmt->text(1), stmt->text(2), stmt->int64(3), stmt->int64(4), std::nullopt};
    if (!stmt->is_null(5))
        info.finished_ms = stmt->int64(5);
    return std::optional<BatchInfo>(std::move(info));
}

StoreResult<BatchInfo> BatchStore::create_or_get_batch(const BatchInfo& wanted) {
    auto insert = m_db.prepare(
        "INSERT INTO batches (batch_id, input_path, input_sha256, total_lines, created_ms)"
        " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (batch_id) DO NOTHING",
        "prepare batch insert");
    if (!insert)
        return std::unexpected(insert.error());
    insert->bind(1, std::string_view(wanted.batch_id));
    insert->bind(2, std::string_view(wanted.input_path));
    insert->bind(3, std::string_view(wanted.input_sha256));
    insert->bind(4, wanted.total_lines);
    insert->bind(5, wanted.created_ms);
    if (auto ok = insert->run("register batch '" + wanted.batch_id + "'"); !ok)
        return std::unexpected(ok.error());

    auto stored = batch(wanted.batch_id);
    if (!stored)
        return std::unexpected(stored.error());
    if (!*stored)
        return std::unexpected(m_db.error("read back batch '" + wanted.batch_id + "'"));
    if ((*stored)->input_sha256 != wanted.input_sha256)
        return std::unexpected(StoreError{"history database '" + m_db.file().string() + "': batch '" +
                                              wanted.batch_id + "' already exists for a different input (sha256 " +
                                              (*stored)->input_sha256 + ", this input " + wanted.input_sha256 +
                                              "); use a new batch id",
                                          SQLITE_CONSTRAINT});
    return std::move(**stored);
}

StoreResult<std::vector<ProviderBatchRecord>> BatchStore::provider_batches(const std::string& batch_id) {
    auto stmt = m_db.prepare("SELECT provider, remote_id, status, lines, submitted_ms FROM provider_batches"
                             " WHERE batch_id = ?1 ORDER BY provider",
                             "prepare provider batches");
    if (!stmt)
        return std::unexpected(stmt.error());
    stmt->bind(1, std::string_view(batch_id));
    std::vector<ProviderBatchRecord> records;
    for (;;) {
        auto row = stmt->step("read provider batches of batch '" + batch_id + "'");
        if (!row)
            return std::unexpected(row.error());
        if (!*row)
            break;
        ProviderBatchRecord record{batch_id, stmt->text(0), stmt->text(1), stmt->text(2), {}, stmt->int64(4)};
        const auto lines = nlohmann::json::parse(stmt->text(3), nullptr, false);
        if (!lines.is_array())
            return std::unexpected(StoreError{"history database '" + m_db.file().string() + "': provider batch of '" +
                                                  batch_id + "' at " + record.provider + " has unreadable lines",
                                              SQLITE_CORRUPT});
        for (const auto& line : lines)
            if (line.is_number_integer()) record.lines.push_back(line.get<std::int64_t>());
        records.push_back(std::move(record));
    }
    return records;
}

StoreResult<void> BatchStore::save_provider_batch(const ProviderBatchRecord& record, std::int64_t updated_ms) {
    auto stmt = m_db.prepare(
        "INSERT INTO provider_batches (batch_id, provider, remote_id, status, lines, submitted_ms, updated_ms)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (batch_id, provider) DO UPDATE SET"
        " remote_id = excluded.remote_id, status = excluded.status, lines = excluded.lines,"
        " submitted_ms = excluded.submitted_ms, updated_ms = excluded.updated_ms",
        "prepare provider batch save");
    if (!stmt)
        return std::unexpected(stmt.error());
    stmt->bind(1, std::string_view(record.batch_id));
    stmt->bind(2, std::string_view(record.provider));
    stmt->bind(3, std::string_view(record.remote_id));
    stmt->bind(4, std::string_view(record.status));
    const std::string lines = nlohmann::json(record.lines).dump();
    stmt->bind(5, std::string_view(lines));
    stmt->bind(6, record.submitted_ms);
    stmt->bind(7, updated_ms);
    return stmt->run("save the " + record.provider + " batch of '" + record.batch_id + "'");
}

StoreResult<std::vector<std::int64_t>> BatchStore::batch_done_lines(const std::string& batch_id) {
    auto stmt = m_db.prepare("SELECT line_no FROM batch_results WHERE batch_id = ?1 ORDER BY line_no",
                             "prepare batch done lines");
    if (!stmt)
        return std::unexpected(stmt.error());
    stmt->bind(1, std::string_view(batch_id));
    std::vector<std::int64_t> lines;
    for (;;) {
        auto row = stmt->step("read done lines of batch '" + batch_id + "'");
        if (!row)
            return std::unexpected(row.error());
        if (!*row)
            break;
        lines.push_back(stmt->int64(0));
    }
    return lines;
}

StoreResult<std::vector<BatchResultRow>> BatchStore::batch_results(const std::string& batch_id) {
    auto stmt = m_db.prepare(
        "SELECT line_no, custom_id, output_json FROM batch_results WHERE batch_id = ?1 ORDER BY line_no",
        "prepare batch results");
    if (!stmt)
        return std::unexpected(stmt.error());
    stmt->bind(1, std::string_view(batch_id));
    std::vector<BatchResultRow> results;
    for (;;) {
        auto row = stmt->step("read results of batch '" + batch_id + "'");
        if (!row)
            return std::unexpected(row.error());
        if (!*row)
            break;
        results.push_back(BatchResultRow{stmt->int64(0), stmt->text(1), stmt->text(2)});
    }
    return results;
}

StoreResult<void> BatchStore::finish_batch(const std::string& batch_id, std::int64_t finished_ms) {
    auto stmt = m_db.prepare("UPDATE batches SET finished_ms = ?2 WHERE batch_id = ?1", "prepare batch finish");
    if (!stmt)
        return std::unexpected(stmt.error());
    stmt->bind(1, std::string_view(batch_id));
    stmt->bind(2, finished_ms);
    if (auto ok = stmt->run("finish batch '" + batch_id + "'"); !ok)
        return ok;
    if (m_db.changes() == 0)
        return std::unexpected(StoreError{"history database '" + m_db.file().string() + "': cannot finish batch '" +
                                              batch_id + "': no such batch",
                                          SQLITE_NOTFOUND});
    return {};
}

StoreResult<void> BatchStore::mask_outputs(const std::string& batch_id, const OutputMask& mask, std::int64_t masked_ms) {
    const std::string what = "mask the outputs of batch '" + batch_id + "'";
    if (auto begun = m_db.exec("BEGIN IMMEDIATE", what); !begun)
        return begun;
    auto rollback = [&](StoreError error) -> StoreResult<void> {
        (void)m_db.exec("ROLLBACK", "roll back: " + what);
        return std::unexpected(std::move(error));
    };
    auto select = m_db.prepare("SELECT line_no, output_json FROM batch_results WHERE batch_id = ?1", what);
    if (!select)
        return rollback(select.error());
    auto update = m_db.prepare("UPDATE batch_results SET output_json = ?3 WHERE batch_id = ?1 AND line_no = ?2", what);
    if (!update)
        return rollback(update.error());
    select->bind(1, std::string_view(batch_id));
    for (;;) {
        auto row = select->step(what);
        if (!row)
            return rollback(row.error());
        if (!*row)
            break;
        const std::int64_t line = select->int64(0);
        auto masked = mask(select->text(1));
        if (!masked)
            return rollback(StoreError{"history database '" + m_db.file().string() + "': " + what + ": line " +
                                           std::to_string(line) + ": " + masked.error(),
                                       SQLITE_ERROR});
        update->bind(1, std::string_view(batch_id));
        update->bind(2, line);
        update->bind(3, std::string_view(*masked));
        if (auto ok = update->run(what); !ok)
            return rollback(ok.error());
    }
    select->reset();
    auto mark = m_db.prepare("INSERT OR REPLACE INTO batch_outputs_masked (batch_id, masked_ms) VALUES (?1, ?2)", what);
    if (!mark)
        return rollback(mark.error());
    mark->bind(1, std::string_view(batch_id));
    mark->bind(2, masked_ms);
    if (auto ok = mark->run(what); !ok)
        return rollback(ok.error());
    if (auto committed = m_db.exec("COMMIT", what); !committed)
        return rollback(committed.error());
    return {};
}

StoreResult<bool> BatchStore::outputs_masked(const std::string& batch_id) {
    auto stmt = m_db.prepare("SELECT 1 FROM batch_outputs_masked WHERE batch_id = ?1", "prepare batch mask lookup");
    if (!stmt)
        return std::unexpected(stmt.error());
    stmt->bind(1, std::string_view(batch_id));
    auto row = stmt->step("look up whether batch '" + batch_id + "' was masked");
    if (!row)
        return std::unexpected(row.error());
    return *row;
}

}  // namespace sb
