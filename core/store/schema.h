#pragma once
// The history schema as an ordered list of migration steps keyed on PRAGMA user_version.
#include "store/store_error.h"

namespace sb {

class Database;

inline constexpr int kSchemaVersion = 8;

// Applies every step newer than the file's user_version, each in its own transaction.
// A file written by a newer build (user_version > kSchemaVersion) is refused untouched.
StoreResult<void> migrate(Database& db);

// For read-only connections: the file must already be at a version this build knows.
StoreResult<void> check_schema_version(Database& db);

}  // namespace sb
