#include "report/query_result.h"

#include <set>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sqlite3.h>

#include "error.h"
#include "report/html_page.h"
#include "report/text_table.h"

namespace cachedb {
namespace {

// Owns a prepared statement made with the C API: SQLiteCpp's Statement hides
// the unparsed tail, which we need to refuse a second statement.
struct Prepared {
  sqlite3_stmt* stmt = nullptr;
  ~Prepared() { sqlite3_finalize(stmt); }
};

bool only_space_or_comments(const char* p) {
  while (*p) {
    if (std::isspace(static_cast<unsigned char>(*p))) ++p;
    else if (p[0] == '-' && p[1] == '-') { while (*p && *p != '\n') ++p; }
    else if (p[0] == '/' && p[1] == '*') {
      p += 2;
      while (*p && !(p[0] == '*' && p[1] == '/')) ++p;
      if (*p) p += 2;
    } else if (*p == ';') ++p;
    else return false;
  }
  return true;
}

std::vector<bool> numeric_columns(const QueryResult& r) {
  std::vector<bool> numeric(r.columns.size(), false);
  for (std::size_t c = 0; c < r.columns.size(); ++c) {
    bool any = false, all = true;
    for (const auto& row : r.rows) {
      const auto t = row[c].type;
      if (t == QueryValue::Type::Null) continue;
      any = true;
      all = all && (t == QueryValue::Type::Integer || t == QueryValue::Type::Real);
    }
    numeric[c] = any && all;
  }
  return numeric;
}

Grid grid(const QueryResult& r) {
  Grid g{r.columns};
  for (const auto& row : r.rows) {
    std::vector<std::string> line;
    for (const auto& v : row) line.push_back(v.text);
    g.push_back(std::move(line));
  }
  return g;
}

std::string render_json(const QueryResult& r) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("columns");
  w.StartArray();
  for (const auto& c : r.columns) w.String(c.c_str(), static_cast<rapidjson::SizeType>(c.size()));
  w.EndArray();
  w.Key("rows");
  w.StartArray();
  for (const auto& row : r.rows) {
    w.StartArray();
    for (const auto& v : row) {
      switch (v.type) {
        case QueryValue::Type::Null: w.Null(); break;
        case QueryValue::Type::Integer: w.Int64(std::stoll(v.text)); break;
        case QueryValue::Type::Real: w.RawValue(v.text.c_str(), v.text.size(), rapidjson::kNumberType); break;
        default: w.String(v.text.c_str(), static_cast<rapidjson::SizeType>(v.text.size()));
      }
    }
    w.EndArray();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

}  // namespace

QueryResult run_query(SQLite::Database& db, const std::string& sql,
                      const std::vector<std::pair<std::string, std::string>>& params) {
  sqlite3* h = db.getHandle();
  Prepared p;
  const char* tail = nullptr;
  if (sqlite3_prepare_v2(h, sql.c_str(), static_cast<int>(sql.size()), &p.stmt, &tail) != SQLITE_OK)
    throw Error(fmt::format("sql: {}", sqlite3_errmsg(h)));
  if (!p.stmt) throw Error("sql: no statement given");
  if (tail && !only_space_or_comments(tail)) throw Error("sql: give one statement at a time");
  if (!sqlite3_stmt_readonly(p.stmt))
    throw Error("sql: refused, the statement would write; 'cachedb sql' is read-only "
                "(the database changes only through 'cachedb ingest')");

  std::set<std::string> given;
  for (const auto& [name, value] : params) {
    const std::string key = ":" + name;
    const int index = sqlite3_bind_parameter_index(p.stmt, key.c_str());
    if (index == 0) throw Error(fmt::format("sql: --param {}: the query has no parameter {}", name, key));
    sqlite3_bind_text(p.stmt, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    given.insert(key);
  }
  for (int i = 1; i <= sqlite3_bind_parameter_count(p.stmt); ++i) {
    const char* name = sqlite3_bind_parameter_name(p.stmt, i);
    if (!name) throw Error("sql: use named parameters (:name) with --param name=value, not '?'");
    if (!given.count(name))
      throw Error(fmt::format("sql: the query uses {} but no --param {}=VALUE was given", name, name + 1));
  }

  QueryResult r;
  r.sql = sql;
  const int n = sqlite3_column_count(p.stmt);
  for (int i = 0; i < n; ++i) r.columns.emplace_back(sqlite3_column_name(p.stmt, i));
  for (;;) {
    const int rc = sqlite3_step(p.stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) {
      if ((rc & 0xff) == SQLITE_READONLY)
        throw Error("sql: refused, the statement would write; 'cachedb sql' opens the database read-only");
      throw Error(fmt::format("sql: {}", sqlite3_errmsg(h)));
    }
    std::vector<QueryValue> row(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      auto& v = row[static_cast<std::size_t>(i)];
      switch (sqlite3_column_type(p.stmt, i)) {
        case SQLITE_NULL: v.type = QueryValue::Type::Null; continue;
        case SQLITE_INTEGER: v.type = QueryValue::Type::Integer; break;
        case SQLITE_FLOAT: v.type = QueryValue::Type::Real; break;
        case SQLITE_BLOB: v.type = QueryValue::Type::Blob; break;
        default: v.type = QueryValue::Type::Text;
      }
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(p.stmt, i));
      v.text.assign(text, static_cast<std::size_t>(sqlite3_column_bytes(p.stmt, i)));
    }
    r.rows.push_back(std::move(row));
  }
  return r;
}

std::string render(const QueryResult& r, const RenderOptions& options) {
  const auto numeric = numeric_columns(r);
  switch (options.format) {
    case Format::Json: return render_json(r);
    case Format::Html: return render_html_table(r.sql, grid(r), numeric);
    case Format::Csv: return render_csv(grid(r));
    case Format::Tsv: return render_tsv(grid(r));
    case Format::Markdown: return render_markdown(grid(r), numeric);
    case Format::Table: break;
  }
  return render_aligned(grid(r), {numeric, false});
}

}  // namespace cachedb
