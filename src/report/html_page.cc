#include "report/html_page.h"

#include <algorithm>

#include <fmt/format.h>

#include "report/matrix_shape.h"

namespace cachedb {
namespace {

constexpr const char* kStyle = R"css(
  body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; margin: 24px; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  p.note { color: #57606a; margin: 0 0 16px; }
  p.cut { color: #9a6700; background: #fff8c5; border: 1px solid #d4a72c; padding: 6px 10px; margin: 0 0 12px; }
  table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
  th, td { padding: 4px 10px; border: 1px solid #d0d7de; }
  thead th { background: #f6f8fa; position: sticky; top: 0; z-index: 2; white-space: nowrap; vertical-align: bottom; }
  tbody th, tfoot th, thead th:first-child { text-align: left; background: #f6f8fa; font-weight: 600; white-space: nowrap; }
  tbody th, tfoot th { position: sticky; left: 0; z-index: 1; }
  thead th:first-child { left: 0; z-index: 3; }
  thead th.col { padding: 6px 4px; }
  thead th.col span { display: inline-block; writing-mode: vertical-rl; transform: rotate(180deg); max-height: 14em;
                      overflow: hidden; text-overflow: ellipsis; }
  td { text-align: right; min-width: 3em; }
  td.text { text-align: left; }
  td.zero { color: #afb8c1; }
  td.hot { color: #fff; }
  td.null { color: #afb8c1; font-style: italic; }
  .total { font-weight: 700; background: #eaeef2; }
  td.total { background: #eaeef2; color: #1f2328; }
  .legend { margin: 0 0 12px; color: #57606a; font-size: 12px; }
  .legend span { display: inline-block; width: 28px; height: 12px; vertical-align: middle; border: 1px solid #d0d7de; }
)css";

}  // namespace

std::string html_page_head(const std::string& title, const std::string& note) {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>{0}</title>\n<style>{1}</style>\n</head>\n<body>\n<h1>{0}</h1>\n<p class=\"note\">{2}</p>\n",
      html_escape(title), kStyle, note);
}

std::string html_page_tail() { return "</body>\n</html>\n"; }

namespace {

std::string page(const std::string& title, const std::string& note, const std::string& body) {
  return html_page_head(title, note) + body + html_page_tail();
}

// A cell's background: blue, from transparent (0) to strong (the largest cell).
std::string heat(std::int64_t v, std::int64_t max) {
  if (v == 0 || max == 0) return {};
  const double share = static_cast<double>(v) / static_cast<double>(max);
  // Never fully pale: a count of 1 must still be visibly not zero.
  const double alpha = 0.08 + 0.82 * share;
  return fmt::format(" style=\"background: rgba(9, 105, 218, {:.3f})\"", alpha);
}

std::string scope_note(const Matrix& m) {
  std::vector<std::string> parts;
  for (const auto& [dim, values] : m.scope.values) parts.push_back(fmt::format("{} = {}", dim, fmt::join(values, " or ")));
  std::string note = fmt::format("Each cell counts distinct {} with that {} and that {}", m.counted, m.row_dim, m.col_dim);
  note += parts.empty() ? ", over every release." : fmt::format(", where {}.", fmt::join(parts, " and "));
  if (m.row_dim == "stack" || m.col_dim == "stack")
    note += m.include_root ? " The root pseudo-stack is included." : " The root pseudo-stack is left out.";
  note += fmt::format(" Made from {}.", describe(m.source));
  if (m.sorted_by == "total") note += " Rows and columns are sorted by total, largest first.";
  return html_escape(note);
}

}  // namespace

std::string render_html_matrix(const Matrix& m, bool totals) {
  std::int64_t max = 0;
  for (const auto& row : m.cells) for (auto v : row) max = std::max(max, v);
  // What was left out, then the legend, above the table: on a long page
  // nobody scrolls to the bottom to learn how to read the top.
  std::string t;
  if (const auto cut = omitted_note(m); !cut.empty()) t += "<p class=\"cut\">" + html_escape(cut) + "</p>\n";
  t += fmt::format("<p class=\"legend\">Shading: <span></span> 0 &nbsp; <span style=\"background: rgba(9, 105, 218, 0.5)\">"
                   "</span> about {} &nbsp; <span style=\"background: rgba(9, 105, 218, 0.9)\"></span> {} (the largest cell)</p>\n",
                   max / 2, max);
  if (totals) t += "<p class=\"legend\">Totals count distinct " + html_escape(m.counted) +
                   ", so they can be less than the sum of their cells" +
                   (m.omitted.top_rows || m.omitted.limit_rows ? "; the total row counts every row, shown or not" : "") +
                   ".</p>\n";
  t += "<table class=\"matrix\">\n<thead><tr><th>" + html_escape(m.row_dim) + "</th>";
  // Column labels run upwards, so that long stack names keep the columns
  // narrow; the whole label is in the title when it is cut short.
  for (const auto& c : m.cols) {
    const auto label = html_escape(c);
    t += "<th scope=\"col\" class=\"col\" title=\"" + label + "\"><span>" + label + "</span></th>";
  }
  if (totals) t += "<th scope=\"col\" class=\"total\">total</th>";
  t += "</tr></thead>\n<tbody>\n";
  for (std::size_t r = 0; r < m.rows.size(); ++r) {
    t += "<tr><th scope=\"row\">" + html_escape(m.rows[r]) + "</th>";
    for (std::size_t c = 0; c < m.cols.size(); ++c) {
      const auto v = m.cells[r][c];
      const bool hot = max > 0 && v * 100 >= max * 55;  // white text on the darkest cells
      t += fmt::format("<td{}{} title=\"{} × {}: {} {}\">{}</td>", v == 0 ? " class=\"zero\"" : hot ? " class=\"hot\"" : "",
                       heat(v, max), html_escape(m.rows[r]), html_escape(m.cols[c]), v, html_escape(m.counted), v);
    }
    if (totals) t += fmt::format("<td class=\"total\">{}</td>", m.row_totals[r]);
    t += "</tr>\n";
  }
  t += "</tbody>\n";
  if (totals) {
    t += "<tfoot><tr class=\"total\"><th scope=\"row\" class=\"total\">total</th>";
    for (auto v : m.col_totals) t += fmt::format("<td class=\"total\">{}</td>", v);
    t += fmt::format("<td class=\"total\">{}</td></tr></tfoot>\n", m.grand_total);
  }
  t += "</table>\n";
  return page("cachedb: " + m.name, scope_note(m), t);
}

}  // namespace cachedb
