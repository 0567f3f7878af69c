#pragma once
// Self-contained HTML pages (inline CSS, no scripts, no external assets) that
// anyone can open in a browser or attach to a mail.
#include <string>

#include "report/matrix.h"
#include "report/text_table.h"

namespace cachedb {

// The matrix as a heat-map table: the darker a cell, the more it counts.
std::string render_html_matrix(const Matrix& m, bool totals);

// A plain table of query results; `right_aligned` marks numeric columns.
std::string render_html_table(const std::string& title, const Grid& g, const std::vector<bool>& right_aligned);

}  // namespace cachedb
