#pragma once
// Ad-hoc SQL for analysts (`cachedb sql`): one read-only statement with named
// parameters, its result rendered in any of the report formats.
#include <string>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>

#include "report/render.h"

namespace cachedb {

struct QueryValue {
  enum class Type { Null, Integer, Real, Text, Blob } type = Type::Null;
  std::string text;  // as SQLite renders it; empty for NULL
};

struct QueryResult {
  std::string sql;
  std::vector<std::string> columns;
  std::vector<std::vector<QueryValue>> rows;
};

// Runs one statement. Parameters bind as text to :name; a parameter the query
// does not have, or one it has but was not given, is an Error. A statement that
// would write is refused with an Error before it runs (SQLite's own verdict,
// sqlite3_stmt_readonly), and the connection is read-only anyway.
QueryResult run_query(SQLite::Database& db, const std::string& sql,
                      const std::vector<std::pair<std::string, std::string>>& params);

std::string render(const QueryResult& r, const RenderOptions& options);

}  // namespace cachedb
