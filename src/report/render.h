#pragma once
// Turns a Matrix into text for the terminal, for other programs, for an issue
// or a wiki, or into a web page.
#include <string>

#include "report/matrix.h"

namespace cachedb {

// Ndjson (one JSON object per line) is for query results only.
enum class Format { Table, Csv, Tsv, Json, Ndjson, Markdown, Html };

// Parses a --format value; throws Error for an unknown one.
Format parse_format(const std::string& name);

// Whether stdout is a terminal.
bool stdout_is_terminal();

// --color: auto colours a terminal only, and not when $NO_COLOR is set (to
// anything but "") or $TERM is "dumb"; always and never say it all.
enum class ColorChoice { Auto, Always, Never };
ColorChoice parse_color_choice(const std::string& name);  // throws Error for an unknown one
bool use_color(ColorChoice choice, int fd);

struct RenderOptions {
  Format format = Format::Table;
  bool totals = false;  // a last 'total' column and row
  bool tty = false;     // table only: dim the zeros (colours are wanted on stdout)
};

std::string render(const Matrix& m, const RenderOptions& options);

}  // namespace cachedb
