#include "report/render.h"

#include <charconv>
#include <cstdlib>
#include <string_view>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include "error.h"
#include "report/html_page.h"
#include "report/matrix_shape.h"
#include "report/text_table.h"

namespace cachedb {
namespace {

// The matrix as a table: a header line, then one line per row, with the totals
// when asked. The text formats are all drawn from it; counts are formatted as
// they are written, never stored as strings (a package matrix has a million).
class MatrixTable final : public Table {
 public:
  MatrixTable(const Matrix& m, bool totals) : m_(m), totals_(totals) {}
  std::size_t lines() const override { return 1 + m_.rows.size() + (totals_ ? 1 : 0); }
  std::size_t columns(std::size_t) const override { return 1 + m_.cols.size() + (totals_ ? 1 : 0); }
  std::string_view cell(std::size_t line, std::size_t column, CellScratch& scratch) const override {
    const std::size_t ncols = m_.cols.size();
    if (line == 0) {
      if (column == 0) return m_.row_dim;
      return column <= ncols ? std::string_view(m_.cols[column - 1]) : std::string_view("total");
    }
    const std::size_t r = line - 1;
    if (r == m_.rows.size()) {  // the totals line
      if (column == 0) return "total";
      return count(column <= ncols ? m_.col_totals[column - 1] : m_.grand_total, scratch);
    }
    if (column == 0) return m_.rows[r];
    return count(column <= ncols ? m_.cells[r][column - 1] : m_.row_totals[r], scratch);
  }
  // A column of counts is as wide as its label or its largest count.
  std::size_t known_width(std::size_t column) const override {
    if (column == 0) return 0;
    const std::size_t ncols = m_.cols.size();
    std::int64_t max = 0;
    if (column <= ncols) {
      for (const auto& row : m_.cells) max = std::max(max, row[column - 1]);
      if (totals_) max = std::max(max, m_.col_totals[column - 1]);
    } else {
      for (auto v : m_.row_totals) max = std::max(max, v);
      max = std::max(max, m_.grand_total);
    }
    CellScratch scratch;
    const std::string_view label = column <= ncols ? std::string_view(m_.cols[column - 1]) : "total";
    std::string shown;
    return std::max(width_of(shown_in_table(label, shown)), count(max, scratch).size());
  }

 private:
  static std::string_view count(std::int64_t v, CellScratch& scratch) {
    if (v == 0) return "0";  // most cells of a large matrix
    const auto [end, ec] = std::to_chars(scratch.data(), scratch.data() + scratch.size(), v);
    return {scratch.data(), static_cast<std::size_t>(end - scratch.data())};
  }
  const Matrix& m_;
  bool totals_;
};

// Every column but the first (the row labels) holds counts.
std::vector<bool> counts_right(const Table& t) {
  std::vector<bool> right(t.columns(0), true);
  right[0] = false;
  return right;
}

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string(JsonWriter& w, const std::string& s) {
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
}

void write_strings(JsonWriter& w, const std::vector<std::string>& list) {
  w.StartArray();
  for (const auto& s : list) write_string(w, s);
  w.EndArray();
}

void write_counts(JsonWriter& w, const std::vector<std::int64_t>& list) {
  w.StartArray();
  for (auto v : list) w.Int64(v);
  w.EndArray();
}

// One object for scripts: what was counted, the labels, cells[row][column].
std::string render_json(const Matrix& m, bool totals) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("matrix");
  write_string(w, m.name);
  w.Key("dimensions");
  w.StartObject();
  w.Key("rows");
  write_string(w, m.row_dim);
  w.Key("columns");
  write_string(w, m.col_dim);
  w.EndObject();
  w.Key("counted");
  write_string(w, m.counted);
  w.Key("scope");
  w.RawValue(m.scope.json().c_str(), m.scope.json().size(), rapidjson::kObjectType);
  // What the counts were made from, and what of them is shown.
  w.Key("source");
  const auto source = source_json(m.source);
  w.RawValue(source.c_str(), source.size(), m.source ? rapidjson::kObjectType : rapidjson::kNullType);
  w.Key("sort");
  write_string(w, m.sorted_by);
  w.Key("omitted");
  w.StartObject();
  w.Key("rows");
  w.StartObject();
  w.Key("top");
  w.Uint64(m.omitted.top_rows);
  w.Key("empty");
  w.Uint64(m.omitted.empty_rows);
  w.Key("limit");
  w.Uint64(m.omitted.limit_rows);
  w.EndObject();
  w.Key("columns");
  w.StartObject();
  w.Key("empty");
  w.Uint64(m.omitted.empty_cols);
  w.EndObject();
  w.EndObject();
  w.Key("rows");
  write_strings(w, m.rows);
  w.Key("columns");
  write_strings(w, m.cols);
  w.Key("cells");
  w.StartArray();
  for (const auto& row : m.cells) write_counts(w, row);
  w.EndArray();
  if (totals) {
    w.Key("totals");
    w.StartObject();
    w.Key("rows");
    write_counts(w, m.row_totals);
    w.Key("columns");
    write_counts(w, m.col_totals);
    w.Key("all");
    w.Int64(m.grand_total);
    w.EndObject();
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

// Below the table, in italics: what it was made from and what it leaves out.
std::string markdown_footer(const Matrix& m) {
  std::string out = markdown_source_line(m.source);
  if (const auto note = omitted_note(m); !note.empty()) out += fmt::format("\n_{}_\n", note);
  return out;
}

}  // namespace

Format parse_format(const std::string& name) {
  if (name == "table") return Format::Table;
  if (name == "csv") return Format::Csv;
  if (name == "tsv") return Format::Tsv;
  if (name == "json") return Format::Json;
  if (name == "ndjson") return Format::Ndjson;
  if (name == "markdown" || name == "md") return Format::Markdown;
  if (name == "html") return Format::Html;
  throw Error(fmt::format("unknown format '{}' (known: table, csv, tsv, json, ndjson, markdown, html)", name));
}

bool stdout_is_terminal() { return isatty(STDOUT_FILENO) == 1; }

ColorChoice parse_color_choice(const std::string& name) {
  if (name == "auto") return ColorChoice::Auto;
  if (name == "always") return ColorChoice::Always;
  if (name == "never") return ColorChoice::Never;
  throw Error(fmt::format("unknown --color '{}' (known: auto, always, never)", name));
}

bool use_color(ColorChoice choice, int fd) {
  if (choice != ColorChoice::Auto) return choice == ColorChoice::Always;
  // https://no-color.org: present and not empty.
  if (const char* no_color = std::getenv("NO_COLOR"); no_color && *no_color) return false;
  if (const char* term = std::getenv("TERM"); term && std::string_view(term) == "dumb") return false;
  return isatty(fd) == 1;
}

std::string render(const Matrix& m, const RenderOptions& options) {
  switch (options.format) {
    case Format::Json: return render_json(m, options.totals);
    case Format::Html: return render_html_matrix(m, options.totals);
    case Format::Ndjson: throw Error("a matrix has no ndjson form (use json)");
    default: break;
  }
  const MatrixTable t(m, options.totals);
  switch (options.format) {
    case Format::Csv: return render_csv(t);
    case Format::Tsv: return render_tsv(t);
    case Format::Markdown: return render_markdown(t, counts_right(t)) + markdown_footer(m);
    default: return render_aligned(t, {counts_right(t), options.tty});
  }
}

}  // namespace cachedb
