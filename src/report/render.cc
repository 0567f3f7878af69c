#include "report/render.h"

#include <algorithm>

#include <fmt/format.h>

#include "error.h"

namespace cachedb {
namespace {

// The matrix as a grid of strings: a header line, then one line per row, with
// the totals when asked. Every format is drawn from it.
std::vector<std::vector<std::string>> grid(const Matrix& m, bool totals) {
  std::vector<std::vector<std::string>> g;
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

std::string render_csv(const std::vector<std::vector<std::string>>& g) {
  std::string out;
  for (const auto& line : g) {
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (i) out += ',';
      out += csv_field(line[i]);
    }
    out += "\r\n";  // RFC 4180 line ends
  }
  return out;
}

// Labels left-aligned, counts right-aligned, columns two spaces apart.
std::string render_table(const std::vector<std::vector<std::string>>& g) {
  std::vector<std::size_t> width(g.front().size(), 0);
  for (const auto& line : g)
    for (std::size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], line[i].size());
  std::string out;
  for (const auto& line : g) {
    std::string text;
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (i) text += "  ";
      if (i == 0) text += fmt::format("{:<{}}", line[i], width[i]);
      else text += fmt::format("{:>{}}", line[i], width[i]);
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  }
  return out;
}

}  // namespace

Format parse_format(const std::string& name) {
  if (name == "table") return Format::Table;
  if (name == "csv") return Format::Csv;
  throw Error(fmt::format("unknown format '{}' (known: table, csv)", name));
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string render(const Matrix& m, const RenderOptions& options) {
  const auto g = grid(m, options.totals);
  switch (options.format) {
    case Format::Csv: return render_csv(g);
    case Format::Table: return render_table(g);
  }
  return {};
}

}  // namespace cachedb
