#pragma once
// Plain-text layouts shared by matrices and `cachedb sql` results: a grid of
// strings (the first line is the header) drawn as an aligned table, CSV, TSV or
// Markdown, plus the escaping each format needs.
#include <string>
#include <string_view>
#include <vector>

namespace cachedb {

using Grid = std::vector<std::vector<std::string>>;

struct TableStyle {
  std::vector<bool> right_aligned;  // per column (numbers)
  bool dim_zeros = false;           // a terminal: a count of 0 shows as a dimmed '·'
};

// Columns two spaces apart, trailing spaces trimmed; widths in code points.
std::string render_aligned(const Grid& g, const TableStyle& style);
// RFC 4180: CRLF line ends, fields quoted when needed.
std::string render_csv(const Grid& g);
// Tab-separated, LF line ends; a tab, newline, carriage return or backslash in a
// value is written \t, \n, \r, \\ (the convention of PostgreSQL's COPY and mysql).
std::string render_tsv(const Grid& g);
// A GitHub-flavoured Markdown table; '|' escaped, numbers right-aligned.
std::string render_markdown(const Grid& g, const std::vector<bool>& right_aligned);

// One CSV field, quoted when RFC 4180 requires it.
std::string csv_field(const std::string& s);
// Text safe inside HTML element content and attribute values.
std::string html_escape(std::string_view s);

}  // namespace cachedb
