#pragma once
// A matrix report: counts of distinct specs (or packages) by a row dimension
// and a column dimension, over the scope chosen by --release and --filter.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>

#include "report/scope.h"
#include "report/source_run.h"

namespace cachedb {

enum class Count { Specs, Packages };

struct Matrix {
  std::string name;        // 'stacks-by-target', whatever spelling was asked for
  std::string row_dim;     // singular: 'stack'
  std::string col_dim;     // singular: 'target'
  std::string counted = "specs";  // or 'packages'
  Scope scope;                    // what was counted (--release, --filter)
  bool include_root = false;
  std::vector<std::string> rows, cols;           // sorted by byte order, until shaped
  std::vector<std::vector<std::int64_t>> cells;  // [row][col]
  // Distinct counts over each row, each column and everything.
  std::vector<std::int64_t> row_totals, col_totals;
  std::int64_t grand_total = 0;
  // The ingest run the counts reflect; none when nothing was ever ingested.
  std::optional<SourceRun> source;
  // How the rows and columns are ordered, and what was left out of them
  // (see report/matrix_shape.h); the totals still count everything.
  std::string sorted_by = "bytes";  // or "name", "total"
  struct Omitted {
    std::size_t top_rows = 0;    // by --top
    std::size_t empty_rows = 0;  // all zeros
    std::size_t empty_cols = 0;
    std::size_t limit_rows = 0;  // past --max-cells (html)
  } omitted;
};

struct MatrixOptions {
  bool include_root = false;
  Count count = Count::Specs;
  Scope scope;
  // Warn of each scope value that matches nothing (not when the same scope
  // is run a second time, as report does to say why a matrix is empty).
  bool warn_unmatched = true;
};

// Runs a matrix named ROWS-by-COLS (singular or plural names). Canned matrices
// use their file in queries/ to count specs; every other pair, and every
// --count packages, uses the generic query. Throws Error for an unknown name.
Matrix run_matrix(SQLite::Database& db, const std::string& name, const MatrixOptions& options);

// Same, always through the generic query (tests compare the two).
Matrix run_generic_matrix(SQLite::Database& db, const std::string& name, const MatrixOptions& options);

}  // namespace cachedb
