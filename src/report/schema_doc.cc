#include "report/schema_doc.h"

#include <algorithm>
#include <map>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "error.h"
#include "storage/embedded_sql.h"
#include "storage/migrations.h"

namespace cachedb {
namespace {

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

struct Commented {
  std::string description;
  std::map<std::string, std::string> columns;
};

// Reads the comment conventions of schema/schema.sql: the comment lines right
// above a CREATE describe the object; a trailing '-- ...' on a column's line
// describes that column (a table's column is the line's first word, a view's
// the name after AS), and comment-only lines below it continue the text, up
// to a blank line.
std::map<std::string, Commented> read_comments(std::string_view text) {
  static const std::regex create(R"(^CREATE (TABLE|VIEW) (\w+))");
  static const std::regex view_column(R"(\bAS\s+(\w+)\s*,?\s*$)");
  static const std::regex table_column(R"(^\s*(\w+)\s+\w)");
  static const std::regex references(R"(REFERENCES (\w+)\()");
  std::map<std::string, Commented> out;
  std::istringstream in{std::string(text)};
  std::string line, pending, object, kind, last_column;
  while (std::getline(in, line)) {
    const auto dash = line.find("--");
    const std::string code = trim(dash == std::string::npos ? line : line.substr(0, dash));
    const std::string comment = dash == std::string::npos ? "" : trim(line.substr(dash + 2));
    std::smatch m;
    if (code.empty() && !comment.empty()) {
      if (!object.empty() && !last_column.empty()) out[object].columns[last_column] += " " + comment;
      else if (object.empty()) pending += (pending.empty() ? "" : " ") + comment;
      continue;
    }
    if (code.empty()) {
      // A blank line ends a column's text: notes on the table may follow.
      pending.clear();
      last_column.clear();
      continue;
    }
    if (std::regex_search(code, m, create)) {
      kind = m[1];
      object = m[2];
      out[object].description = pending;
      pending.clear();
      last_column.clear();
      if (code.back() == ';') object.clear();
      continue;
    }
    if (object.empty()) {
      pending.clear();
      continue;
    }
    std::string column;
    if (kind == "VIEW" && std::regex_search(code, m, view_column)) column = m[1];
    if (kind == "TABLE" && std::regex_search(code, m, table_column)) {
      column = m[1];
      static const std::vector<std::string> constraints = {"PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "CONSTRAINT"};
      if (std::find(constraints.begin(), constraints.end(), column) != constraints.end()) column.clear();
    }
    if (!column.empty()) {
      std::string description = comment;
      // Undocumented keys still say what they are, from the schema itself.
      if (description.empty() && std::regex_search(code, m, references)) description = fmt::format("refers to {}", m[1].str());
      if (description.empty() && column == "id") description = "identifies the row; other tables refer to it";
      out[object].columns[column] = description;
      last_column = column;
    }
    if (code.back() == ';') object.clear();
  }
  return out;
}

}  // namespace

std::vector<ObjectDoc> schema_doc() {
  const auto text = find_embedded_sql("schema/schema.sql");
  if (!text) throw Error("schema/schema.sql is not embedded");
  const auto comments = read_comments(*text);

  SQLite::Database db(":memory:", SQLite::OPEN_READWRITE);
  migrate(db);
  std::vector<ObjectDoc> out;
  for (const char* kind : {"view", "table"}) {
    SQLite::Statement objects(db, "SELECT name FROM sqlite_schema WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY rowid");
    objects.bind(1, kind);
    while (objects.executeStep()) {
      ObjectDoc doc{kind, objects.getColumn(0).getString(), {}, {}};
      const auto c = comments.find(doc.name);
      if (c != comments.end()) doc.description = c->second.description;
      SQLite::Statement columns(db, "SELECT name FROM pragma_table_info(?) ORDER BY cid");
      columns.bind(1, doc.name);
      while (columns.executeStep()) {
        ColumnDoc col{columns.getColumn(0).getString(), {}};
        if (c != comments.end())
          if (auto d = c->second.columns.find(col.name); d != c->second.columns.end()) col.description = d->second;
        doc.columns.push_back(std::move(col));
      }
      out.push_back(std::move(doc));
    }
  }
  return out;
}

std::string render_schema_doc(const std::vector<ObjectDoc>& docs) {
  std::size_t width = 0;
  for (const auto& d : docs)
    for (const auto& c : d.columns) width = std::max(width, c.name.size());
  std::string out, kind;
  for (const auto& d : docs) {
    if (d.kind != kind) {
      kind = d.kind;
      out += kind == "view" ? "VIEWS: the stable interface for analysts; names and columns stay, columns may be added\n\n"
                            : "TABLES: normalized storage underneath the views\n\n";
    }
    out += d.name + (d.description.empty() ? "" : ": " + d.description) + "\n";
    for (const auto& c : d.columns)
      out += fmt::format("  {:<{}}  {}\n", c.name, width, c.description.empty() ? "(undocumented)" : c.description);
    out += "\n";
  }
  return out;
}

}  // namespace cachedb
