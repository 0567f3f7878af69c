#pragma once
// Turns a Matrix into text for the terminal, for other programs, for an issue
// or a wiki, or into a web page.
#include <string>

#include "report/matrix.h"

namespace cachedb {

enum class Format { Table, Csv, Tsv, Json, Markdown, Html };

// Parses a --format value; throws Error for an unknown one.
Format parse_format(const std::string& name);

// Whether stdout is a terminal (zeros are dimmed there, never in a pipe).
bool stdout_is_terminal();

struct RenderOptions {
  Format format = Format::Table;
  bool totals = false;  // a last 'total' column and row
  bool tty = false;     // table only: dim the zeros
};

std::string render(const Matrix& m, const RenderOptions& options);

}  // namespace cachedb
