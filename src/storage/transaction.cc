#include "storage/transaction.h"

#include <sqlite3.h>
#include <spdlog/spdlog.h>

#include "storage/statement.h"

namespace cachedb {
namespace {

// Runs `sql` from a destructor: logged, never thrown.
void undo(SQLite::Database& db, const std::string& sql) noexcept {
  try {
    exec(db, sql);
  } catch (const std::exception& e) {
    spdlog::error("{}: {} failed: {}", db.getFilename(), sql, e.what());
  }
}

}  // namespace

Transaction::Transaction(SQLite::Database& db, Begin how) : db_(db) {
  exec(db_, how == Begin::Immediate ? "BEGIN IMMEDIATE" : "BEGIN");
}

Transaction::~Transaction() {
  if (!open_ || sqlite3_get_autocommit(db_.getHandle())) return;
  undo(db_, "ROLLBACK");
}

void Transaction::commit() {
  exec(db_, "COMMIT");
  open_ = false;
}

Savepoint::Savepoint(SQLite::Database& db, std::string name) : db_(db), name_(std::move(name)) {
  exec(db_, "SAVEPOINT " + name_);
}

Savepoint::~Savepoint() {
  // Nothing to undo when SQLite rolled the whole transaction back itself.
  if (!open_ || sqlite3_get_autocommit(db_.getHandle())) return;
  undo(db_, "ROLLBACK TO " + name_ + "; RELEASE " + name_);
}

void Savepoint::release() {
  exec(db_, "RELEASE " + name_);
  open_ = false;
}

PragmaScope::PragmaScope(SQLite::Database& db, std::string name, const std::string& value)
    : db_(db), name_(std::move(name)), previous_(db_.execAndGet("PRAGMA " + name_).getString()) {
  exec(db_, "PRAGMA " + name_ + " = " + value);
}

PragmaScope::~PragmaScope() { undo(db_, "PRAGMA " + name_ + " = " + previous_); }

}  // namespace cachedb
