#include "store/database.h"

#include <sqlite3.h>

#include <system_error>
#include <utility>

#include "store/schema.h"

namespace sb {

namespace {

StoreError make_error(sqlite3* db, const std::filesystem::path& file, std::string_view what, int code) {
    std::string message = "history database '" + file.string() + "': " + std::string(what) + " failed: ";
    message += db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    return {std::move(message), code & 0xff};
}

}  // namespace

bool StoreError::transient() const {
    switch (sqlite_code) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
        return true;
    default:
        return false;
    }
}

// ---- Statement -------------------------------------------------------------------------

Statement::Statement(sqlite3* db, sqlite3_stmt* stmt, const std::filesystem::path* file)
    : m_db(db), m_stmt(stmt), m_file(file) {}

Statement::Statement(Statement&& other) noexcept
    : m_db(std::exchange(other.m_db, nullptr)),
      m_stmt(std::exchange(other.m_stmt, nullptr)),
      m_file(std::exchange(other.m_file, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(m_stmt);
        m_db = std::exchange(other.m_db, nullptr);
        m_stmt = std::exchange(other.m_stmt, nullptr);
        m_file = std::exchange(other.m_file, nullptr);
    }
    return *this;
}

Statement::~Statement() { sqlite3_finalize(m_stmt); }

void Statement::bind(int index, std::int64_t value) { sqlite3_bind_int64(m_stmt, index, value); }
void Statement::bind(int index, double value) { sqlite3_bind_double(m_stmt, index, value); }
void Statement::bind(int index, std::string_view text) {
    sqlite3_bind_text64(m_stmt, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}
void Statement::bind_null(int index) { sqlite3_bind_null(m_stmt, index); }
void Statement::bind_text_or_null(int index, std::string_view text) {
    if (text.empty())
        bind_null(index);
    else
        bind(index, text);
}

StoreResult<bool> Statement::step(std::string_view what) {
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    StoreError error = make_error(m_db, *m_file, what, rc);
    sqlite3_reset(m_stmt);
    return std::unexpected(std::move(error));
}

StoreResult<void> Statement::run(std::string_view what) {
    for (;;) {
        auto row = step(what);
        if (!row) {
            reset();
            return std::unexpected(row.error());
        }
        if (!*row)
            break;
    }
    reset();
    return {};
}

void Statement::reset() {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

bool Statement::is_null(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }
std::int64_t Statement::int64(int column) const { return sqlite3_column_int64(m_stmt, column); }
double Statement::real(int column) const { return sqlite3_column_double(m_stmt, column); }
std::string Statement::text(int column) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, column));
    return data ? std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column))) : std::string();
}

// ---- Database --------------------------------------------------------------------------

Database::Database(sqlite3* db, std::filesystem::path file)
    : m_db(db), m_file(std::make_unique<std::filesystem::path>(std::move(file))) {}

Database::Database(Database&& other) noexcept
    : m_db(std::exchange(other.m_db, nullptr)), m_file(std::move(other.m_file)) {}

Database& Database::operator=(Database&& other) noexcept {
    if (this != &other) {
        sqlite3_close_v2(m_db);
        m_db = std::exchange(other.m_db, nullptr);
        m_file = std::move(other.m_file);
    }
    return *this;
}

// close_v2 defers the close until any statement still alive is finalised, so the order in
// which owners are destroyed cannot leak the connection.
Database::~Database() { sqlite3_close_v2(m_db); }

StoreResult<Database> Database::open(const std::filesystem::path& file, OpenMode mode,
                                     const DatabaseOptions& options) {
    if (mode == OpenMode::ReadWrite && file.has_parent_path()) {
        std::error_code ec;
        std::filesystem::create_directories(file.parent_path(), ec);
        if (ec)
            return std::unexpected(StoreError{"history database '" + file.string() +
                                                  "': cannot create directory '" +
                                                  file.parent_path().string() + "': " + ec.message(),
                                              SQLITE_CANTOPEN});
    }
    // SQLite's allocation statistics take a process-wide mutex on every malloc and free; we
    // never read them. The setting only takes before SQLite initializes, hence first use.
    static const bool statistics_off = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
    (void)statistics_off;
    const int flags = (mode == OpenMode::ReadWrite ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                                   : SQLITE_OPEN_READONLY) |
                      SQLITE_OPEN_NOMUTEX;
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
    Database db(raw, file);
    if (rc != SQLITE_OK)
        return std::unexpected(make_error(raw, file, "open", rc));
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, static_cast<int>(options.busy_timeout.count()));

    if (mode == OpenMode::ReadWrite) {
        // WAL + synchronous=NORMAL: a commit survives a killed process (not a power cut),
        // and readers never block the writer.
        auto journal = db.prepare("PRAGMA journal_mode=WAL", "enable WAL");
        if (!journal)
            return std::unexpected(journal.error());
        auto row = journal->step("enable WAL");
        if (!row)
            return std::unexpected(row.error());
        if (!*row || journal->text(0) != "wal")
            return std::unexpected(StoreError{"history database '" + file.string() +
                                                  "': cannot switch to WAL journal mode",
                                              SQLITE_CANTOPEN});
        journal->reset();
        if (auto ok = db.exec("PRAGMA synchronous=NORMAL", "set synchronous"); !ok)
            return std::unexpected(ok.error());
    }
    if (auto ok = db.exec("PRAGMA foreign_keys=ON", "enable foreign keys"); !ok)
        return std::unexpected(ok.error());
    if (options.max_page_count)
        if (auto ok = db.set_max_page_count(*options.max_page_count); !ok)
            return std::unexpected(ok.error());

    if (mode == OpenMode::ReadWrite) {
        if (auto ok = migrate(db); !ok)
            return std::unexpected(ok.error());
    } else if (auto ok = check_schema_version(db); !ok) {
        return std::unexpected(ok.error());
    }
    return db;
}

StoreError Database::error(std::string_view what) const {
    return make_error(m_db, *m_file, what, sqlite3_errcode(m_db));
}

StoreResult<void> Database::exec(std::string_view sql, std::string_view what) {
    char* message = nullptr;
    const std::string text(sql);
    const int rc = sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, &message);
    sqlite3_free(message);
    if (rc != SQLITE_OK)
        return std::unexpected(make_error(m_db, *m_file, what, rc));
    return {};
}

StoreResult<Statement> Database::prepare(std::string_view sql, std::string_view what) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(m_db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                      &stmt, nullptr);
    if (rc != SQLITE_OK)
        return std::unexpected(make_error(m_db, *m_file, what, rc));
    return Statement(m_db, stmt, m_file.get());
}

StoreResult<std::int64_t> Database::query_int64(std::string_view sql, std::string_view what) {
    auto stmt = prepare(sql, what);
    if (!stmt)
        return std::unexpected(stmt.error());
    auto row = stmt->step(what);
    if (!row)
        return std::unexpected(row.error());
    return *row ? stmt->int64(0) : 0;
}

StoreResult<std::string> Database::integrity_check() {
    auto stmt = prepare("PRAGMA integrity_check", "integrity check");
    if (!stmt)
        return std::unexpected(stmt.error());
    std::string report;
    for (;;) {
        auto row = stmt->step("integrity check");
        if (!row)
            return std::unexpected(row.error());
        if (!*row)
            break;
        if (!report.empty())
            report += '\n';
        report += stmt->text(0);
    }
    return report;
}

StoreResult<int> Database::user_version() {
    auto version = query_int64("PRAGMA user_version", "read schema version");
    if (!version)
        return std::unexpected(version.error());
    return static_cast<int>(*version);
}

StoreResult<void> Database::set_max_page_count(std::int64_t pages) {
    return exec("PRAGMA max_page_count=" + std::to_string(pages), "set max_page_count");
}

int Database::changes() const { return sqlite3_changes(m_db); }
bool Database::in_transaction() const { return sqlite3_get_autocommit(m_db) == 0; }

}  // namespace sb
