#include "report/query_result.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <unistd.h>

#include "error.h"
#include "report/html_page.h"
#include "report/text_table.h"

namespace cachedb {
namespace {

// Past spaces, comments and (with `semicolons`) empty statements.
const char* skip_space_or_comments(const char* p, bool semicolons) {
  while (*p) {
    if (std::isspace(static_cast<unsigned char>(*p))) ++p;
    else if (p[0] == '-' && p[1] == '-') { while (*p && *p != '\n') ++p; }
    else if (p[0] == '/' && p[1] == '*') {
      p += 2;
      while (*p && !(p[0] == '*' && p[1] == '/')) ++p;
      if (*p) p += 2;
    } else if (semicolons && *p == ';') ++p;
    else break;
  }
  return p;
}

bool only_space_or_comments(const char* p) { return *skip_space_or_comments(p, true) == '\0'; }

// `PRAGMA journal_mode` (or `main.journal_mode`), asked for the mode, none
// given: SQLite counts it as a write, since with a mode it may write, where
// asking only reads. Run on a read-only connection only, which would refuse a
// write all the same. (Other pragmas that SQLite counts as writes do write
// when asked, `optimize`, or are of no use read-only, `wal_checkpoint`.)
bool journal_mode_asked(sqlite3* h, const std::string& statement) {
  std::string words;  // the statement's text less comments, spaces and the ending ';', lower-cased
  for (const char* p = skip_space_or_comments(statement.c_str(), false); *p;
       p = skip_space_or_comments(p, true))
    while (*p && !std::isspace(static_cast<unsigned char>(*p)) && *p != ';' && !(p[0] == '-' && p[1] == '-') &&
           !(p[0] == '/' && p[1] == '*')) {
      words += static_cast<char>(std::tolower(static_cast<unsigned char>(*p)));
      ++p;
    }
  return (words == "pragmajournal_mode" || words == "pragmamain.journal_mode") && sqlite3_db_readonly(h, "main") == 1;
}

// ---- what SQLiteCpp cannot do -------------------------------------------
// SQLiteCpp 3.2 neither shows a statement's unparsed tail (to refuse a second
// statement), nor says whether it would write (sqlite3_stmt_readonly), nor
// names its parameters, nor installs a progress handler (the clock behind
// --timeout). These, and only these, use the C API, through the connection's
// handle; the statement itself is SQLiteCpp's.

// What the C API tells of a query before it runs.
struct Inspected {
  std::string statement;            // the first statement's text, the tail cut off
  std::vector<std::string> params;  // [i - 1]: parameter i as the query spells it, "" for a plain '?'
};

Inspected inspect(SQLite::Database& db, const std::string& sql) {
  sqlite3* h = db.getHandle();
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v2(h, sql.c_str(), static_cast<int>(sql.size()), &raw, &tail);
  const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> owned(raw, sqlite3_finalize);
  if (rc != SQLITE_OK) throw Error(fmt::format("sql: {}", sqlite3_errmsg(h)));
  if (!raw) throw Error("sql: no statement given");
  if (tail && !only_space_or_comments(tail)) throw Error("sql: give one statement at a time");
  Inspected out{sql.substr(0, static_cast<std::size_t>(tail ? tail - sql.c_str() : sql.size())), {}};
  if (!sqlite3_stmt_readonly(raw) && !journal_mode_asked(h, out.statement))
    throw Error("sql: refused, the statement would write; 'cachedb sql' is read-only "
                "(the database changes only through 'cachedb ingest')");
  for (int i = 1; i <= sqlite3_bind_parameter_count(raw); ++i) {
    const char* name = sqlite3_bind_parameter_name(raw, i);
    out.params.emplace_back(name && name[0] != '?' ? name : "");
  }
  return out;
}

// The statement's clock: SQLite calls the handler every kSteps virtual-machine
// steps, and a non-zero return interrupts the statement. The handler is the
// connection's, not the statement's: removed when the query ends, however it ends.
class Deadline {
 public:
  Deadline(SQLite::Database& db, std::chrono::milliseconds timeout) {
    if (timeout.count() <= 0) return;
    h_ = db.getHandle();
    at_ = std::chrono::steady_clock::now() + timeout;
    sqlite3_progress_handler(h_, kSteps, &Deadline::check, this);
  }
  ~Deadline() {
    if (h_) sqlite3_progress_handler(h_, 0, nullptr, nullptr);
  }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;
  bool passed() const { return passed_; }

 private:
  static constexpr int kSteps = 10000;
  static int check(void* self) {
    auto* d = static_cast<Deadline*>(self);
    d->passed_ = d->passed_ || std::chrono::steady_clock::now() >= d->at_;
    return d->passed_ ? 1 : 0;
  }
  sqlite3* h_ = nullptr;
  std::chrono::steady_clock::time_point at_;
  bool passed_ = false;
};

// ---- parameters and rows, through SQLiteCpp -------------------------------

// What --param NAME matches: 'x' for :x, $x and @x; 'N' for ?N and for the
// N-th plain '?'. `statement_name` is as Inspected::params holds it.
std::string param_key(const std::string& statement_name, int index) {
  if (statement_name.empty()) return std::to_string(index);
  return statement_name.substr(1);
}

std::string key_of_given_name(std::string name) {
  if (!name.empty() && (name[0] == ':' || name[0] == '$' || name[0] == '@' || name[0] == '?')) name.erase(0, 1);
  // '?01' and '1' are the same parameter.
  if (!name.empty() && std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    const auto first = name.find_first_not_of('0');
    name = first == std::string::npos ? "0" : name.substr(first);
  }
  return name;
}

// How the query spells a parameter, for messages: ':x', '?2'.
std::string spelled(const std::string& statement_name, int index) {
  return statement_name.empty() ? fmt::format("?{}", index) : statement_name;
}

// As the sqlite3 shell's .param set: a whole number that fits 64 bits is an
// integer, a finite decimal number (1.5, -2e3, .5) a real, anything else text.
void bind_value(SQLite::Statement& st, int index, const QueryParam& p) {
  const std::string& v = p.value;
  if (!p.text && !v.empty() && v.find_first_not_of("0123456789+-.eE") == std::string::npos &&
      v.find_first_of("0123456789") != std::string::npos) {
    const char* begin = v.data() + (v[0] == '+' ? 1 : 0);
    const char* end = v.data() + v.size();
    std::int64_t integer = 0;
    if (auto [at, ec] = std::from_chars(begin, end, integer); ec == std::errc() && at == end) {
      st.bind(index, static_cast<int64_t>(integer));
      return;
    }
    char* stop = nullptr;
    errno = 0;
    const double real = std::strtod(v.c_str(), &stop);
    if (stop == v.c_str() + v.size() && std::isfinite(real) && errno != ERANGE) {
      st.bind(index, real);
      return;
    }
  }
  st.bind(index, v);  // a copy (SQLITE_TRANSIENT)
}

void bind_params(SQLite::Statement& st, const std::vector<std::string>& names, const std::vector<QueryParam>& params) {
  const int count = static_cast<int>(names.size());
  std::map<std::string, std::vector<int>> by_key;
  for (int i = 1; i <= count; ++i) by_key[param_key(names[static_cast<std::size_t>(i - 1)], i)].push_back(i);
  std::vector<bool> bound(static_cast<std::size_t>(count) + 1, false);
  std::map<std::string, const QueryParam*> given;
  for (const auto& p : params) {
    // Two values for one parameter (':x' and '$x' are one): which was meant cannot be told.
    const auto [first, fresh] = given.emplace(key_of_given_name(p.name), &p);
    if (!fresh)
      throw Error(fmt::format("sql: the parameter {}{} is given twice (--param {}={} and --param {}={})",
                              std::isdigit(static_cast<unsigned char>(first->first[0])) ? '?' : ':', first->first,
                              first->second->name, first->second->value, p.name, p.value));
    const std::string key = key_of_given_name(p.name);
    const auto it = by_key.find(key);
    if (it == by_key.end()) {
      std::string has;
      for (int i = 1; i <= count; ++i) has += (i > 1 ? ", " : "") + spelled(names[static_cast<std::size_t>(i - 1)], i);
      const std::string its = count == 0 ? "it has no parameters" : "its parameters: " + has;
      if (std::isdigit(static_cast<unsigned char>(key[0])))
        throw Error(fmt::format("sql: --param {}: the query has no ?{} ({})", p.name, key, its));
      throw Error(fmt::format("sql: --param {}: the query has no parameter :{} (nor ${} or @{}; {})", p.name, key, key,
                              key, its));
    }
    for (int i : it->second) {
      bind_value(st, i, p);
      bound[static_cast<std::size_t>(i)] = true;
    }
  }
  for (int i = 1; i <= count; ++i)
    if (!bound[static_cast<std::size_t>(i)]) {
      const auto& name = names[static_cast<std::size_t>(i - 1)];
      throw Error(fmt::format("sql: the query uses {} but no --param {}=VALUE was given", spelled(name, i),
                              param_key(name, i)));
    }
}

std::vector<QueryColumn> columns_of(const SQLite::Statement& st) {
  std::vector<QueryColumn> columns;
  for (int i = 0; i < st.getColumnCount(); ++i) {
    std::string declared;
    try {
      declared = st.getColumnDeclaredType(i);
    } catch (const SQLite::Exception&) {
      // An expression, not a table's column: no declared type.
    }
    columns.push_back({st.getColumnName(i), std::move(declared)});
  }
  return columns;
}

// X'00FF': a BLOB as SQL writes it.
void blob_literal(std::string_view bytes, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out.assign("X'");
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  out += '\'';
}

// `blob_text`: one string per column, holding a BLOB's literal until the next row.
void read_row(const SQLite::Statement& st, std::vector<QueryValue>& row, std::vector<std::string>& blob_text) {
  for (int i = 0; i < static_cast<int>(row.size()); ++i) {
    auto& v = row[static_cast<std::size_t>(i)];
    v = QueryValue{};
    const SQLite::Column column = st.getColumn(i);
    // The type first: reading the text may convert the value in place.
    // SQLiteCpp's type codes are constants defined elsewhere, not case labels.
    const int type = column.getType();
    if (type == SQLite::Null) continue;
    if (type == SQLite::INTEGER) {
      v.type = QueryValue::Type::Integer;
      v.integer = column.getInt64();
    } else if (type == SQLite::FLOAT) {
      v.type = QueryValue::Type::Real;
      v.real = column.getDouble();
    } else if (type == SQLite::BLOB) {
      v.type = QueryValue::Type::Blob;
      v.blob =
          std::string_view(static_cast<const char*>(column.getBlob()), static_cast<std::size_t>(column.getBytes()));
      auto& literal = blob_text[static_cast<std::size_t>(i)];
      blob_literal(v.blob, literal);
      v.text = literal;
      continue;
    } else {
      v.type = QueryValue::Type::Text;
    }
    const char* text = column.getText();
    v.text = std::string_view(text, static_cast<std::size_t>(column.getBytes()));
  }
}

// ---- writers ---------------------------------------------------------------

class CsvWriter final : public RowSink {
 public:
  CsvWriter(RowOutput& out, bool tsv) : out_(out), tsv_(tsv) {}
  void begin(const std::vector<QueryColumn>& columns) override {
    // Written with the first row (at once), or at the end when there is none.
    for (std::size_t i = 0; i < columns.size(); ++i) field(i, columns[i].name);
    line_end();
  }
  void row(const std::vector<QueryValue>& values) override {
    for (std::size_t i = 0; i < values.size(); ++i) field(i, values[i].text);
    line_end();
    out_.row_done();
  }
  void end() override {}

 private:
  void field(std::size_t i, std::string_view s) {
    auto& b = out_.buffer();
    if (i) b += tsv_ ? '\t' : ',';
    if (tsv_) append_tsv_field(b, s);
    else append_csv_field(b, s);
  }
  void line_end() { out_.put(tsv_ ? "\n" : "\r\n"); }  // RFC 4180 line ends for CSV
  RowOutput& out_;
  bool tsv_;
};

// JSON values with RapidJSON's Writer, one value at a time; the punctuation
// between rows is ours, so no row waits for the next.
class JsonWriter final : public RowSink {
 public:
  JsonWriter(RowOutput& out, bool ndjson, std::string source)
      : out_(out), ndjson_(ndjson), source_(std::move(source)) {}
  void begin(const std::vector<QueryColumn>& columns) override {
    names_.clear();
    for (const auto& c : columns) names_.push_back(c.name);
    if (ndjson_) {
      // An object keeps one value per name: a reader of the line gets the last.
      std::vector<std::string_view> sorted(names_.begin(), names_.end());
      std::sort(sorted.begin(), sorted.end());
      if (auto twice = std::adjacent_find(sorted.begin(), sorted.end()); twice != sorted.end())
        spdlog::warn("two columns are named '{}': an ndjson line, one object, keeps one value of a name when it is "
                     "read; give the columns names of their own (... AS name), or use --json, whose rows are lists",
                     *twice);
      return;
    }
    start();
    w_.StartObject();
    w_.Key("columns");
    w_.StartArray();
    for (const auto& c : columns) string(c.name);
    w_.EndArray();
    w_.EndObject();
    // {"columns":[...]} without its closing brace, the source, then the rows' array.
    out_.put(std::string_view(buf_.GetString(), buf_.GetSize() - 1));
    out_.put(",\"source\":");
    out_.put(source_);
    out_.put(",\"rows\":[");
  }
  void row(const std::vector<QueryValue>& values) override {
    start();
    if (ndjson_) {
      w_.StartObject();
      for (std::size_t i = 0; i < values.size(); ++i) {
        w_.Key(names_[i].c_str(), static_cast<rapidjson::SizeType>(names_[i].size()));
        value(values[i]);
      }
      w_.EndObject();
    } else {
      w_.StartArray();
      for (const auto& v : values) value(v);
      w_.EndArray();
      if (rows_++) out_.put(",");
    }
    out_.put(std::string_view(buf_.GetString(), buf_.GetSize()));
    if (ndjson_) out_.put("\n");
    out_.row_done();
  }
  void end() override {
    if (!ndjson_) out_.put("]}\n");
  }

 private:
  void start() {
    buf_.Clear();
    w_.Reset(buf_);
  }
  void string(std::string_view s) { w_.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }
  void value(const QueryValue& v) {
    switch (v.type) {
      case QueryValue::Type::Null: w_.Null(); break;
      case QueryValue::Type::Integer: w_.Int64(v.integer); break;
      // JSON has no infinity (SQLite's 1e999): null, as JSON.stringify does.
      case QueryValue::Type::Real:
        if (std::isfinite(v.real)) w_.Double(v.real);
        else w_.Null();
        break;
      // As sqlite-utils writes a BLOB in JSON.
      case QueryValue::Type::Blob:
        w_.StartObject();
        w_.Key("$base64");
        w_.Bool(true);
        w_.Key("encoded");
        string(base64(v.blob));
        w_.EndObject();
        break;
      default: string(v.text);
    }
  }
  static std::string base64(std::string_view bytes) {
    static constexpr char kDigits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
      const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
      std::uint32_t group = 0;
      for (std::size_t k = 0; k < 3; ++k)
        group = group << 8 | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0u);
      for (std::size_t k = 0; k < 4; ++k) out += k <= n ? kDigits[(group >> (18 - 6 * k)) & 63] : '=';
    }
    return out;
  }
  RowOutput& out_;
  bool ndjson_;
  std::string source_;  // JSON
  std::vector<std::string> names_;
  std::size_t rows_ = 0;
  rapidjson::StringBuffer buf_;
  rapidjson::Writer<rapidjson::StringBuffer> w_;
};

// A column's alignment is decided by the first row: right for a number; for a
// NULL, right when the column is declared numeric.
std::vector<bool> right_aligned_from(const std::vector<QueryColumn>& columns, const std::vector<QueryValue>* first) {
  std::vector<bool> right(columns.size());
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const bool null = !first || (*first)[i].type == QueryValue::Type::Null;
    right[i] = null ? columns[i].declared_numeric() : (*first)[i].numeric();
  }
  return right;
}

class MarkdownWriter final : public RowSink {
 public:
  MarkdownWriter(RowOutput& out, std::string footer) : out_(out), footer_(std::move(footer)) {}
  void begin(const std::vector<QueryColumn>& columns) override { columns_ = columns; }
  void row(const std::vector<QueryValue>& values) override {
    if (!header_done_) header(&values);
    append_markdown_line(out_.buffer(), values.size(), [&](std::size_t i) { return values[i].text; });
    out_.row_done();
  }
  void end() override {
    if (!header_done_) header(nullptr);
    out_.put(footer_);
  }

 private:
  void header(const std::vector<QueryValue>* first) {
    header_done_ = true;
    if (columns_.empty()) return;
    append_markdown_line(out_.buffer(), columns_.size(),
                         [&](std::size_t i) -> std::string_view { return columns_[i].name; });
    append_markdown_rule(out_.buffer(), columns_.size(), right_aligned_from(columns_, first));
  }
  RowOutput& out_;
  std::string footer_;
  std::vector<QueryColumn> columns_;
  bool header_done_ = false;
};

class HtmlWriter final : public RowSink {
 public:
  HtmlWriter(RowOutput& out, std::string sql, std::string note)
      : out_(out), sql_(std::move(sql)), note_(std::move(note)) {}
  void begin(const std::vector<QueryColumn>& columns) override {
    // The row count goes below the table: it is known only at the end.
    out_.put(html_page_head("cachedb: query", html_escape(note_)));
    out_.put("<pre>" + html_escape(sql_) + "</pre>\n<table>\n<thead><tr>");
    for (const auto& c : columns) out_.put("<th scope=\"col\">" + html_escape(c.name) + "</th>");
    out_.put("</tr></thead>\n<tbody>\n");
  }
  void row(const std::vector<QueryValue>& values) override {
    ++rows_;
    auto& b = out_.buffer();
    b += "<tr>";
    for (const auto& v : values) {
      // Numbers right-aligned (the default), text left, NULL greyed.
      b += v.numeric() ? "<td>" : v.type == QueryValue::Type::Null ? "<td class=\"null\">" : "<td class=\"text\">";
      b += html_escape(v.text);
      b += "</td>";
    }
    b += "</tr>\n";
    out_.row_done();
  }
  void end() override {
    out_.put(fmt::format("</tbody>\n</table>\n<p class=\"note\">{} row{}</p>\n", rows_, rows_ == 1 ? "" : "s"));
    out_.put(html_page_tail());
  }

 private:
  RowOutput& out_;
  std::string sql_;
  std::string note_;  // text
  std::size_t rows_ = 0;
};

// Columns two spaces apart, trailing spaces trimmed, widths as a terminal
// shows them and control characters escaped (text_table.h), sized on a
// first window of rows (see make_row_writer).
class AlignedWriter final : public RowSink {
 public:
  explicit AlignedWriter(RowOutput& out) : out_(out) {}
  void begin(const std::vector<QueryColumn>& columns) override {
    header_.clear();
    for (const auto& c : columns) header_.push_back(c.name);
  }
  void row(const std::vector<QueryValue>& values) override {
    if (sized_) {
      write_line(values);
      out_.row_done();
      return;
    }
    Held held;
    for (const auto& v : values) {
      held.cells.emplace_back(v.text);
      held.types.push_back(v.type);
      window_bytes_ += v.text.size() + sizeof(std::string);
    }
    window_.push_back(std::move(held));
    if (window_.size() >= kTableWindowRows || window_bytes_ >= kTableWindowBytes) release_window();
  }
  void end() override {
    if (!sized_) release_window();
  }
  void stopped() override { end(); }

 private:
  struct Held {
    std::vector<std::string> cells;
    std::vector<QueryValue::Type> types;
  };
  // Sizes the columns on the header and the held rows, writes them, and
  // from then on writes each row as it comes.
  void release_window() {
    sized_ = true;
    const std::size_t n = header_.size();
    if (n == 0) return;
    width_.assign(n, 0);
    right_.assign(n, false);
    std::vector<bool> any(n, false), all(n, true);
    for (std::size_t i = 0; i < n; ++i) width_[i] = width_of(shown_in_table(header_[i], shown_));
    for (const auto& r : window_)
      for (std::size_t i = 0; i < n; ++i) {
        width_[i] = std::max(width_[i], width_of(shown_in_table(r.cells[i], shown_)));
        if (r.types[i] == QueryValue::Type::Null) continue;
        any[i] = true;
        all[i] = all[i] && (r.types[i] == QueryValue::Type::Integer || r.types[i] == QueryValue::Type::Real);
      }
    for (std::size_t i = 0; i < n; ++i) right_[i] = any[i] && all[i];
    write_cells(header_);
    for (const auto& r : window_) write_cells(r.cells);
    window_.clear();
    window_.shrink_to_fit();
    out_.row_done();
  }
  template <typename Cells>
  void write_cells(const Cells& cells) {
    auto& b = out_.buffer();
    const std::size_t start = b.size();
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i) b += "  ";
      const std::string_view s = shown_in_table(cells[i], shown_);
      const std::size_t w = width_of(s);
      const std::size_t fill = width_[i] > w ? width_[i] - w : 0;
      if (right_[i]) b.append(fill, ' ');
      b.append(s);
      if (!right_[i]) b.append(fill, ' ');
    }
    while (b.size() > start && b.back() == ' ') b.pop_back();
    b += '\n';
  }
  void write_line(const std::vector<QueryValue>& values) {
    line_.clear();
    for (const auto& v : values) line_.push_back(v.text);
    write_cells(line_);
  }
  RowOutput& out_;
  std::vector<std::string> header_;
  std::vector<Held> window_;
  std::size_t window_bytes_ = 0;
  bool sized_ = false;
  std::vector<std::size_t> width_;
  std::vector<bool> right_;
  std::vector<std::string_view> line_;
  std::string shown_;  // a cell with control characters, escaped
};

}  // namespace

bool QueryColumn::declared_numeric() const {
  // SQLite's affinity rules: INT gives INTEGER; REAL, FLOA, DOUB give REAL;
  // NUMERIC and DECIMAL give NUMERIC. Text affinity comes first (CHAR, CLOB, TEXT).
  std::string t;
  for (char c : decltype_) t += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (t.find("INT") != std::string::npos) return true;
  if (t.find("CHAR") != std::string::npos || t.find("CLOB") != std::string::npos ||
      t.find("TEXT") != std::string::npos || t.find("BLOB") != std::string::npos || t.empty())
    return false;
  return true;
}

QueryParam parse_param(const std::string& arg, bool text) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0)
    throw Error(fmt::format("--param '{}': expected NAME=VALUE, e.g. release=develop", arg));
  return {arg.substr(0, eq), arg.substr(eq + 1), text};
}

void run_query(SQLite::Database& db, const std::string& sql, const std::vector<QueryParam>& params, RowSink& sink,
               const QueryOptions& options) {
  const Inspected query = inspect(db, sql);
  SQLite::Statement st(db, query.statement);
  bind_params(st, query.params, params);
  const Deadline deadline(db, options.timeout);

  std::vector<QueryValue> row(static_cast<std::size_t>(st.getColumnCount()));
  std::vector<std::string> blob_text(row.size());
  // The header waits for the first step: a statement SQLite lets through
  // prepared as read-only may still fail to write when it runs (PRAGMA
  // optimize), and then nothing is printed, as for any statement refused.
  bool begun = false;
  for (;;) {
    const int rc = st.tryExecuteStep();
    if (!begun && (rc == SQLITE_ROW || rc == SQLITE_DONE)) {
      sink.begin(columns_of(st));
      begun = true;
    }
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) {
      if (begun) sink.stopped();
      if ((rc & 0xff) == SQLITE_READONLY)
        throw Error("sql: refused, the statement would write; 'cachedb sql' opens the database read-only");
      if (deadline.passed())
        throw Error(fmt::format("sql: stopped by --timeout after {} s (rows already printed are all it had found)",
                                static_cast<double>(options.timeout.count()) / 1000));
      throw Error(fmt::format("sql: {}", st.getErrorMsg()));
    }
    read_row(st, row, blob_text);
    sink.row(row);
  }
  sink.end();
}

RowOutput::RowOutput(int fd, bool every_row) : fd_(fd), every_row_(every_row) {
  buffer_.reserve(80 << 10);
  last_write_ = std::chrono::steady_clock::now();
}

RowOutput::~RowOutput() {
  try {
    flush();
  } catch (...) {
    // The error that brought us here (or the broken pipe) is what gets said.
  }
}

void RowOutput::row_done() {
  using namespace std::chrono_literals;
  const bool first = !wrote_a_row_;
  if (first || every_row_ || buffer_.size() >= (64u << 10) ||
      std::chrono::steady_clock::now() - last_write_ >= 200ms) {
    wrote_a_row_ = true;
    flush();
  }
}

void RowOutput::flush() {
  std::size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      buffer_.clear();
      throw Error(fmt::format("could not write the result to stdout: {}", std::strerror(e)));
    }
    done += static_cast<std::size_t>(n);
  }
  buffer_.clear();
  last_write_ = std::chrono::steady_clock::now();
}

std::unique_ptr<RowSink> make_row_writer(Format format, RowOutput& out, const std::string& sql,
                                         const std::optional<SourceRun>& source) {
  switch (format) {
    case Format::Csv: return std::make_unique<CsvWriter>(out, false);
    case Format::Tsv: return std::make_unique<CsvWriter>(out, true);
    case Format::Json: return std::make_unique<JsonWriter>(out, false, source_json(source));
    case Format::Ndjson: return std::make_unique<JsonWriter>(out, true, "");
    case Format::Markdown: return std::make_unique<MarkdownWriter>(out, markdown_source_line(source));
    case Format::Html:
      return std::make_unique<HtmlWriter>(out, sql, fmt::format("One query's result. Made from {}.", describe(source)));
    case Format::Table: break;
  }
  return std::make_unique<AlignedWriter>(out);
}

}  // namespace cachedb
