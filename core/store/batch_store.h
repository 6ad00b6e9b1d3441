#pragma once
// The batch catalogue: one row per batch job, and the committed output lines that let a
// re-run after a crash skip exactly the lines already done. Results themselves are written
// by the HistoryWriter, in the same transaction as their request row.
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/database.h"

namespace sb {

struct BatchInfo {
    std::string batch_id;
    std::string input_path;
    std::string input_sha256;
    std::int64_t total_lines = 0;
    std::int64_t created_ms = 0;
    std::optional<std::int64_t> finished_ms;
};

// A batch's lines sent to one provider's batch API (batch --deferred). remote_id is empty
// between recording the intent and the provider's answer.
struct ProviderBatchRecord {
    std::string batch_id;
    std::string provider;
    std::string remote_id;
    std::string status;               // the provider's last word, or "submitting"
    std::vector<std::int64_t> lines;  // line numbers, ascending
    std::int64_t submitted_ms = 0;
};

struct BatchResultRow {
    std::int64_t line_no = 0;
    std::string custom_id;
    std::string output_json;
};

class BatchStore final {
public:
    static StoreResult<BatchStore> open(const std::filesystem::path& file, const DatabaseOptions& options = {});

    // Registers the batch, or returns the stored one when the id exists with the same input.
    // The same id with a different input sha256 is an error: resuming it would mix outputs.
    StoreResult<BatchInfo> create_or_get_batch(const BatchInfo& batch);
    StoreResult<std::optional<BatchInfo>> batch(const std::string& batch_id);
    StoreResult<std::vector<std::int64_t>> batch_done_lines(const std::string& batch_id);  // ascending
    StoreResult<std::vector<BatchResultRow>> batch_results(const std::string& batch_id);  // by line_no
    StoreResult<void> finish_batch(const std::string& batch_id, std::int64_t finished_ms);

    StoreResult<std::vector<ProviderBatchRecord>> provider_batches(const std::string& batch_id);
    // Inserts or replaces the record of (batch_id, provider).
    StoreResult<void> save_provider_batch(const ProviderBatchRecord& record, std::int64_t updated_ms);

    // Rewrites every stored output of the batch through `mask` and marks the batch masked, in
    // one transaction (privacy.redact_history, once the output file holds the real answers).
    // A mask that fails names the line and nothing is rewritten.
    using OutputMask = std::function<std::expected<std::string, std::string>(std::string_view stored)>;
    StoreResult<void> mask_outputs(const std::string& batch_id, const OutputMask& mask, std::int64_t masked_ms);
    StoreResult<bool> outputs_masked(const std::string& batch_id);

    Database& database() { return m_db; }

private:
    explicit BatchStore(Database db) : m_db(std::move(db)) {}

    Database m_db;
};

}  // namespace sb
