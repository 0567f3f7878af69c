#pragma once
// Scopes that undo what they began unless told it is done (part of the idiom
// described in statement.h).
#include <string>

#include <SQLiteCpp/Database.h>

namespace cachedb {

enum class Begin {
  Deferred,   // BEGIN: takes the write lock at the first write
  Immediate,  // BEGIN IMMEDIATE: takes it now, so two writers never interleave
};

// A transaction that is rolled back in its destructor unless committed.
// SQLite may have rolled it back itself (a full disk, an I/O error): then the
// destructor has nothing to do, and the error that brought it there is the one
// reported. A failed rollback is logged, never thrown.
class Transaction {
 public:
  explicit Transaction(SQLite::Database& db, Begin how = Begin::Immediate);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit();

 private:
  SQLite::Database& db_;
  bool open_ = true;
};

// A named savepoint, nestable inside a transaction or another savepoint: its
// destructor rolls back to it and releases it, unless release() was called.
// Outside a transaction it is one itself (deferred).
class Savepoint {
 public:
  // `name` is an identifier from the code, never user text.
  Savepoint(SQLite::Database& db, std::string name);
  ~Savepoint();
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;

  void release();

 private:
  SQLite::Database& db_;
  std::string name_;
  bool open_ = true;
};

// Sets a PRAGMA for the scope and puts back the value it had. Some PRAGMAs
// (foreign_keys) cannot change inside a transaction: SQLite then ignores the
// change, so open such a scope before the transaction.
class PragmaScope {
 public:
  // `name` and `value` come from the code, never from user text.
  PragmaScope(SQLite::Database& db, std::string name, const std::string& value);
  ~PragmaScope();
  PragmaScope(const PragmaScope&) = delete;
  PragmaScope& operator=(const PragmaScope&) = delete;

  // The value it had before.
  const std::string& previous() const { return previous_; }

 private:
  SQLite::Database& db_;
  std::string name_, previous_;
};

}  // namespace cachedb
