#include "storage/unused_names.h"

#include <sqlite3.h>

#include "storage/embedded_sql.h"
#include "storage/statement.h"

namespace cachedb {

void delete_unused_names(SQLite::Database& db) { exec(db, required_sql("storage/unused_names_delete.sql")); }

UnusedNames::UnusedNames(SQLite::Database& db)
    : db_(db), changes_at_start_(sqlite3_total_changes64(db.getHandle())) {}

void UnusedNames::delete_if_changed() {
  // An unchanged re-ingest changes no row before its log: it pays nothing.
  if (sqlite3_total_changes64(db_.getHandle()) != changes_at_start_) delete_unused_names(db_);
}

}  // namespace cachedb
