#pragma once
// RAII owners of a SQLite connection and its prepared statements. One Database per thread:
// the history writer and each reader open their own; WAL lets them run side by side.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "store/store_error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace sb {

enum class OpenMode {
    ReadWrite,  // creates the file and its parent directories, migrates the schema
    ReadOnly,   // the file must exist with a schema this build knows
};

struct DatabaseOptions {
    std::chrono::milliseconds busy_timeout{5'000};
    // Caps the file size in pages (PRAGMA max_page_count); tests use it to simulate a full disk.
    std::optional<std::int64_t> max_page_count;
};

class Statement final {
public:
    Statement() = default;
    Statement(sqlite3* db, sqlite3_stmt* stmt, const std::filesystem::path* file);
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    // Parameters are 1-based, as in SQLite. Text is copied (SQLITE_TRANSIENT).
    void bind(int index, std::int64_t value);
    void bind(int index, double value);
    void bind(int index, std::string_view text);
    void bind_null(int index);
    void bind_text_or_null(int index, std::string_view text);  // empty text → NULL

    // true: a row is ready; false: done. `what` names the step in an error message.
    StoreResult<bool> step(std::string_view what);
    StoreResult<void> run(std::string_view what);  // steps to completion, then resets
    void reset();  // also clears the bindings

    bool is_null(int column) const;
    std::int64_t int64(int column) const;
    double real(int column) const;
    std::string text(int column) const;

    explicit operator bool() const { return m_stmt != nullptr; }

private:
    sqlite3* m_db = nullptr;
    sqlite3_stmt* m_stmt = nullptr;
    const std::filesystem::path* m_file = nullptr;
};

class Database final {
public:
    static StoreResult<Database> open(const std::filesystem::path& file, OpenMode mode = OpenMode::ReadWrite,
                                      const DatabaseOptions& options = {});

    Database() = default;
    Database(Database&& other) noexcept;
    Database& operator=(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database();

    StoreResult<void> exec(std::string_view sql, std::string_view what);
    StoreResult<Statement> prepare(std::string_view sql, std::string_view what);
    StoreResult<std::int64_t> query_int64(std::string_view sql, std::string_view what);

    // "ok", or the problems PRAGMA integrity_check found, one per line.
    StoreResult<std::string> integrity_check();
    StoreResult<int> user_version();
    StoreResult<void> set_max_page_count(std::int64_t pages);

    int changes() const;  // rows changed by the last statement
    bool in_transaction() const;
    const std::filesystem::path& file() const { return *m_file; }
    StoreError error(std::string_view what) const;  // "<file>: <what>: <sqlite message>"

private:
    Database(sqlite3* db, std::filesystem::path file);

    sqlite3* m_db = nullptr;
    // Heap-held so the Statements that point at it stay valid when the Database moves.
    std::unique_ptr<std::filesystem::path> m_file;
};

}  // namespace sb
