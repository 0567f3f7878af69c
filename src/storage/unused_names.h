#pragma once
// The names and sets (release, package, compiler, os, platform, target,
// stack, variant, and the stack and variant sets) that nothing stored refers
// to any more are deleted at the end of every run that changed a row: a
// fresh ingest of the same input never has them (storage/sql/unused_names_delete.sql).
#include <cstdint>

#include <SQLiteCpp/Database.h>

namespace cachedb {

// Deletes them, inside the caller's transaction.
void delete_unused_names(SQLite::Database& db);

// Made as a run's transaction begins; at its end, deletes them if the run
// changed any row. Whether it stored a document is not enough to tell: an
// index refused before it was read has named its release and stack already,
// and one read again from stdin with the same bytes is unchanged but written.
class UnusedNames {
 public:
  explicit UnusedNames(SQLite::Database& db);
  void delete_if_changed();

 private:
  SQLite::Database& db_;
  std::int64_t changes_at_start_;
};

}  // namespace cachedb
