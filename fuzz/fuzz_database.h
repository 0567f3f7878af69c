#pragma once
// What the ingest fuzzers share: the checks a database must pass after any
// input, and emptying it for the next one.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "report/matrix.h"

namespace fuzzing {

// Says what broke, then aborts: the fuzzer keeps the input.
[[noreturn]] inline void fail(const char* fuzzer, const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", fuzzer, what.c_str());
  std::abort();
}

// SQLite's integrity and foreign-key checks pass, and the report runs.
inline void check_database(const char* fuzzer, SQLite::Database& db) {
  if (db.execAndGet("PRAGMA integrity_check").getString() != "ok") fail(fuzzer, "integrity_check failed");
  SQLite::Statement fk(db, "PRAGMA foreign_key_check");
  if (fk.executeStep())
    fail(fuzzer, "foreign_key_check found a dangling reference in " + fk.getColumn(0).getString());
  cachedb::MatrixOptions options;
  options.include_root = true;
  (void)cachedb::run_matrix(db, "stacks-by-target", options);
}

// One database for a whole fuzzing run, emptied after each input: creating
// and migrating a database per input made the page target ten times slower.
// Empty tables give the same ids and the same behaviour as a fresh database.
inline void empty(SQLite::Database& db) {
  std::vector<std::string> tables;
  SQLite::Statement q(db, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  while (q.executeStep()) tables.push_back(q.getColumn(0).getString());
  db.exec("PRAGMA foreign_keys = OFF");
  for (const auto& t : tables) db.exec("DELETE FROM \"" + t + "\"");
  db.exec("PRAGMA foreign_keys = ON");
}

}  // namespace fuzzing
