#include "storage/statement.h"

#include <string>

namespace cachedb {

void exec(SQLite::Database& db, std::string_view sql) {
  const std::string text(sql);  // sqlite3_exec reads up to a NUL
  const int rc = sqlite3_exec(db.getHandle(), text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) throw SqlError(db.getHandle(), rc, text, db.getFilename());
}

Statement::Statement(SQLite::Database& db, std::string_view sql, Prepare when)
    : db_(db.getHandle()), sql_(sql), database_(db.getFilename()) {
  if (when == Prepare::now) prepare();
}

void Statement::prepare() {
  const int rc =
      sqlite3_prepare_v3(db_, sql_.data(), static_cast<int>(sql_.size()), SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
    throw SqlError(db_, rc, sql_, database_);
  }
}

void Statement::fail(int rc) const {
  // The statement as it ran, before the reset that follows (a step's error
  // resets nothing by itself: the Use that ran it does, as it goes).
  throw SqlError(db_, rc, expanded_sql(stmt_), database_);
}

void Statement::misuse(const std::string& what) const {
  throw SqlError("statement " + what, std::string(sql()), database_);
}

}  // namespace cachedb
