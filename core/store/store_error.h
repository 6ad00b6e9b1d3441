#pragma once
// Errors of the history store, as values. The message always names the database file and
// the step that failed, so an operator can act on it without a debugger.
#include <expected>
#include <string>

namespace sb {

struct StoreError {
    std::string message;
    int sqlite_code = 0;  // primary SQLite result code (SQLITE_FULL, SQLITE_IOERR…), 0 if none

    // Disk full, I/O, busy, read-only: the same write may succeed later, so it is retried.
    bool transient() const;
};

template <typename T>
using StoreResult = std::expected<T, StoreError>;

}  // namespace sb
