#pragma once
// A prepared statement for the ingest hot path: prepared once, bound and
// stepped millions of times. SQLiteCpp's Statement can only bind text that is
// NUL-terminated or copied into a std::string; this binds a string_view in
// place (SQLITE_STATIC: the text outlives the step) and never allocates.
#include <cstdint>
#include <string_view>

#include <sqlite3.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>

namespace cachedb {

class Statement {
 public:
  Statement(SQLite::Database& db, std::string_view sql) : db_(db.getHandle()) {
    check(sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_,
                             nullptr));
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(int i, std::int64_t v) { check(sqlite3_bind_int64(stmt_, i, v)); }
  void bind(int i, std::string_view v) {
    check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC));
  }
  void bind_null(int i) { check(sqlite3_bind_null(stmt_, i)); }

  // Binds every argument in order, from parameter 1.
  template <typename... Args>
  Statement& with(const Args&... args) {
    int i = 0;
    (bind_one(++i, args), ...);
    return *this;
  }

  // Steps once; true when a row is available.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    sqlite3_reset(stmt_);
    throw SQLite::Exception(db_, rc);
  }
  // Runs a statement that returns no rows, then resets it.
  void exec() {
    step();
    reset();
  }
  void reset() { sqlite3_reset(stmt_); }

  std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string_view text(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string_view{};
  }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  void bind_one(int i, std::string_view v) { bind(i, v); }
  void bind_one(int i, const std::string& v) { bind(i, std::string_view(v)); }
  void bind_one(int i, const char* v) { bind(i, std::string_view(v)); }
  void bind_one(int i, std::int64_t v) { bind(i, v); }
  void bind_one(int i, int v) { bind(i, static_cast<std::int64_t>(v)); }
  void bind_one(int i, std::nullptr_t) { bind_null(i); }

  void check(int rc) const {
    if (rc != SQLITE_OK) throw SQLite::Exception(db_, rc);
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace cachedb
