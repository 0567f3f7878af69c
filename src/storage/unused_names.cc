#include "storage/unused_names.h"

#include "storage/embedded_sql.h"
#include "storage/statement.h"

namespace cachedb {

void delete_unused_names(SQLite::Database& db) { exec(db, required_sql("storage/unused_names_delete.sql")); }

}  // namespace cachedb
