#include "report/render.h"

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include "error.h"
#include "report/html_page.h"
#include "report/text_table.h"

namespace cachedb {
namespace {

// The matrix as a grid of strings: a header line, then one line per row, with
// the totals when asked. The text formats are all drawn from it.
Grid grid(const Matrix& m, bool totals) {
  Grid g;
  std::vector<std::string> header{m.row_dim};
  header.insert(header.end(), m.cols.begin(), m.cols.end());
  if (totals) header.emplace_back("total");
  g.push_back(std::move(header));
  for (std::size_t r = 0; r < m.rows.size(); ++r) {
    std::vector<std::string> line{m.rows[r]};
    for (auto v : m.cells[r]) line.push_back(std::to_string(v));
    if (totals) line.push_back(std::to_string(m.row_totals[r]));
    g.push_back(std::move(line));
  }
  if (totals) {
    std::vector<std::string> line{"total"};
    for (auto v : m.col_totals) line.push_back(std::to_string(v));
    line.push_back(std::to_string(m.grand_total));
    g.push_back(std::move(line));
  }
  return g;
}

// Every column but the first (the row labels) holds counts.
std::vector<bool> counts_right(const Grid& g) {
  std::vector<bool> right(g.front().size(), true);
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

}  // namespace

Format parse_format(const std::string& name) {
  if (name == "table") return Format::Table;
  if (name == "csv") return Format::Csv;
  if (name == "tsv") return Format::Tsv;
  if (name == "json") return Format::Json;
  if (name == "markdown" || name == "md") return Format::Markdown;
  if (name == "html") return Format::Html;
  throw Error(fmt::format("unknown format '{}' (known: table, csv, tsv, json, markdown, html)", name));
}

bool stdout_is_terminal() { return isatty(STDOUT_FILENO) == 1; }

std::string render(const Matrix& m, const RenderOptions& options) {
  switch (options.format) {
    case Format::Json: return render_json(m, options.totals);
    case Format::Html: return render_html_matrix(m, options.totals);
    default: break;
  }
  const auto g = grid(m, options.totals);
  switch (options.format) {
    case Format::Csv: return render_csv(g);
    case Format::Tsv: return render_tsv(g);
    case Format::Markdown: return render_markdown(g, counts_right(g));
    default: return render_aligned(g, {counts_right(g), options.tty});
  }
}

}  // namespace cachedb
