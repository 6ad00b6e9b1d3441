#include "store/history_inserter.h"

#include <algorithm>
#include <map>
#include <string>
#include <tuple>

namespace sb {

namespace {

constexpr std::string_view kInsertRequest = R"sql(
INSERT INTO requests (ts_ms, request_id, source, provider, model, tier, status, error_class,
    error_message, http_status, attempts, dns_ms, connect_ms, tls_ms, first_byte_ms, total_ms,
    tokens_in, tokens_out, cost_usd, cache_hit, prompt_hash, prompt_text, response_text,
    batch_id, batch_line, route_reason)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
    ?20, ?21, ?22, ?23, ?24, ?25, ?26)
ON CONFLICT (request_id) DO NOTHING)sql";

constexpr std::string_view kUpsertRollup = R"sql(
INSERT INTO rollup_minute (minute_ms, provider, model, tier, requests, errors, tokens_in,
    tokens_out, cost_usd, latency_sum_ms, latency_max_ms, cache_hits)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
ON CONFLICT (minute_ms, provider, model, tier) DO UPDATE SET
    requests = requests + excluded.requests,
    errors = errors + excluded.errors,
    tokens_in = tokens_in + excluded.tokens_in,
    tokens_out = tokens_out + excluded.tokens_out,
    cost_usd = cost_usd + excluded.cost_usd,
    latency_sum_ms = latency_sum_ms + excluded.latency_sum_ms,
    latency_max_ms = max(latency_max_ms, excluded.latency_max_ms),
    cache_hits = cache_hits + excluded.cache_hits)sql";

constexpr std::string_view kInsertBatchResult = R"sql(
INSERT INTO batch_results (batch_id, line_no, custom_id, output_json) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (batch_id, line_no) DO NOTHING)sql";

using RollupKey = std::tuple<std::int64_t, std::string_view, std::string_view, std::string_view>;

struct RollupSums {
    std::int64_t requests = 0;
    std::int64_t errors = 0;
    std::int64_t tokens_in = 0;
    std::int64_t tokens_out = 0;
    double cost_usd = 0;
    double latency_sum_ms = 0;
    double latency_max_ms = 0;
    std::int64_t cache_hits = 0;
};

std::int64_t minute_of(std::int64_t ts_ms) {
    constexpr std::int64_t kMinute = 60'000;
    const std::int64_t floor = ts_ms / kMinute - (ts_ms % kMinute < 0 ? 1 : 0);
    return floor * kMinute;
}

void bind_optional(Statement& stmt, int index, const std::optional<double>& value) {
    if (value)
        stmt.bind(index, *value);
    else
        stmt.bind_null(index);
}

// Error messages are built only on failure: the hot path allocates nothing for them.
StoreError naming(StoreError error, const HistoryRecord& row) {
    error.message += " (request_id '" + row.request_id + "'";
    if (!row.batch_id.empty() && row.batch_line)
        error.message += ", batch " + row.batch_id + " line " + std::to_string(*row.batch_line);
    error.message += ")";
    return error;
}

}  // namespace

StoreResult<HistoryInserter> HistoryInserter::prepare(Database& db) {
    HistoryInserter inserter(db);
    struct Item {
        Statement* target;
        std::string_view sql;
        std::string_view what;
    };
    const Item items[] = {
        {&inserter.m_begin, "BEGIN IMMEDIATE", "prepare BEGIN"},
        {&inserter.m_commit, "COMMIT", "prepare COMMIT"},
        {&inserter.m_rollback, "ROLLBACK", "prepare ROLLBACK"},
        {&inserter.m_insert_request, kInsertRequest, "prepare request insert"},
        {&inserter.m_upsert_rollup, kUpsertRollup, "prepare rollup upsert"},
        {&inserter.m_insert_batch_result, kInsertBatchResult, "prepare batch result insert"},
    };
    for (const Item& item : items) {
        auto stmt = db.prepare(item.sql, item.what);
        if (!stmt)
            return std::unexpected(stmt.error());
        *item.target = std::move(*stmt);
    }
    return inserter;
}

StoreResult<InsertOutcome> HistoryInserter::write(std::span<const HistoryRecord> rows) {
    // A failed COMMIT or ROLLBACK can leave a transaction open; BEGIN would then fail for a
    // reason that has nothing to do with the rows.
    if (m_db->in_transaction())
        (void)m_rollback.run("roll back a stale transaction");
    if (auto begun = m_begin.run("begin history transaction"); !begun)
        return std::unexpected(begun.error());
    auto outcome = write_in_transaction(rows);
    if (outcome) {
        if (auto committed = m_commit.run("commit " + std::to_string(rows.size()) + " history rows"); !committed)
            outcome = std::unexpected(committed.error());
    }
    if (!outcome && m_db->in_transaction())
        (void)m_rollback.run("roll back history transaction");
    return outcome;
}

void HistoryInserter::bind_request(const HistoryRecord& row) {
    Statement& s = m_insert_request;
    s.bind(1, row.ts_ms);
    s.bind(2, std::string_view(row.request_id));
    s.bind(3, std::string_view(row.source));
    s.bind(4, std::string_view(row.provider));
    s.bind(5, std::string_view(row.model));
    s.bind(6, std::string_view(row.tier));
    s.bind(7, to_string(row.status));
    s.bind_text_or_null(8, row.error_class);
    s.bind_text_or_null(9, row.error_message);
    s.bind(10, std::int64_t{row.http_status});
    s.bind(11, std::int64_t{row.attempts});
    bind_optional(s, 12, row.dns_ms);
    bind_optional(s, 13, row.connect_ms);
    bind_optional(s, 14, row.tls_ms);
    bind_optional(s, 15, row.first_byte_ms);
    s.bind(16, row.total_ms);
    s.bind(17, row.tokens_in);
    s.bind(18, row.tokens_out);
    s.bind(19, row.cost_usd);
    s.bind(20, std::int64_t{row.cache_hit ? 1 : 0});
    s.bind_text_or_null(21, row.prompt_hash);
    s.bind_text_or_null(22, row.prompt_text);
    s.bind_text_or_null(23, row.response_text);
    s.bind_text_or_null(24, row.batch_id);
    if (row.batch_line)
        s.bind(25, *row.batch_line);
    else
        s.bind_null(25);
    s.bind_text_or_null(26, row.route_reason);
}

StoreResult<InsertOutcome> HistoryInserter::write_in_transaction(std::span<const HistoryRecord> rows) {
    InsertOutcome outcome;
    // Rollups are summed per batch first: one upsert per (minute, provider, model, tier)
    // instead of one per row.
    std::map<RollupKey, RollupSums> rollups;
    for (const HistoryRecord& row : rows) {
        bind_request(row);
        if (auto done = m_insert_request.run("insert request"); !done)
            return std::unexpected(naming(done.error(), row));
        if (m_db->changes() == 0) {
            ++outcome.duplicates;
            continue;
        }
        ++outcome.inserted;
        RollupSums& sums = rollups[RollupKey{minute_of(row.ts_ms), row.provider, row.model, row.tier}];
        ++sums.requests;
        sums.errors += row.status == RequestStatus::Error ? 1 : 0;
        sums.tokens_in += row.tokens_in;
        sums.tokens_out += row.tokens_out;
        sums.cost_usd += row.cost_usd;
        sums.latency_sum_ms += row.total_ms;
        sums.latency_max_ms = std::max(sums.latency_max_ms, row.total_ms);
        sums.cache_hits += row.cache_hit ? 1 : 0;

        if (row.output_json && !row.batch_id.empty() && row.batch_line) {
            Statement& s = m_insert_batch_result;
            s.bind(1, std::string_view(row.batch_id));
            s.bind(2, *row.batch_line);
            s.bind_text_or_null(3, row.custom_id);
            s.bind(4, std::string_view(*row.output_json));
            if (auto done = s.run("insert batch result"); !done)
                return std::unexpected(naming(done.error(), row));
        }
    }
    for (const auto& [key, sums] : rollups) {
        Statement& s = m_upsert_rollup;
        s.bind(1, std::get<0>(key));
        s.bind(2, std::get<1>(key));
        s.bind(3, std::get<2>(key));
        s.bind(4, std::get<3>(key));
        s.bind(5, sums.requests);
        s.bind(6, sums.errors);
        s.bind(7, sums.tokens_in);
        s.bind(8, sums.tokens_out);
        s.bind(9, sums.cost_usd);
        s.bind(10, sums.latency_sum_ms);
        s.bind(11, sums.latency_max_ms);
        s.bind(12, sums.cache_hits);
        if (auto done = s.run("upsert minute rollup"); !done)
            return std::unexpected(done.error());
    }
    return outcome;
}

}  // namespace sb
