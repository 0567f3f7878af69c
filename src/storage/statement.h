#pragma once
// The one way cachedb's code talks to SQLite: this file, transaction.h and
// sqlite_errors.h.
//
// SQLiteCpp stays the base: it opens and owns the connection
// (SQLite::Database: flags, busy timeout, the file's name), runs one-off
// statements (exec, execAndGet: PRAGMAs, DDL), and its SQLite::Exception is
// the type every caller catches. What it lacks is added here and nowhere
// else:
//   - Statement: prepared once (SQLITE_PREPARE_PERSISTENT), run many times;
//     prepared when made, or when first run (Prepare::when_first_run: a
//     writer makes every statement it may need up front, and a run that
//     writes nothing, an unchanged re-ingest, should not pay to prepare them:
//     a seventh of its time); binds a string_view in place (SQLITE_STATIC,
//     no copy: SQLiteCpp binds only NUL-terminated or copied text);
//   - Statement::Use, the guard for one run of it: binds are counted against
//     sqlite3_bind_parameter_count (too many fails at the bind, too few at the
//     first step), and its destructor resets the statement and clears its
//     bindings, whatever way the scope is left;
//   - SqlError (sqlite_errors.h): a SQLite::Exception that also carries the
//     statement with its values (sqlite3_expanded_sql) and the database file;
//   - Transaction, Savepoint and PragmaScope (transaction.h): undo in their
//     destructors what was not committed or released, restore a PRAGMA.
// The SQL itself, when longer than a line, lives in .sql files compiled into
// the binary (storage/sql.h).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <sqlite3.h>
#include <SQLiteCpp/Database.h>

#include "storage/sqlite_errors.h"

namespace cachedb {

// Runs SQL without parameters (one statement or several), throwing SqlError
// with the SQL and the database's file name.
void exec(SQLite::Database& db, std::string_view sql);

// When a Statement is prepared, which is when SqlError names bad SQL.
enum class Prepare { now, when_first_run };

class Statement {
 public:
  Statement(SQLite::Database& db, std::string_view sql, Prepare when = Prepare::now);
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  class Use;
  // One run of the statement; bind its parameters through it, in order.
  Use use();
  // One run with every parameter bound, from the first: as many arguments as
  // the statement has parameters, else SqlError.
  template <typename... Args>
  Use operator()(Args&&... args);

  int parameter_count() { return sqlite3_bind_parameter_count(prepared()); }
  std::string_view sql() const { return sql_; }

 private:
  // The statement, prepared now if it was not yet.
  sqlite3_stmt* prepared() {
    if (!stmt_) prepare();
    return stmt_;
  }
  void prepare();
  [[noreturn]] void fail(int rc) const;
  [[noreturn]] void misuse(const std::string& what) const;

  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
  std::string database_;  // the file's name, for errors
};

// A run of a statement. Binds positional parameters in order (operator()) or
// by name (bind); both count, so a statement's parameters are bound once each,
// by one style or the other.
class Statement::Use {
 public:
  explicit Use(Statement& st) : st_(&st) { st.prepared(); }
  Use(Use&& other) noexcept : st_(other.st_), bound_(other.bound_), stepped_(other.stepped_) { other.st_ = nullptr; }
  Use& operator=(Use&&) = delete;
  Use(const Use&) = delete;
  ~Use() {
    if (!st_) return;
    sqlite3_reset(st_->stmt_);
    sqlite3_clear_bindings(st_->stmt_);
  }

  // Binds the next parameter. Text is bound in place (SQLITE_STATIC), so it
  // must outlive the run, but for a temporary std::string, which is copied.
  Use& operator()(std::int64_t v) { return done(sqlite3_bind_int64(st_->stmt_, slot(), v)); }
  Use& operator()(int v) { return (*this)(static_cast<std::int64_t>(v)); }
  Use& operator()(bool v) { return (*this)(static_cast<std::int64_t>(v)); }
  Use& operator()(std::string_view v) {
    return done(sqlite3_bind_text(st_->stmt_, slot(), v.data(), static_cast<int>(v.size()), SQLITE_STATIC));
  }
  Use& operator()(const std::string& v) { return (*this)(std::string_view(v)); }
  // A temporary string is copied (SQLITE_TRANSIENT): it is gone before the step.
  Use& operator()(std::string&& v) {
    return done(sqlite3_bind_text(st_->stmt_, slot(), v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  Use& operator()(const char* v) { return (*this)(std::string_view(v)); }
  Use& operator()(std::nullptr_t) { return done(sqlite3_bind_null(st_->stmt_, slot())); }
  // NULL when absent.
  template <typename T>
  Use& operator()(const std::optional<T>& v) {
    return v ? (*this)(*v) : (*this)(nullptr);
  }

  // Binds the parameter named `name` (":name", "?NNN"...); SqlError when the
  // statement has no such parameter.
  template <typename T>
  Use& bind(const char* name, const T& v) {
    const int at = sqlite3_bind_parameter_index(st_->stmt_, name);
    if (at == 0) st_->misuse(std::string("no parameter named ") + name);
    const int saved = bound_;
    bound_ = at - 1;
    (*this)(v);
    bound_ = saved + 1;
    return *this;
  }

  // Steps once; true when a row is available.
  bool next() {
    if (!stepped_) {
      stepped_ = true;
      if (bound_ != st_->parameter_count())
        st_->misuse("run with " + std::to_string(bound_) + " of its " + std::to_string(st_->parameter_count()) +
                    " parameters bound");
    }
    const int rc = sqlite3_step(st_->stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    st_->fail(rc);
  }
  // Runs it to the end (a statement that returns no rows).
  void exec() {
    while (next()) {
    }
  }

  std::int64_t int64(int col) const { return sqlite3_column_int64(st_->stmt_, col); }
  std::string_view text(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_->stmt_, col));
    return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(st_->stmt_, col)))
             : std::string_view{};
  }
  bool is_null(int col) const { return sqlite3_column_type(st_->stmt_, col) == SQLITE_NULL; }
  std::optional<std::int64_t> optional_int64(int col) const {
    return is_null(col) ? std::nullopt : std::optional<std::int64_t>(int64(col));
  }

  // Rows the last exec() inserted, updated or deleted.
  int changes() const { return sqlite3_changes(st_->db_); }
  std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(st_->db_); }

 private:
  int slot() {
    if (bound_ == st_->parameter_count())
      st_->misuse("given more than its " + std::to_string(bound_) + " parameters");
    return ++bound_;
  }
  Use& done(int rc) {
    if (rc != SQLITE_OK) st_->fail(rc);
    return *this;
  }

  Statement* st_;
  int bound_ = 0;  // parameters bound so far
  bool stepped_ = false;
};

inline Statement::Use Statement::use() { return Use(*this); }

template <typename... Args>
Statement::Use Statement::operator()(Args&&... args) {
  if (static_cast<int>(sizeof...(Args)) != parameter_count())
    misuse("given " + std::to_string(sizeof...(Args)) + " values for its " + std::to_string(parameter_count()) +
           " parameters");
  Use u(*this);
  (u(std::forward<Args>(args)), ...);
  return u;
}

}  // namespace cachedb
