#pragma once
// Plain-text layouts shared by matrices and `cachedb sql` results: a table of
// cells (the first line is the header) drawn as an aligned table, CSV, TSV or
// Markdown, plus the escaping each format needs.
#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace cachedb {

using Grid = std::vector<std::vector<std::string>>;

// Room for a cell a table formats on the fly (a count: at most 20 characters).
using CellScratch = std::array<char, 32>;

// What the layouts read: lines of cells, the first line the header. A matrix
// of a million cells is drawn from its counts without first turning each into
// a string of its own; `cell` may format into `scratch` and return a view of it,
// valid until the next call.
class Table {
 public:
  virtual ~Table() = default;
  virtual std::size_t lines() const = 0;
  virtual std::size_t columns(std::size_t line) const = 0;
  virtual std::string_view cell(std::size_t line, std::size_t column, CellScratch& scratch) const = 0;
  // The widest cell of a column in code points, when the table knows it
  // without looking at each cell (a column of counts); 0 when it does not.
  virtual std::size_t known_width(std::size_t) const { return 0; }
};

// A Grid seen as a Table.
class GridTable final : public Table {
 public:
  explicit GridTable(const Grid& g) : g_(g) {}
  std::size_t lines() const override { return g_.size(); }
  std::size_t columns(std::size_t line) const override { return g_[line].size(); }
  std::string_view cell(std::size_t line, std::size_t column, CellScratch&) const override { return g_[line][column]; }

 private:
  const Grid& g_;
};

struct TableStyle {
  std::vector<bool> right_aligned;  // per column (numbers)
  bool dim_zeros = false;           // a terminal: a count of 0 shows as a dimmed '·'
};

// Columns two spaces apart, trailing spaces trimmed; widths as a terminal
// shows them, control characters escaped (shown_in_table).
std::string render_aligned(const Table& t, const TableStyle& style);
// RFC 4180: CRLF line ends, fields quoted when needed.
std::string render_csv(const Table& t);
// Tab-separated, LF line ends; a tab, newline, carriage return or backslash in a
// value is written \t, \n, \r, \\ (the convention of PostgreSQL's COPY and mysql).
std::string render_tsv(const Table& t);
// A GitHub-flavoured Markdown table; '|' escaped, numbers right-aligned.
std::string render_markdown(const Table& t, const std::vector<bool>& right_aligned);

inline std::string render_aligned(const Grid& g, const TableStyle& style) { return render_aligned(GridTable(g), style); }
inline std::string render_csv(const Grid& g) { return render_csv(GridTable(g)); }
inline std::string render_tsv(const Grid& g) { return render_tsv(GridTable(g)); }
inline std::string render_markdown(const Grid& g, const std::vector<bool>& right_aligned) {
  return render_markdown(GridTable(g), right_aligned);
}

// One CSV field, quoted when RFC 4180 requires it.
std::string csv_field(const std::string& s);
// The same field escapes, appended to `out`, for writers that stream rows.
void append_csv_field(std::string& out, std::string_view s);
void append_tsv_field(std::string& out, std::string_view s);
// '|', '<', '*', '`', '~' and the backslash escaped by a backslash (CommonMark), line breaks as spaces.
void append_markdown_cell(std::string& out, std::string_view s);
// One Markdown table line of `n` cells, cell_at(i) the text of the i-th: '| a | b |'.
template <typename CellAt>
void append_markdown_line(std::string& out, std::size_t n, CellAt cell_at) {
  out += "|";
  for (std::size_t i = 0; i < n; ++i) {
    out += ' ';
    append_markdown_cell(out, cell_at(i));
    out += " |";
  }
  out += "\n";
}
// The line under a Markdown header: '| --- | ---: |', a column right-aligned where `right_aligned` says.
void append_markdown_rule(std::string& out, std::size_t n, const std::vector<bool>& right_aligned);
// The columns a terminal gives `s` (UTF-8): a code point one, an East Asian
// wide one (日本) two, a combining mark none (display_width.cc).
std::size_t width_of(std::string_view s);
// `s` as the aligned table shows it: a control character (a newline, a tab,
// an escape) written \n, \t, \x1b, so that a row stays one line and no value
// sends the terminal a command; `s` itself when it has none, else the escaped
// text in `scratch`.
std::string_view shown_in_table(std::string_view s, std::string& scratch);
// Text safe inside HTML element content and attribute values.
std::string html_escape(std::string_view s);

}  // namespace cachedb
