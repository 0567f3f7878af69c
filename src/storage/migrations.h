#pragma once
// Schema versions: migrations/NNNN_*.sql, applied in order, each in one
// transaction, the version kept in PRAGMA user_version.
#include <string_view>

#include <SQLiteCpp/Database.h>

#include "error.h"

namespace cachedb {

// The schema version this build writes (the number of the last migration).
int latest_schema_version();

// The database's current version.
int schema_version(SQLite::Database& db);

// How a database with nothing in it is made: from schema/schema.sql in one
// transaction (what cachedb does), or by every migration in turn (what the
// test that holds the two equal does).
enum class NewDatabase { from_schema, by_migrations };

// Brings the database up to latest_schema_version(). Throws Error when the
// database was written by a newer cachedb (newer_schema_error()).
void migrate(SQLite::Database& db, NewDatabase fresh = NewDatabase::from_schema);

// What an ingest and a reader say of a database of a newer cachedb (schema `version`).
Error newer_schema_error(std::string_view database, int version);

}  // namespace cachedb
