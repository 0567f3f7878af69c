#pragma once
// The names and sets (release, package, compiler, os, platform, target,
// stack, variant, and the stack and variant sets) that nothing stored refers
// to any more are deleted at the end of every run that wrote something: a
// fresh ingest of the same input never has them (storage/sql/unused_names_delete.sql).
#include <SQLiteCpp/Database.h>

namespace cachedb {

// Deletes them, inside the caller's transaction.
void delete_unused_names(SQLite::Database& db);

}  // namespace cachedb
