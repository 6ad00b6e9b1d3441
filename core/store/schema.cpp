#include "store/schema.h"

#include <sqlite3.h>

#include <array>
#include <string_view>

#include "store/database.h"

namespace sb {

namespace {

struct Migration {
    int version;
    std::string_view sql;
    // A step that adds a column: skipped when the column is there already (a file rolled back
    // by hand to an older version keeps it, and SQLite's ADD COLUMN has no IF NOT EXISTS).
    std::string_view table = {};
    std::string_view added_column = {};
};

// Append new steps; never edit a released one (files in the field already ran it).
constexpr std::array kMigrations{
    Migration{1, R"sql(
CREATE TABLE requests (
    id             INTEGER PRIMARY KEY,
    ts_ms          INTEGER NOT NULL,
    request_id     TEXT NOT NULL UNIQUE,
    source         TEXT NOT NULL,
    provider       TEXT NOT NULL,
    model          TEXT NOT NULL,
    tier           TEXT NOT NULL,
    status         TEXT NOT NULL,
    error_class    TEXT,
    error_message  TEXT,
    http_status    INTEGER NOT NULL DEFAULT 0,
    attempts       INTEGER NOT NULL DEFAULT 1,
    dns_ms         REAL,
    connect_ms     REAL,
    tls_ms         REAL,
    first_byte_ms  REAL,
    total_ms       REAL NOT NULL DEFAULT 0,
    tokens_in      INTEGER NOT NULL DEFAULT 0,
    tokens_out     INTEGER NOT NULL DEFAULT 0,
    cost_usd       REAL NOT NULL DEFAULT 0,
    cache_hit      INTEGER NOT NULL DEFAULT 0,
    prompt_hash    TEXT,
    prompt_text    TEXT,
    response_text  TEXT,
    batch_id       TEXT,
    batch_line     INTEGER
);
-- Keyset paging runs on (ts_ms, id): the index on ts_ms carries the rowid.
CREATE INDEX requests_ts ON requests(ts_ms);
CREATE INDEX requests_provider_ts ON requests(provider, ts_ms);
CREATE INDEX requests_status_ts ON requests(status, ts_ms);
-- Partial indexes: live traffic has neither, so they cost the hot path nothing.
CREATE INDEX requests_error_class_ts ON requests(error_class, ts_ms) WHERE error_class IS NOT NULL;
CREATE INDEX requests_batch ON requests(batch_id, batch_line) WHERE batch_id IS NOT NULL;

CREATE TABLE rollup_minute (
    minute_ms       INTEGER NOT NULL,
    provider        TEXT NOT NULL,
    model           TEXT NOT NULL,
    tier            TEXT NOT NULL,
    requests        INTEGER NOT NULL,
    errors          INTEGER NOT NULL,
    tokens_in       INTEGER NOT NULL,
    tokens_out      INTEGER NOT NULL,
    cost_usd        REAL NOT NULL,
    latency_sum_ms  REAL NOT NULL,
    latency_max_ms  REAL NOT NULL,
    cache_hits      INTEGER NOT NULL,
    PRIMARY KEY (minute_ms, provider, model, tier)
) WITHOUT ROWID;

CREATE TABLE batches (
    batch_id      TEXT PRIMARY KEY,
    input_path    TEXT NOT NULL,
    input_sha256  TEXT NOT NULL,
    total_lines   INTEGER NOT NULL,
    created_ms    INTEGER NOT NULL,
    finished_ms   INTEGER
);

-- No foreign key to batches: a result must never be refused because its batch row is late.
CREATE TABLE batch_results (
    batch_id     TEXT NOT NULL,
    line_no      INTEGER NOT NULL,
    custom_id    TEXT,
    output_json  TEXT NOT NULL,
    PRIMARY KEY (batch_id, line_no)
) WITHOUT ROWID;
)sql"},
    // Playground conversations: the content is one JSON document (system prompt, turns,
    // target, parameters), so the editor can grow without another migration.
    Migration{2, R"sql(
CREATE TABLE conversations (
    id                 INTEGER PRIMARY KEY,
    title              TEXT NOT NULL,
    created_ms         INTEGER NOT NULL,
    updated_ms         INTEGER NOT NULL,
    conversation_json  TEXT NOT NULL
);
CREATE INDEX conversations_updated ON conversations(updated_ms);
)sql"},
    // Config versions: every change an operator applied (routing weights, rules…), with the
    // routing section after it, so charts can mark it and a change can be undone.
    Migration{3, R"sql(
CREATE TABLE config_versions (
    id           INTEGER PRIMARY KEY,
    at_ms        INTEGER NOT NULL,
    author       TEXT NOT NULL,
    summary      TEXT NOT NULL,
    config_json  TEXT NOT NULL
);
CREATE INDEX config_versions_at ON config_versions(at_ms);
)sql"},
    // Gateway API keys: only the SHA-256 of a key is kept (the secret is shown once, at
    // creation), with its limits and the spend of the UTC month in spent_month_ms, so a
    // restart keeps the budget.
    Migration{4, R"sql(
CREATE TABLE gateway_keys (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    prefix              TEXT NOT NULL,
    key_sha256          TEXT NOT NULL UNIQUE,
    created_ms          INTEGER NOT NULL,
    revoked_ms          INTEGER,
    rpm_limit           INTEGER NOT NULL DEFAULT 0,
    tpm_limit           INTEGER NOT NULL DEFAULT 0,
    monthly_budget_usd  REAL NOT NULL DEFAULT 0,
    spent_month_ms      INTEGER NOT NULL DEFAULT 0,
    spent_usd           REAL NOT NULL DEFAULT 0,
    last_used_ms        INTEGER
);
)sql"},
    // Batches whose stored outputs were masked once their output file was written
    // (privacy.redact_history): they can no longer be written out again. IF NOT EXISTS: a file
    // rolled back by hand to an older version keeps this table.
    Migration{5, R"sql(
CREATE TABLE IF NOT EXISTS batch_outputs_masked (
    batch_id   TEXT PRIMARY KEY,
    masked_ms  INTEGER NOT NULL
) WITHOUT ROWID;
)sql"},
    // Alerts that fired, and when they resolved, so the Alerts page's history outlives a
    // restart. IF NOT EXISTS: see version 5.
    Migration{6, R"sql(
CREATE TABLE IF NOT EXISTS alert_events (
    id           INTEGER PRIMARY KEY,
    rule         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    subject      TEXT NOT NULL,
    severity     TEXT NOT NULL,
    fired_ms     INTEGER NOT NULL,
    resolved_ms  INTEGER,
    value        REAL NOT NULL,
    threshold    REAL NOT NULL,
    message      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_events_fired ON alert_events(fired_ms);
)sql"},
    // Why each request went where it went: the tier's rule, the weighted pick, failovers, and
    // the targets skipped because they could not take the request (a part, n, a format).
    Migration{7, R"sql(
ALTER TABLE requests ADD COLUMN route_reason TEXT;
)sql", "requests", "route_reason"},
    // A batch sent through a provider's batch API (batch --deferred): its id there, recorded
    // before the answer is awaited, so that a re-run after a crash polls it instead of sending
    // the lines again. `lines` is a JSON array of the batch's line numbers in it.
    Migration{8, R"sql(
CREATE TABLE IF NOT EXISTS provider_batches (
    batch_id     TEXT NOT NULL REFERENCES batches(batch_id),
    provider     TEXT NOT NULL,
    remote_id    TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    lines        TEXT NOT NULL,
    submitted_ms INTEGER NOT NULL,
    updated_ms   INTEGER NOT NULL,
    PRIMARY KEY (batch_id, provider)
);
)sql"},
};

static_assert(kMigrations.back().version == kSchemaVersion);

StoreError too_new(const Database& db, int version) {
    return {"history database '" + db.file().string() + "' has schema version " + std::to_string(version) +
                ", newer than the " + std::to_string(kSchemaVersion) +
                " this build knows; open it with a newer Switchboard",
            SQLITE_MISMATCH};
}

}  // namespace

StoreResult<void> check_schema_version(Database& db) {
    auto version = db.user_version();
    if (!version)
        return std::unexpected(version.error());
    if (*version > kSchemaVersion)
        return std::unexpected(too_new(db, *version));
    if (*version < kSchemaVersion)
        return std::unexpected(StoreError{"history database '" + db.file().string() + "' has schema version " +
                                              std::to_string(*version) + "; open it read-write once to migrate",
                                          SQLITE_MISMATCH});
    return {};
}

static StoreResult<bool> schema_has_column(Database& db, std::string_view table, std::string_view column) {
    auto count = db.query_int64("SELECT count(*) FROM pragma_table_info('" + std::string(table) + "') WHERE name = '" +
                                    std::string(column) + "'",
                                "look for column " + std::string(table) + "." + std::string(column));
    if (!count) return std::unexpected(count.error());
    return *count > 0;
}

StoreResult<void> migrate(Database& db) {
    // Fast path without the write lock: an up-to-date file is the common case.
    auto current = db.user_version();
    if (!current)
        return std::unexpected(current.error());
    if (*current > kSchemaVersion)
        return std::unexpected(too_new(db, *current));
    if (*current == kSchemaVersion)
        return {};
    for (const Migration& step : kMigrations) {
        // BEGIN IMMEDIATE takes the write lock first, so two processes opening a new file
        // cannot both run the same step; the version is re-read under the lock.
        if (auto ok = db.exec("BEGIN IMMEDIATE", "begin migration"); !ok)
            return ok;
        auto version = db.user_version();
        if (!version) {
            (void)db.exec("ROLLBACK", "rollback migration");
            return std::unexpected(version.error());
        }
        if (*version > kSchemaVersion) {
            (void)db.exec("ROLLBACK", "rollback migration");
            return std::unexpected(too_new(db, *version));
        }
        if (*version >= step.version) {
            (void)db.exec("ROLLBACK", "rollback migration");
            continue;
        }
        const std::string what = "migrate schema to version " + std::to_string(step.version);
        StoreResult<bool> present = false;
        if (!step.added_column.empty()) present = schema_has_column(db, step.table, step.added_column);
        if (!present) {
            (void)db.exec("ROLLBACK", "rollback migration");
            return std::unexpected(present.error());
        }
        auto applied = *present ? StoreResult<void>{} : db.exec(step.sql, what);
        if (applied)
            applied = db.exec("PRAGMA user_version=" + std::to_string(step.version), what);
        if (applied)
            applied = db.exec("COMMIT", what);
        if (!applied) {
            (void)db.exec("ROLLBACK", "rollback migration");
            return applied;
        }
    }
    return {};
}

}  // namespace sb
