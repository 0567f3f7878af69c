#pragma once
// An ingest's one write transaction, for pages and indexes alike: `body()`
// runs inside it and the transaction commits when it returns; a fatal error
// rolls it all back (the Transaction's destructor) and an SQLite error is
// rethrown as an Error naming the database.
#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>

#include "error.h"
#include "storage/bulk_load.h"
#include "storage/sqlite_errors.h"
#include "storage/transaction.h"

namespace cachedb {

template <typename Body>
auto in_write_transaction(SQLite::Database& db, Body&& body) -> decltype(body()) {
  // Foreign keys are declared for analysts and checked by the tests
  // (foreign_key_check), but not enforced while ingesting: the writers are
  // the only writers, and enforcement would cost a lookup per reference per row.
  PragmaScope foreign_keys(db, "foreign_keys", "OFF");
  // Destroyed after the transaction: back to WAL once it has ended.
  DirectLoadJournal journal(db);
  std::optional<Transaction> tx;
  try {
    tx.emplace(db, Begin::Immediate);
  } catch (const SQLite::Exception& e) {
    throw Error(fmt::format("{}: cannot start writing: {}", db.getFilename(),
                            describe_sqlite_error(e, db.getHandle())));
  }
  try {
    auto result = body();
    tx->commit();
    return result;
  } catch (const SQLite::Exception& e) {
    const std::string why = describe_sqlite_error(e, db.getHandle());
    if (const auto* failed = dynamic_cast<const SqlError*>(&e)) spdlog::debug("failed statement: {}", failed->sql());
    tx.reset();
    throw Error(fmt::format("{}: ingest failed, nothing was changed: {}", db.getFilename(), why));
  }
}

}  // namespace cachedb
