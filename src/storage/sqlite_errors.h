#pragma once
// SQLite failures: SqlError, the exception the storage idiom throws (see
// statement.h), and describe_sqlite_error, which turns any SQLite failure into
// a message an operator can act on: what kind of fault it is (read-only, full
// disk, locked, not a database), SQLite's own words, and the operating
// system's reason when there is one.
#include <string>

#include <sqlite3.h>
#include <SQLiteCpp/Exception.h>

namespace cachedb {

// A failed statement. It is a SQLite::Exception (same codes, same words in
// what()), so every `catch (const SQLite::Exception&)` sees it; it also
// carries the statement as it ran, with its bound values
// (sqlite3_expanded_sql), and the database file it ran on, for the log.
class SqlError : public SQLite::Exception {
 public:
  // SQLite's own error on `db` (its message and extended code).
  SqlError(sqlite3* db, int rc, std::string sql, std::string database);
  // A misuse found before SQLite saw it (a bind count that does not match).
  SqlError(const std::string& message, std::string sql, std::string database);

  const std::string& sql() const noexcept { return sql_; }
  const std::string& database() const noexcept { return database_; }

 private:
  std::string sql_, database_;
};

// The statement's text with its bound values, as SQLite would run it now
// (its plain text when SQLite cannot expand it).
std::string expanded_sql(sqlite3_stmt* stmt);

// `handle` may be null (when opening failed); then no OS reason is added.
std::string describe_sqlite_error(const SQLite::Exception& e, sqlite3* handle);

}  // namespace cachedb
