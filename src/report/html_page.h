#pragma once
// Self-contained HTML pages (inline CSS, no scripts, no external assets) that
// anyone can open in a browser or attach to a mail.
#include <string>

#include "report/matrix.h"
#include "report/text_table.h"

namespace cachedb {

// The matrix as a heat-map table: the darker a cell, the more it counts.
std::string render_html_matrix(const Matrix& m, bool totals);

// The page around any body: its head, title and note (HTML, not escaped), then
// the closing tags. Written apart so that a body can be streamed in between.
std::string html_page_head(const std::string& title, const std::string& note);
std::string html_page_tail();

}  // namespace cachedb
