#pragma once
// Schema versions: migrations/NNNN_*.sql, applied in order, each in one
// transaction, the version kept in PRAGMA user_version.
#include <SQLiteCpp/Database.h>

namespace cachedb {

// The schema version this build writes (the number of the last migration).
int latest_schema_version();

// The database's current version.
int schema_version(SQLite::Database& db);

// Brings the database up to latest_schema_version(). Throws Error when the
// database was written by a newer cachedb.
void migrate(SQLite::Database& db);

}  // namespace cachedb
