#pragma once
// Turns a Matrix into text for the terminal or for other programs.
#include <string>

#include "report/matrix.h"

namespace cachedb {

enum class Format { Table, Csv };

// Parses a --format value; throws Error for an unknown one.
Format parse_format(const std::string& name);

struct RenderOptions {
  Format format = Format::Table;
  bool totals = false;  // a last 'total' column and row
};

std::string render(const Matrix& m, const RenderOptions& options);

// One CSV field, quoted when RFC 4180 requires it.
std::string csv_field(const std::string& s);

}  // namespace cachedb
